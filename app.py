"""Service Cycle Analytics: the dashboard's entry point.

Builds the navigation and the global sidebar (data source, cycle template, date range, segment
filters, outcome), loads and analyses the survey through the cached loaders of ``app_support``,
keeps the view in the URL, then runs the selected page. Run with ``streamlit run app.py``.
"""

from __future__ import annotations

import streamlit as st

from app_support import loaders, state
from app_support.loaders import View
from app_support.widgets import md_escape
from cycle_analytics.errors import SurveyError

st.set_page_config(layout="wide", page_title="Service Cycle Analytics", page_icon=":material/route:")
state.init_session()
ss = st.session_state

PAGES = {"Analysis": [
    st.Page("pages/overview.py", title="Overview", icon=":material/route:", default=True),
    st.Page("pages/critical_moments.py", title="Critical moments", icon=":material/priority_high:"),
    st.Page("pages/priorities.py", title="Priorities", icon=":material/target:"),
    st.Page("pages/stage_detail.py", title="Stage detail", icon=":material/zoom_in:"),
    st.Page("pages/segments.py", title="Segments", icon=":material/groups:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
]}
_DESIGN = [("pages/cycle_designer.py", "Cycle designer", ":material/account_tree:"),
           ("pages/survey_builder.py", "Survey builder", ":material/edit_note:")]
if all((loaders.ROOT / path).is_file() for path, _, _ in _DESIGN):
    PAGES["Design"] = [st.Page(path, title=title, icon=icon) for path, title, icon in _DESIGN]
pg = st.navigation(PAGES)


@st.cache_data(show_spinner=False)
def _templates() -> dict[str, str]:
    from cycle_analytics.cycles import list_templates

    try:
        return list_templates()
    except SurveyError:
        return {}


view = View()
pending = ss.get(state.URL_PENDING) or {}

with st.sidebar:
    st.subheader("Data")
    uploaded = st.file_uploader(
        "Upload a survey (CSV or Excel)", type=["csv", "tsv", "txt", "xlsx", "xlsm"], key=state.UPLOAD,
        help="Long (one row per response and stage) or wide (one column per stage) layout.",
    )
    st.selectbox(
        "Sample survey", options=list(state.SAMPLES), key=state.SAMPLE,
        format_func=lambda k: state.SAMPLES[k][2], disabled=uploaded is not None,
        help="Shown when no file is uploaded.",
    )
    source_id = f"upload:{getattr(uploaded, 'file_id', uploaded.name)}" if uploaded is not None else f"sample:{ss[state.SAMPLE]}"
    templates = _templates()
    default_cycle = state.NO_CYCLE
    if uploaded is None and state.SAMPLES[ss[state.SAMPLE]][1] in templates:
        default_cycle = state.SAMPLES[ss[state.SAMPLE]][1]
    if ss.get(state.SOURCE_ID) != source_id:
        first = state.SOURCE_ID not in ss
        state.reset_for_new_source()
        ss[state.SOURCE_ID] = source_id
        ss[state.CYCLE] = default_cycle
        if first and pending.get(state.Q_CYCLE) in templates:
            ss[state.CYCLE] = pending[state.Q_CYCLE]
    applied = ss.get(state.APPLIED_CYCLE)
    if applied and ss.get(state.APPLIED_SEEN) != applied:  # just applied on the Cycle designer page
        ss[state.APPLIED_SEEN] = applied
        ss[state.CYCLE] = state.DESIGNED
    cycle_options = [state.NO_CYCLE, *templates] + ([state.DESIGNED] if applied else [])
    if ss.get(state.CYCLE) not in cycle_options:
        ss[state.CYCLE] = default_cycle
    cycle = st.selectbox(
        "Cycle template", options=cycle_options, key=state.CYCLE,
        format_func=lambda k: templates.get(k, "Designed cycle (Cycle designer)" if k == state.DESIGNED else k),
        help="Names, order, phases and targets of the stages. Without one, the stages come from the file.",
    )

    # ---- load
    try:
        if uploaded is not None:
            digest, data = loaders.upload_digest(uploaded)
            view.file_name = uploaded.name
            view.source_label = f"Uploaded file: {uploaded.name}"
        else:
            digest, data = loaders.sample_bytes(ss[state.SAMPLE])
            view.file_name = loaders.sample_path(ss[state.SAMPLE]).name
            view.source_label = state.SAMPLES[ss[state.SAMPLE]][2]
        cycle_opt = None if cycle == state.NO_CYCLE else ("yaml", applied) if cycle == state.DESIGNED else cycle
        opts = loaders.options_key(cycle_opt, ss[state.OVERRIDES])
        view.survey, view.error = loaders.load_survey(digest, view.file_name, opts, data)
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
        okey = (outcome_col, (ss[state.OVERRIDES] or {}).get("positive"))
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
            sample=ss[state.SAMPLE] if uploaded is None else None,
            cycle=cycle if cycle not in (default_cycle, state.DESIGNED) else None,
            date_range=date_range, full_range=full_range, segments=segments,
            outcome=outcome_col, default_outcome=None if default_out == state.PROXY_LABEL else default_out,
            stage=ss.get(state.STAGE),
        ))
        ss[state.URL_PENDING] = {}
    elif uploaded is None:
        state.write_query_params({state.Q_SAMPLE: ss[state.SAMPLE]})

ss[state.VIEW] = view
pg.run()
