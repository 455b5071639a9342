"""The global sidebar: data source, cycle template, filters, outcome, save & share; and the
:class:`View` of this run that every page reads.

``app.py`` calls :func:`start_session` (session defaults, the view in the URL, the sign-in gate,
the saved survey of a ``?survey=`` link), builds the navigation, then :func:`sidebar`, which loads
and analyses the survey through the cached loaders and keeps the view in the URL. Every step is a
function below, in the order the sidebar shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from cycle_analytics.cycles import dump_cycle
from cycle_analytics.dataset import OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import (LANGUAGE_AUTONYMS, LANGUAGES, TEMPLATE_CONTEXT, current_language, format_number, ngettext,
                                  pgettext, set_language)
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.stats.exclusions import Exclusion
from cycle_analytics.stats.quality import QualityReport
from cycle_analytics.storage import SavedSurvey

from . import identity, loaders, screening, sharing, sources, state, tables
from .progress import expected_analysis_seconds, expected_import_seconds, progress
from .sources import WarehouseSurvey
from .widgets import date_range_picker, md_escape, outcome_picker, segment_picker


@dataclass(frozen=True)
class View:
    """Everything a page needs for this run (``state.view()``).

    ``survey`` is the survey with the names people use (``app_support.loaders.named_survey``),
    ``imported`` the survey as the importer read it (the Data page), ``filtered`` ``survey`` after
    the sidebar filters, ``analysis`` the :class:`~cycle_analytics.stats.analysis.Analysis` of ``filtered``
    for ``outcome``. ``error`` / ``analysis_error`` are the sentences of an import / analysis that
    failed; ``key`` (digest, options, filters, outcome) identifies the view for the caches.
    ``quality`` holds the response-quality flags of ``survey``; ``exclusion`` says which flagged
    respondents ``filtered`` and ``analysis`` leave out (:mod:`app_support.screening`).
    ``warehouse`` is set instead of the surveys for a warehouse source (:mod:`app_support.sources`):
    the pages read its stages, scale and cycle, and ``analysis`` is the engine's.
    """

    source_label: str = ""
    file_name: str = ""
    survey: Survey | None = None
    imported: Survey | None = None
    filtered: Survey | None = None
    analysis: Analysis | None = None
    outcome: OutcomeSpec | None = None
    error: str | None = None
    analysis_error: str | None = None
    filters_active: bool = False
    key: tuple = ()
    quality: QualityReport | None = None
    exclusion: Exclusion | None = None
    warehouse: WarehouseSurvey | None = None


@dataclass(frozen=True)
class _Source:
    """The data source picked in the sidebar: an upload, a saved survey or a bundled sample."""

    id: str
    uploaded: object | None  # streamlit UploadedFile
    saved: SavedSurvey | None
    sample: str
    warehouse: str | None = None  # the name of a warehouse source (app_support.sources)


@dataclass(frozen=True)
class _Loaded:
    """The imported survey (or the error sentence) and the cache identity of its import."""

    digest: str
    options: tuple
    file_name: str = ""
    source_label: str = ""
    survey: Survey | None = None
    error: str | None = None


def start_session() -> sharing.OpenedLink:
    """Session defaults and the URL (once per session), the interface language of this run, the
    sign-in gate (stops the run until the user signed in when login is configured), then the saved
    survey a link asks for."""
    state.init_session()
    _interface_language()
    sharing.login_gate()
    return sharing.open_requested()


def _interface_language() -> None:
    """Put the session's interface language into this run's context (``cycle_analytics.i18n``); the
    first run takes it from ``?lang=``, else the browser, else English. The context variable is
    per thread, and Streamlit runs each session's script in its own thread, so a session's choice
    never shows in another's."""
    ss = st.session_state
    browser = st.context.locale
    if ss.get(state.LANGUAGE) not in LANGUAGES:
        ss[state.LANGUAGE] = state.initial_language(st.query_params.get(state.Q_LANG), browser,
                                                    st.context.headers.get("Accept-Language"))
    set_language(ss[state.LANGUAGE], browser_locale=browser)


def _language_selector() -> None:
    """The interface language, at the top of the sidebar. Its label names itself in the three
    languages, so a manager who does not read the current one still finds it."""
    st.selectbox(":material/translate: Language · Bahasa · Idioma", LANGUAGES, key=state.LANGUAGE,
                 format_func=LANGUAGE_AUTONYMS.__getitem__)


def sidebar(link: sharing.OpenedLink, page) -> View:
    """Draw the sidebar, load and analyse the survey, keep the view in the URL; return the view.

    ``link`` comes from :func:`start_session`; a missing or locked link shows only its gate and
    stops here. ``page`` is the ``st.navigation`` page about to run (remembered for share links).
    """
    if link.blocked:
        sharing.link_gate(link)
    sharing.note_location(page)
    pending = st.session_state.get(state.URL_PENDING) or {}
    slot = st.container()  # top of the main area: where the progress of a long import or analysis shows
    with st.sidebar:
        _language_selector()
        _account()
        st.subheader(_("Data"))
        source = _data_source(link.saved)
        if source.warehouse is not None:  # analysed where it lies, by the query engine
            if st.session_state.get(state.SOURCE_ID) != source.id:
                _on_new_source(source, state.NO_CYCLE, {}, pending)
            return View(**sources.source_sidebar(source.warehouse, slot, pending, loaders.filters_key))
        cycle, default_cycle = _cycle_choice(source, pending)
        loaded = _load(source, cycle, slot)
        if loaded.survey is not None and source.saved is None:
            _unmatched_stages(loaded)
        if loaded.survey is not None and source.uploaded is not None and not state.reading_confirmed(loaded.digest):
            st.page_link("app_pages/data.py", label=_("Check what we read from the file"), icon=":material/fact_check:")
        imported = loaded.survey
        loaded = loaders.with_display_names(loaded, source.id)  # the names people use, in every page
        view = View(source_label=loaded.source_label, file_name=loaded.file_name, survey=loaded.survey,
                    imported=imported, error=loaded.error)
        if loaded.survey is not None:
            view = _filter_and_analyse(view, source, loaded, cycle, default_cycle, pending, slot)
        elif source.uploaded is None and source.saved is None:
            state.write_query_params({state.Q_SAMPLE: source.sample})
        if view.survey is not None:
            with st.expander(_("Save & share"), icon=":material/share:"):
                sharing.save_panel(view, where="sidebar")
    return view


# ---------------------------------------------------------------- data source and cycle


def _account() -> None:
    """Who is signed in, and the sign-out button (only with login)."""
    user = sharing.current_user()
    if user:
        st.caption(_("Signed in as {user}").format(user=md_escape(user)))
        st.button(_("Sign out"), key="logout_button", on_click=st.logout)


def _data_source(saved: SavedSurvey | None) -> _Source:
    """The uploader and the sample selector; an upload replaces a saved survey of a link and a
    warehouse source (chosen on the Data page, :func:`app_support.sources.chosen_source`)."""
    ss = st.session_state
    uploaded = st.file_uploader(
        _("Upload a survey (CSV, Excel, SPSS or Stata)"), type=["csv", "tsv", "txt", "xlsx", "xlsm", "sav", "zsav", "dta"],
        key=state.UPLOAD,
        help=_("Long (one row per response and stage) or wide (one column per stage) layout."),
    )
    warehouse = sources.chosen_source() if uploaded is None and saved is None else None
    st.selectbox(
        _("Sample survey"), options=list(state.SAMPLES), key=state.SAMPLE,
        format_func=lambda k: _(state.SAMPLES[k][2]),
        disabled=uploaded is not None or saved is not None or warehouse is not None,
        help=_("Shown when no file is uploaded."),
    )
    if uploaded is not None:
        ss[state.SAVED_ID] = None
        saved = None
    if saved is not None:
        st.info(_("Saved survey: **{name}**").format(name=md_escape(saved.name)), icon=":material/bookmark:")
        st.button(_("Close the saved survey"), key="close_saved", on_click=sharing.leave_link)
    if uploaded is not None:
        source_id = f"upload:{getattr(uploaded, 'file_id', uploaded.name)}"
    elif saved is not None:
        source_id = f"saved:{saved.id}"
    elif warehouse is not None:
        source_id = f"{sources.SOURCE_PREFIX}{warehouse}"
    else:
        source_id = f"sample:{ss[state.SAMPLE]}"
    return _Source(id=source_id, uploaded=uploaded, saved=saved, sample=ss[state.SAMPLE], warehouse=warehouse)


def _default_cycle(source: _Source, templates: dict[str, str]) -> str:
    """The cycle a source opens with: a sample's own template, else the stages from the file."""
    if source.uploaded is None and source.saved is None and state.SAMPLES[source.sample][1] in templates:
        return state.SAMPLES[source.sample][1]
    return state.NO_CYCLE


def _on_new_source(source: _Source, default_cycle: str, templates: dict[str, str], pending: dict) -> None:
    """A new data source: forget the filters and import options, take its cycle (or the URL's, at
    session start) and its action plans (a saved survey's, else none)."""
    ss = st.session_state
    first = state.SOURCE_ID not in ss
    state.reset_for_new_source()
    ss[state.SOURCE_ID] = source.id
    state.set_overrides(state.source_overrides(source.id))  # a sample's N/A codes
    ss[state.CYCLE] = default_cycle
    if first and pending.get(state.Q_CYCLE) in templates:
        ss[state.CYCLE] = pending[state.Q_CYCLE]
    saved = source.saved
    has_plans = saved is not None and saved.plans is not None and len(saved.plans) > 0
    sharing.start_plans(source.id, saved.plans if has_plans else None)


def _cycle_label(key: str, templates: dict[str, str]) -> str:
    """How the cycle selector shows ``key``: a template's name, the designed cycle, or the stages
    from the file (``state.NO_CYCLE``, a text marked for translation)."""
    if key == state.DESIGNED:
        return _("Designed cycle (Cycle designer)")
    if key in templates:  # a bundled template's name, as its catalogue entry (cycle_analytics.cycles)
        return pgettext(TEMPLATE_CONTEXT, templates[key])
    return _(key)


def _cycle_choice(source: _Source, pending: dict) -> tuple[str, str]:
    """The cycle selector (a saved survey keeps its own cycle): ``(cycle, default cycle)``."""
    ss = st.session_state
    templates = loaders.templates()
    default_cycle = _default_cycle(source, templates)
    if ss.get(state.SOURCE_ID) != source.id:
        _on_new_source(source, default_cycle, templates, pending)
    applied = ss.get(state.APPLIED_CYCLE)
    if applied and ss.get(state.APPLIED_SEEN) != applied:  # just applied on the Cycle designer page
        ss[state.APPLIED_SEEN] = applied
        ss[state.CYCLE] = state.DESIGNED
    cycle_options = [state.NO_CYCLE, *templates] + ([state.DESIGNED] if applied else [])
    if ss.get(state.CYCLE) not in cycle_options:
        ss[state.CYCLE] = default_cycle
    if source.saved is not None:
        if source.saved.survey.cycle is not None:
            st.caption(_("Cycle: {name} (saved with the survey)").format(name=md_escape(source.saved.survey.cycle.name)))
        return default_cycle, default_cycle
    cycle = st.selectbox(
        _("Cycle template"), options=cycle_options, key=state.CYCLE,
        format_func=lambda k: _cycle_label(k, templates),
        help=_("Names, order, phases and targets of the stages. Without one, the stages come from the file."),
    )
    return cycle, default_cycle


# ---------------------------------------------------------------- load


def _load(source: _Source, cycle: str, slot=None) -> _Loaded:
    """Import the survey of ``source`` with ``cycle`` and the Data-page options (cached)."""
    ss = st.session_state
    saved = source.saved
    if saved is not None:
        ss[state.SAVED_OPTIONS] = saved.options
        return _Loaded(digest=f"saved:{saved.id}:{saved.updated.isoformat()}",
                       options=(("saved", saved.id), ("language", current_language())),
                       file_name=str((saved.survey.info.source or {}).get("file") or saved.name),
                       source_label=_("Saved survey: {name}").format(name=saved.name), survey=saved.survey)
    try:
        if source.uploaded is not None:
            digest, data = loaders.upload_digest(source.uploaded)
            file_name, label = source.uploaded.name, _("Uploaded file: {name}").format(name=source.uploaded.name)
        else:
            digest, data = loaders.sample_bytes(source.sample)
            file_name, label = loaders.sample_path(source.sample).name, _(state.SAMPLES[source.sample][2])
    except SurveyError as exc:
        return _Loaded(digest="", options=(), error=str(exc))
    cycle_option = None if cycle == state.NO_CYCLE else ("yaml", ss.get(state.APPLIED_CYCLE)) if cycle == state.DESIGNED else cycle
    # The interface language is part of the options: the caches (shared by every session) keep the
    # sentences of the import, the analysis, the themes and the reports, which are written in it.
    options = (*loaders.options_key(cycle_option, state.overrides()), ("language", current_language()))
    owner = identity.memory_owner() if source.uploaded is not None else None  # whose mapping memory applies
    with progress(_("Reading the survey…"), expected_import_seconds(len(data)), where=slot):
        survey, error = loaders.load_survey(digest, file_name, options, data, owner)
    ss[state.SAVED_OPTIONS] = options
    return _Loaded(digest=digest, options=options, file_name=file_name, source_label=label, survey=survey, error=error)


def _unmatched_stages(loaded: _Loaded) -> None:
    """Say which stages of the file the chosen cycle leaves out, and offer to add them to it
    (as a designed cycle): a template never drops a stage silently."""
    extra = loaders.unmatched_stages(loaded.digest, loaded.file_name, loaded.options, loaded.survey)
    if not extra:
        return
    names = ", ".join(md_escape(u.name) for u in extra)
    st.warning(ngettext("The cycle leaves out {n} stage of the file, not analysed now: {names}.",
                        "The cycle leaves out {n} stages of the file, not analysed now: {names}.",
                        len(extra)).format(n=format_number(len(extra)), names=names), icon=":material/warning:")
    if st.button(_("Add to the cycle") if len(extra) > 1 else _("Add it to the cycle"), key="add_unmatched_stages",
                 icon=":material/add:", help=_("Use the cycle with these stages added where they come in the file "
                                               "(you can edit it on the Cycle designer page).")):
        st.session_state[state.APPLIED_CYCLE] = dump_cycle(tables.cycle_with_stages(loaded.survey.cycle, extra))
        st.rerun()


# ---------------------------------------------------------------- filters, outcome, analysis


def _date_span(survey: Survey) -> tuple | None:
    """The first and last date of the survey, or None when it has no dates."""
    resp = survey.responses
    if "date" not in resp.columns or not resp["date"].notna().any():
        return None
    return resp["date"].min().date(), resp["date"].max().date()


def _segment_values(survey: Survey, column: str) -> list[str]:
    """The values of segment ``column`` as text (category order, else sorted)."""
    s = survey.responses[column]
    return [str(c) for c in (s.cat.categories if hasattr(s, "cat") else sorted(s.dropna().astype(str).unique()))]


def _segment_filters(survey: Survey, pending: dict) -> dict[str, list]:
    """One multiselect per segment column: ``{column: kept values}`` (empty = all)."""
    return {col: segment_picker(col, _segment_values(survey, col), pending)
            for col in survey.info.segments if col in survey.responses.columns}


def _outcome_choice(survey: Survey, saved: SavedSurvey | None, pending: dict) -> tuple[str | None, str]:
    """The outcome selector: ``(outcome column or None for the proxy, default option)``."""
    cands = [c for c in survey.info.outcome_candidates if c in survey.responses.columns]
    default_out = survey.info.outcome if survey.info.outcome in cands else state.PROXY_LABEL
    if saved is not None and saved.outcome is not None:  # the outcome chosen when it was saved
        default_out = saved.outcome.column if (not saved.outcome.is_proxy and saved.outcome.column in cands) else state.PROXY_LABEL
    return outcome_picker(cands, default_out, pending), default_out


def _positive_label(saved: SavedSurvey | None, outcome_col: str | None) -> str | None:
    """The label that counts as a good binary outcome: the Data page's, or the saved survey's."""
    positive = state.overrides().get("positive")
    if saved is not None and saved.outcome is not None and not saved.outcome.is_proxy and saved.outcome.column == outcome_col:
        positive = saved.outcome.positive
    return positive


def _selected_stage(survey: Survey, pending: dict) -> None:
    """The stage of the URL (``?stage=``) becomes the selected stage; an unknown one is dropped."""
    ss = st.session_state
    want_stage = pending.get(state.Q_STAGE)
    if want_stage in survey.stages:
        ss[state.STAGE] = want_stage
    if ss.get(state.STAGE) not in survey.stages:
        ss[state.STAGE] = None


def _respondents_caption(n_now: int, n_all: int, excluded: int, filtered: bool) -> str:
    """How many respondents the pages analyse, out of how many, and why fewer: one whole sentence
    per case, so each language words it its own way.

    >>> _respondents_caption(388, 400, 12, False)
    '388 of 400 respondents (12 excluded for response quality)'
    """
    values = {"n": format_number(n_now), "total": format_number(n_all), "excluded": format_number(excluded)}
    if excluded and filtered:
        text = ngettext("{n} of {total} respondent ({excluded} excluded for response quality; filtered)",
                        "{n} of {total} respondents ({excluded} excluded for response quality; filtered)", n_all)
    elif excluded:
        text = ngettext("{n} of {total} respondent ({excluded} excluded for response quality)",
                        "{n} of {total} respondents ({excluded} excluded for response quality)", n_all)
    elif filtered:
        text = ngettext("{n} of {total} respondent (filtered)", "{n} of {total} respondents (filtered)", n_all)
    else:
        text = ngettext("{n} of {total} respondent", "{n} of {total} respondents", n_all)
    return text.format(**values)


def _filter_and_analyse(view: View, source: _Source, loaded: _Loaded, cycle: str, default_cycle: str,
                        pending: dict, slot=None) -> View:
    """The filters and the outcome, the filtered survey and its analysis (cached), the stage of the
    URL, then the view back into the URL."""
    ss = st.session_state
    survey = loaded.survey
    st.subheader(_("Filters"))
    date_range, full_range = date_range_picker(_date_span(survey), pending)
    segments = _segment_filters(survey, pending)
    outcome_col, default_out = _outcome_choice(survey, source.saved, pending)

    fkey = loaders.filters_key(date_range, full_range, segments)
    filtered, analysis, analysis_error = None, None, None
    # response quality first (the Data page's exclusions), then the filters; options carry the exclusion
    screened, options, quality, exclusion = screening.screen(loaded.digest, loaded.options, survey)
    try:
        filtered = loaders.filtered_survey(loaded.digest, options, fkey, screened)
    except SurveyError as exc:
        analysis_error = str(exc)
    okey = (outcome_col, _positive_label(source.saved, outcome_col))
    key = (loaded.digest, options, fkey, okey)
    if filtered is not None and len(filtered.responses):
        with progress(_("Analysing…"), expected_analysis_seconds(len(filtered.ratings)), where=slot):
            analysis, analysis_error = loaders.run_analysis(loaded.digest, options, fkey, okey, filtered)
        analysis = screening.noted(analysis, exclusion)
    filters_active = fkey != (None, None, ())
    n_now = len(filtered.responses) if filtered is not None else 0
    st.caption(_respondents_caption(n_now, len(survey.responses), exclusion.excluded if exclusion.active else 0,
                                    filters_active))

    _selected_stage(survey, pending)
    state.write_query_params(state.desired_query_params(
        sample=source.sample if source.uploaded is None and source.saved is None else None,
        survey=source.saved.id if source.saved is not None else None,
        cycle=cycle if cycle not in (default_cycle, state.DESIGNED) else None,
        date_range=date_range, full_range=full_range, segments=segments,
        outcome=outcome_col, default_outcome=None if default_out == state.PROXY_LABEL else default_out,
        stage=ss.get(state.STAGE), exclude=exclusion.flags,
    ))
    ss[state.URL_PENDING] = {}
    return replace(view, filtered=filtered, analysis=analysis, outcome=analysis.outcome if analysis is not None else None,
                   analysis_error=analysis_error, filters_active=filters_active, key=key, quality=quality,
                   exclusion=exclusion)
