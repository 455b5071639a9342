"""Response-quality screening in the app: the flags of the survey in use, the flags the manager chose
to exclude on the Data page, the exclusion applied right after the import (before the sidebar's
filters and the analysis), the Data page's section and the caption every page shows when respondents
are excluded.

* :func:`quality_flags` - :func:`cycle_analytics.stats.quality.quality_report` (cached per file and options).
* :func:`screen` - called by the sidebar: the survey without the excluded respondents (in the
  server's shared cache), the options key extended with the exclusion (so every cache downstream
  tells screened from unscreened), the report and the :class:`~cycle_analytics.stats.exclusions.Exclusion`.
* :func:`exclusion_note` - the one caption line of every page (nothing when nobody is excluded).
* :func:`quality_section` - the "Response quality" section of the Data page: counts, rules,
  examples, and a toggle per flag (default: flag, do not exclude).

The choice lives in ``state.QUALITY_EXCLUDE`` (reset with the data source) and in the URL
(``?exclude=speeders,duplicates``), so a share link shows what its sender saw.
"""

from __future__ import annotations

import streamlit as st

from cycle_analytics.dataset import Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.stats.exclusions import Exclusion, accounting_sentence, exclude_flagged, note_exclusion
from cycle_analytics.stats.quality import FLAG_LABELS, FLAGS, QualityReport, quality_report, validate_exclusions

from . import state
from .escaping import md_escape
from .survey_cache import shared_cache, survey_bytes

EXAMPLES = 5  # flagged respondents shown per flag on the Data page
SHORT_NAMES = {"incomplete": "incomplete"}  # toggle labels that must fit a quarter of the page


@st.cache_data(show_spinner=False, max_entries=16)
def quality_flags(digest: str, opts: tuple, _survey: Survey) -> QualityReport:
    """The response-quality flags of the survey imported from ``digest`` with ``opts`` (cached)."""
    return quality_report(_survey)


def chosen_exclusions() -> tuple[str, ...]:
    """The flags the manager chose to exclude (``state.QUALITY_EXCLUDE``; a link's ``?exclude=`` at
    the start of a session); unknown names are dropped."""
    ss = st.session_state
    pending = (ss.get(state.URL_PENDING) or {}).get(state.Q_EXCLUDE)
    if pending is not None:
        try:
            ss[state.QUALITY_EXCLUDE] = validate_exclusions(pending)
        except SurveyError:
            ss[state.QUALITY_EXCLUDE] = ()
        (ss.get(state.URL_PENDING) or {}).pop(state.Q_EXCLUDE, None)
    try:
        return validate_exclusions(ss.get(state.QUALITY_EXCLUDE) or ())
    except SurveyError:
        return ()


def screen(digest: str, opts: tuple, survey: Survey) -> tuple[Survey, tuple, QualityReport, Exclusion]:
    """``(survey without the excluded respondents, options key with the exclusion, flags, exclusion)``."""
    report = quality_flags(digest, opts, survey)
    flags = chosen_exclusions()
    if not flags:
        return survey, opts, report, Exclusion(respondents=len(survey.responses))
    screened, exclusion = shared_cache().get(("screened", digest, opts, flags),
                                             lambda: exclude_flagged(survey, report, flags),
                                             size=lambda pair: survey_bytes(pair[0]))
    return screened, (*opts, ("exclude", flags)), report, exclusion


def noted(analysis: Analysis | None, exclusion: Exclusion | None) -> Analysis | None:
    """The analysis with the exclusion's sentence among its notes (reports and exports list them)."""
    if analysis is None or exclusion is None:
        return analysis
    return note_exclusion(analysis, exclusion)


def exclusion_note(v) -> None:
    """One caption line under a page's title when respondents are excluded for response quality."""
    exclusion = getattr(v, "exclusion", None)
    if exclusion is not None and exclusion.active:
        st.caption(f":material/filter_alt: {md_escape(exclusion.sentence())} Change it on the Data page.")


def _sync_toggles() -> None:
    """The Data page's toggles -> ``state.QUALITY_EXCLUDE`` (runs before the next run's sidebar)."""
    ss = st.session_state
    ss[state.QUALITY_EXCLUDE] = tuple(f for f in FLAGS if ss.get(state.QUALITY_TOGGLE_PREFIX + f))


def quality_section(v) -> None:
    """The Data page's "Response quality" section: per flag the respondents it holds, the rule, a
    toggle to exclude them, and examples; then where every row read went."""
    report: QualityReport | None = getattr(v, "quality", None)
    exclusion: Exclusion | None = getattr(v, "exclusion", None)
    st.subheader("Response quality")
    if report is None:
        st.caption("The response-quality check did not run for this survey.")
        return
    st.caption("Respondents who answered too fast, gave every stage the same score, sent the same answers twice or "
               "rated few stages are flagged, never dropped by themselves. Turn a flag on to leave those respondents out "
               "of every page, chart, report and export (the pages then say so).")
    chosen = set(chosen_exclusions())
    counts = report.counts()
    rules = report.rules()
    total = max(report.respondents, 1)
    columns = st.columns(len(FLAGS))
    for col, flag in zip(columns, FLAGS):
        label = FLAG_LABELS[flag][1].capitalize()
        col.metric(label, f"{counts[flag]:,}", help=rules[flag], border=True,
                   delta=f"{counts[flag] / total:.1%} of respondents", delta_color="off", delta_arrow="off")
        col.toggle(f"Exclude {SHORT_NAMES.get(flag, FLAG_LABELS[flag][1])}", value=flag in chosen, key=state.QUALITY_TOGGLE_PREFIX + flag,
                   on_change=_sync_toggles, help=rules[flag])
    info = v.imported.info if getattr(v, "imported", None) is not None else v.survey.info
    st.markdown(md_escape(accounting_sentence(info, exclusion or Exclusion())))
    if exclusion is not None and exclusion.active:
        st.caption(md_escape(exclusion.sentence()))
    for flag in FLAGS:
        st.caption(f"**{FLAG_LABELS[flag][1].capitalize()}**: {md_escape(rules[flag])}")
    shown = [f for f in FLAGS if counts[f]]
    if shown:
        with st.expander("Examples of flagged respondents"):
            for flag in shown:
                st.markdown(f"**{FLAG_LABELS[flag][1].capitalize()}** (the first {min(EXAMPLES, int(counts[flag]))} "
                            f"of {counts[flag]:,})")
                st.dataframe(report.examples(flag, EXAMPLES), hide_index=True, width="stretch",
                             key=f"quality_examples_{flag}",
                             column_config={"response_id": st.column_config.TextColumn("respondent"),
                                            "why": st.column_config.TextColumn("why", width="large")})
