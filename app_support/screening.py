"""Response-quality screening in the app: the flags of the survey in use, the flags the manager chose
to exclude on the Data page, the exclusion applied right after the import (before the sidebar's
filters and the analysis), the Data page's section and the caption every page shows when respondents
are excluded.

* :func:`quality_flags` - :func:`cycle_analytics.stats.quality.quality_report` (cached per file,
  options and the share of stages below which a response is incomplete).
* :func:`screen` - called by the sidebar: the survey without the excluded respondents (in the
  server's shared cache), the options key extended with the exclusion (so every cache downstream
  tells screened from unscreened), the report and the :class:`~cycle_analytics.stats.exclusions.Exclusion`.
* :func:`exclusion_note` - the one caption line of every page (nothing when nobody is excluded).
* :func:`quality_section` - the "Response quality" section of the Data page: counts, rules,
  examples, and a toggle per flag (default: flag, do not exclude).

The choice lives in ``state.QUALITY_EXCLUDE`` (reset with the data source) and in the URL
(``?exclude=speeders,duplicates``), so a share link shows what its sender saw. The share of stages
a complete response rates is ``state.QUALITY_MIN_RATED_SHARE`` (the Data page's box; kept across
data sources, like a threshold).
"""

from __future__ import annotations

import streamlit as st

from cycle_analytics.dataset import Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, format_percent, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.stats.exclusions import Exclusion, accounting_sentence, exclude_flagged, note_exclusion
from cycle_analytics.stats.quality import (FLAG_LABELS, FLAGS, QualityReport, QualitySettings, quality_report,
                                           validate_exclusions, validate_quality_settings)

from . import state
from .escaping import md_escape
from .survey_cache import shared_cache, survey_bytes

EXAMPLES = 5  # flagged respondents shown per flag on the Data page


def quality_flags(digest: str, opts: tuple, min_rated_share: float, _survey: Survey) -> QualityReport:
    """The response-quality flags of the survey imported from ``digest`` with ``opts`` (cached).

    In the server's shared survey cache, not ``st.cache_data``: the flags hold a row per respondent
    (about 7 MB at 1M ratings), so they count against the cache's byte budget, are shared by the
    sessions on the same file and leave the server's memory once nobody uses them."""
    return shared_cache().get(("quality", digest, opts, min_rated_share),
                              lambda: quality_report(_survey, QualitySettings(min_rated_share=min_rated_share)))


def chosen_min_rated_share() -> float:
    """The share of the stages a complete response rates (``state.QUALITY_MIN_RATED_SHARE``; the
    default of :class:`~cycle_analytics.stats.quality.QualitySettings` when unset or unusable)."""
    default = QualitySettings().min_rated_share
    try:
        share = float(st.session_state.get(state.QUALITY_MIN_RATED_SHARE, default))
        return validate_quality_settings(QualitySettings(min_rated_share=share)).min_rated_share
    except (TypeError, ValueError, SurveyError):
        return default


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
    share = chosen_min_rated_share()
    report = quality_flags(digest, opts, share, survey)
    flags = chosen_exclusions()
    if not flags:
        return survey, opts, report, Exclusion(respondents=len(survey.responses))
    screened, exclusion = shared_cache().get(("screened", digest, opts, flags, share),
                                             lambda: exclude_flagged(survey, report, flags),
                                             size=lambda pair: survey_bytes(pair[0]))
    return screened, (*opts, ("exclude", flags, share)), report, exclusion


def noted(analysis: Analysis | None, exclusion: Exclusion | None) -> Analysis | None:
    """The analysis with the exclusion's sentence among its notes (reports and exports list them)."""
    if analysis is None or exclusion is None:
        return analysis
    return note_exclusion(analysis, exclusion)


def exclusion_note(v) -> None:
    """One caption line under a page's title when respondents are excluded for response quality."""
    exclusion = getattr(v, "exclusion", None)
    if exclusion is not None and exclusion.active:
        st.caption(_(":material/filter_alt: {sentence} Change it on the Data page.").format(
            sentence=md_escape(exclusion.sentence())))


def flag_words(flag: str) -> tuple[str, str]:
    """``(title, toggle label)`` of a quality flag in the interface language; the toggle label is
    short, to fit a quarter of the page."""
    words = {"speeders": (_("Speeders"), _("Exclude speeders")),
             "straightliners": (_("Straight-liners"), _("Exclude straight-liners")),
             "duplicates": (_("Duplicates"), _("Exclude duplicates")),
             "incomplete": (_("Incomplete responses"), _("Exclude incomplete"))}
    return words.get(flag, (_(FLAG_LABELS[flag]), _(FLAG_LABELS[flag])))


def _sync_toggles() -> None:
    """The Data page's toggles -> ``state.QUALITY_EXCLUDE`` (runs before the next run's sidebar)."""
    ss = st.session_state
    ss[state.QUALITY_EXCLUDE] = tuple(f for f in FLAGS if ss.get(state.QUALITY_TOGGLE_PREFIX + f))


def _sync_share() -> None:
    """The Data page's "Incomplete below" box (a percentage) -> ``state.QUALITY_MIN_RATED_SHARE`` (0-1)."""
    ss = st.session_state
    ss[state.QUALITY_MIN_RATED_SHARE] = float(ss.get(state.QUALITY_SHARE_INPUT) or 0) / 100


def quality_section(v) -> None:
    """The Data page's "Response quality" section: per flag the respondents it holds, the rule, a
    toggle to exclude them, and examples; the share of stages below which a response is incomplete;
    then where every row read went."""
    report: QualityReport | None = getattr(v, "quality", None)
    exclusion: Exclusion | None = getattr(v, "exclusion", None)
    st.subheader(_("Response quality"))
    if report is None:
        st.caption(_("The response-quality check did not run for this survey."))
        return
    st.caption(_("Respondents who answered too fast, gave every stage the same score, sent the same answers twice or "
                 "rated few stages are flagged, never dropped by themselves. Turn a flag on to leave those respondents "
                 "out of every page, chart, report and export (the pages then say so)."))
    chosen = set(chosen_exclusions())
    counts = report.counts()
    rules = report.rules()
    total = max(report.respondents, 1)
    columns = st.columns(len(FLAGS))
    for col, flag in zip(columns, FLAGS):
        label, toggle_label = flag_words(flag)
        col.metric(label, format_number(counts[flag]), help=rules[flag], border=True,
                   delta=_("{share} of respondents").format(share=format_percent(counts[flag] / total, 1)),
                   delta_color="off", delta_arrow="off")
        col.toggle(toggle_label, value=flag in chosen, key=state.QUALITY_TOGGLE_PREFIX + flag,
                   on_change=_sync_toggles, help=rules[flag])
    columns[FLAGS.index("incomplete")].number_input(
        _("Incomplete below (percent of stages)"), min_value=0, max_value=100, step=5,
        value=int(round(report.settings.min_rated_share * 100)), key=state.QUALITY_SHARE_INPUT, on_change=_sync_share,
        help=_("A respondent who rated fewer than this share of the survey's stages is flagged as incomplete."))
    info = v.imported.info if getattr(v, "imported", None) is not None else v.survey.info
    st.markdown(md_escape(accounting_sentence(info, exclusion or Exclusion())))
    if exclusion is not None and exclusion.active:
        st.caption(md_escape(exclusion.sentence()))
    for flag in FLAGS:
        st.caption(_("**{flag}**: {rule}").format(flag=flag_words(flag)[0], rule=md_escape(rules[flag])))
    shown = [f for f in FLAGS if counts[f]]
    if shown:
        with st.expander(_("Examples of flagged respondents")):
            for flag in shown:
                shown_n = min(EXAMPLES, int(counts[flag]))
                st.markdown(ngettext("**{flag}** ({n} of {total})", "**{flag}** (the first {n} of {total})",
                                     shown_n).format(flag=flag_words(flag)[0],
                                                               n=format_number(shown_n),
                                                               total=format_number(counts[flag])))
                st.dataframe(report.examples(flag, EXAMPLES), hide_index=True, width="stretch",
                             key=f"quality_examples_{flag}",
                             column_config={"response_id": st.column_config.TextColumn(_("respondent")),
                                            "why": st.column_config.TextColumn(_("why"), width="large")})
