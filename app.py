"""Service Cycle Analytics: the dashboard's entry point.

Builds the navigation and the global sidebar (data source, cycle template, date range, segment
filters, outcome), loads and analyses the survey through the cached loaders of ``app_support``,
keeps the view in the URL, then runs the selected page. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import streamlit as st

from app_support import loaders, sharing, state
from app_support.loaders import View
from app_support.widgets import md_escape
from cycle_analytics.errors import SurveyError

st.set_page_config(layout="wide", page_title="Service Cycle Analytics", page_icon=":material/route:")
state.init_session()
ss = st.session_state
sharing.login_gate()  # with an identity provider configured, nothing runs before sign-in


def _leave_link() -> None:
    ss[state.SAVED_ID] = None
    st.query_params.clear()


def _gate(message: str, *, ask_password: str | None = None) -> None:
    """The only thing a link to a missing or locked saved survey shows."""
    st.title("Saved survey")
    if ask_password is None:
        st.error(message)
    else:
        st.info(message, icon=":material/lock:")
        pw = st.text_input("Password", type="password", key="unlock_password")
        if st.button("Open", type="primary", key="unlock_button"):
            try:
                sharing.unlock(ask_password, pw)
            except sharing.WrongPassword as exc:
                st.error(str(exc))
            except SurveyError as exc:
                st.error(str(exc))
            else:
                ss.pop("unlock_password", None)
                st.rerun()
    st.button("Open the app without this link", key="leave_link", on_click=_leave_link)
    st.stop()


PAGES = {"Analysis": [
    st.Page("pages/overview.py", title="Overview", icon=":material/route:", default=True),
    st.Page("pages/critical_moments.py", title="Critical moments", icon=":material/priority_high:"),
    st.Page("pages/priorities.py", title="Priorities", icon=":material/target:"),
    st.Page("pages/stage_detail.py", title="Stage detail", icon=":material/zoom_in:"),
    st.Page("pages/segments.py", title="Segments", icon=":material/groups:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
], "Share": [st.Page("pages/saved.py", title="Saved surveys", icon=":material/bookmark:", url_path="saved")]}
_DESIGN = [("pages/cycle_designer.py", "Cycle designer", ":material/account_tree:"),
           ("pages/survey_builder.py", "Survey builder", ":material/edit_note:")]
if all((loaders.ROOT / path).is_file() for path, _, _ in _DESIGN):
    PAGES["Design"] = [st.Page(path, title=title, icon=icon) for path, title, icon in _DESIGN]

# ---- a saved survey as the data source (?survey=<id> or "Open" on the Saved surveys page)
saved = None
if ss.get(state.SAVED_ID) and ss.get(state.UPLOAD) is None:
    try:
        saved = sharing.open_saved(ss[state.SAVED_ID])
    except sharing.PasswordRequired as exc:
        st.navigation(PAGES, position="hidden")
        _gate(str(exc), ask_password=ss[state.SAVED_ID])
    except SurveyError as exc:  # NotFound (unknown or malformed id), or the store cannot be opened
        st.navigation(PAGES, position="hidden")
        _gate(str(exc))

pg = st.navigation(PAGES)
sharing.note_location(pg)


view = View()
pending = ss.get(state.URL_PENDING) or {}

with st.sidebar:
    user = sharing.current_user()
    if user:
        st.caption(f"Signed in as {md_escape(user)}")
        st.button("Sign out", key="logout_button", on_click=st.logout)
    st.subheader("Data")
    uploaded = st.file_uploader(
        "Upload a survey (CSV or Excel)", type=["csv", "tsv", "txt", "xlsx", "xlsm"], key=state.UPLOAD,
        help="Long (one row per response and stage) or wide (one column per stage) layout.",
    )
    st.selectbox(
        "Sample survey", options=list(state.SAMPLES), key=state.SAMPLE,
        format_func=lambda k: state.SAMPLES[k][2], disabled=uploaded is not None or saved is not None,
        help="Shown when no file is uploaded.",
    )
    if uploaded is not None:
        ss[state.SAVED_ID] = None
        saved = None
    if saved is not None:
        st.info(f"Saved survey: **{md_escape(saved.name)}**", icon=":material/bookmark:")
        st.button("Close the saved survey", key="close_saved", on_click=_leave_link)
    if uploaded is not None:
        source_id = f"upload:{getattr(uploaded, 'file_id', uploaded.name)}"
    elif saved is not None:
        source_id = f"saved:{saved.id}"
    else:
        source_id = f"sample:{ss[state.SAMPLE]}"
    templates = loaders.templates()
    default_cycle = state.NO_CYCLE
    if uploaded is None and saved is None and state.SAMPLES[ss[state.SAMPLE]][1] in templates:
        default_cycle = state.SAMPLES[ss[state.SAMPLE]][1]
    if ss.get(state.SOURCE_ID) != source_id:
        first = state.SOURCE_ID not in ss
        state.reset_for_new_source()
        ss[state.SOURCE_ID] = source_id
        ss[state.CYCLE] = default_cycle
        if first and pending.get(state.Q_CYCLE) in templates:
            ss[state.CYCLE] = pending[state.Q_CYCLE]
        has_plans = saved is not None and saved.plans is not None and len(saved.plans) > 0
        ss[state.PLANS] = saved.plans if has_plans else None
        ss[state.PLANS_SOURCE] = source_id
        ss[state.PLANS_VERSION] = ss.get(state.PLANS_VERSION, 0) + 1
    applied = ss.get(state.APPLIED_CYCLE)
    if applied and ss.get(state.APPLIED_SEEN) != applied:  # just applied on the Cycle designer page
        ss[state.APPLIED_SEEN] = applied
        ss[state.CYCLE] = state.DESIGNED
    cycle_options = [state.NO_CYCLE, *templates] + ([state.DESIGNED] if applied else [])
    if ss.get(state.CYCLE) not in cycle_options:
        ss[state.CYCLE] = default_cycle
    if saved is None:
        cycle = st.selectbox(
            "Cycle template", options=cycle_options, key=state.CYCLE,
            format_func=lambda k: templates.get(k, "Designed cycle (Cycle designer)" if k == state.DESIGNED else k),
            help="Names, order, phases and targets of the stages. Without one, the stages come from the file.",
        )
    else:
        cycle = default_cycle
        if saved.survey.cycle is not None:
            st.caption(f"Cycle: {md_escape(saved.survey.cycle.name)} (saved with the survey)")

    # ---- load
    try:
        if saved is not None and uploaded is None:
            digest, opts = f"saved:{saved.id}:{saved.updated.isoformat()}", (("saved", saved.id),)
            view.file_name = str((saved.survey.info.source or {}).get("file") or saved.name)
            view.source_label = f"Saved survey: {saved.name}"
            view.survey = saved.survey
            ss[state.SAVED_OPTIONS] = saved.options
        elif uploaded is not None:
            digest, data = loaders.upload_digest(uploaded)
            view.file_name = uploaded.name
            view.source_label = f"Uploaded file: {uploaded.name}"
        else:
            digest, data = loaders.sample_bytes(ss[state.SAMPLE])
            view.file_name = loaders.sample_path(ss[state.SAMPLE]).name
            view.source_label = state.SAMPLES[ss[state.SAMPLE]][2]
        if saved is None or uploaded is not None:
            cycle_opt = None if cycle == state.NO_CYCLE else ("yaml", applied) if cycle == state.DESIGNED else cycle
            opts = loaders.options_key(cycle_opt, ss[state.OVERRIDES])
            view.survey, view.error = loaders.load_survey(digest, view.file_name, opts, data)
            ss[state.SAVED_OPTIONS] = opts
    except SurveyError as exc:
        digest, opts = "", ()
        view.error = str(exc)

    survey = view.survey
    segments: dict[str, list] = {}
    date_range = full_range = None
    outcome_col = None
    if survey is not None:
        resp = survey.responses
        st.subheader("Filters")
        # ---- date range
        if "date" in resp.columns and resp["date"].notna().any():
            full_range = (resp["date"].min().date(), resp["date"].max().date())
            if pending.get(state.Q_FROM) and pending.get(state.Q_TO):
                a, b = state.parse_date(pending[state.Q_FROM]), state.parse_date(pending[state.Q_TO])
                if a and b and a <= b:
                    ss[state.DATE_RANGE] = (max(a, full_range[0]), min(b, full_range[1]))
            if state.DATE_RANGE not in ss:
                ss[state.DATE_RANGE] = full_range
            picked = st.date_input("Date range", min_value=full_range[0], max_value=full_range[1], key=state.DATE_RANGE)
            date_range = tuple(picked) if isinstance(picked, (tuple, list)) and len(picked) == 2 else full_range
        # ---- segments
        for col in survey.info.segments:
            if col not in resp.columns:
                continue
            s = resp[col]
            options = [str(c) for c in (s.cat.categories if hasattr(s, "cat") else sorted(s.dropna().astype(str).unique()))]
            key = state.segment_key(col)
            want = (pending.get("segments") or {}).get(col)
            if want:
                ss[key] = [v for v in want if v in options]
            if key in ss:
                ss[key] = [v for v in ss[key] if v in options]
            segments[col] = st.multiselect(md_escape(col), options=options, key=key, placeholder="All")
        # ---- outcome
        cands = [c for c in survey.info.outcome_candidates if c in resp.columns]
        out_options = [*cands, state.PROXY_LABEL]
        default_out = survey.info.outcome if survey.info.outcome in cands else state.PROXY_LABEL
        if saved is not None and saved.outcome is not None:  # the outcome chosen when it was saved
            default_out = saved.outcome.column if (not saved.outcome.is_proxy and saved.outcome.column in cands) else state.PROXY_LABEL
        if state.Q_OUTCOME in pending:
            want = pending[state.Q_OUTCOME]
            ss[state.OUTCOME] = state.PROXY_LABEL if want == "none" else (want if want in cands else default_out)
        if ss.get(state.OUTCOME) not in out_options:
            ss[state.OUTCOME] = default_out
        picked_out = st.selectbox("Outcome", options=out_options, key=state.OUTCOME,
                                  help="The overall result a stage can spoil. Without one, each respondent's mean over their other stages is the proxy.")
        outcome_col = None if picked_out == state.PROXY_LABEL else picked_out

        # ---- filter + analyse
        fkey = loaders.filters_key(date_range, full_range, segments)
        view.filters_active = fkey != (None, None, ())
        try:
            view.filtered = loaders.filtered_survey(digest, opts, fkey, survey)
        except SurveyError as exc:
            view.analysis_error = str(exc)
            view.filtered = None
        positive = (ss[state.OVERRIDES] or {}).get("positive")
        if saved is not None and saved.outcome is not None and not saved.outcome.is_proxy and saved.outcome.column == outcome_col:
            positive = saved.outcome.positive
        okey = (outcome_col, positive)
        view.key = (digest, opts, fkey, okey)
        if view.filtered is not None and len(view.filtered.responses):
            view.analysis, view.analysis_error = loaders.run_analysis(digest, opts, fkey, okey, view.filtered)
            view.outcome = getattr(view.analysis, "outcome", None)
        n_all, n_now = len(resp), len(view.filtered.responses) if view.filtered is not None else 0
        st.caption(f"{n_now:,} of {n_all:,} respondents" + (" (filtered)" if view.filters_active else ""))

        # ---- selected stage
        want_stage = pending.get(state.Q_STAGE)
        if want_stage in survey.stages:
            ss[state.STAGE] = want_stage
        if ss.get(state.STAGE) not in survey.stages:
            ss[state.STAGE] = None

        # ---- the view in the URL
        state.write_query_params(state.desired_query_params(
            sample=ss[state.SAMPLE] if uploaded is None and saved is None else None,
            survey=saved.id if saved is not None else None,
            cycle=cycle if cycle not in (default_cycle, state.DESIGNED) else None,
            date_range=date_range, full_range=full_range, segments=segments,
            outcome=outcome_col, default_outcome=None if default_out == state.PROXY_LABEL else default_out,
            stage=ss.get(state.STAGE),
        ))
        ss[state.URL_PENDING] = {}
    elif uploaded is None and saved is None:
        state.write_query_params({state.Q_SAMPLE: ss[state.SAMPLE]})

    if view.survey is not None:
        with st.expander("Save & share", icon=":material/share:"):
            sharing.save_panel(view, where="sidebar")

ss[state.VIEW] = view
pg.run()
