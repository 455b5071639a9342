"""Leave out the respondents with chosen response-quality flags: a filter step before the analysis.

:func:`exclude_flagged` restricts a survey to the respondents without any of the chosen flags of a
:class:`~cycle_analytics.stats.quality.QualityReport` (through
:func:`~cycle_analytics.dataset.subset_responses`, like :func:`cycle_analytics.stats.filters.filter_survey`),
and returns an :class:`Exclusion` that says what was left out. The app and the command line apply it
right after the import, before the date and segment filters and before ``analyze``; every figure
then says so (:meth:`Exclusion.sentence`, added to the analysis notes by :func:`note_exclusion`).

Accounting: every row read is analysed, excluded by a flag or rejected. For a file with one row per
respondent, ``rows read = analysed + excluded by a flag + rejected`` (:func:`accounting_sentence`);
a long file (one row per rating) counts respondents: ``respondents = analysed + excluded``.

Example
-------
>>> from cycle_analytics.ingest.importer import import_survey
>>> from cycle_analytics.stats.quality import quality_report
>>> s = import_survey(b"id,a,b,c,d,e\\nr1,5,5,5,5,5\\nr2,4,2,1,3,4\\nr3,3,,,,\\nr3,1,1,1,1,1\\n")
>>> kept, exclusion = exclude_flagged(s, quality_report(s), "straightliners,incomplete")
>>> list(kept.responses.response_id), exclusion.sentence()
(['r2'], 'Excluded for response quality: 2 of 3 respondents (1 straight-liner, 1 incomplete response).')
>>> accounting_sentence(s.info, exclusion)
'4 rows read = 1 analysed + 2 excluded for response quality + 1 rejected.'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from cycle_analytics.dataset import DatasetInfo, Survey, subset_responses
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, ngettext, pgettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.analysis import Analysis
from cycle_analytics.stats.quality import (FLAG_NAMES, FLAGS, QualityReport, flag_count_text, flag_counts,
                                           validate_exclusions)

__all__ = ["Exclusion", "exclude_flagged", "exclusion_mask", "accounting_sentence", "note_exclusion", "quality_json",
           "NO_EXCLUSION"]


@dataclass(frozen=True)
class Exclusion:
    """What :func:`exclude_flagged` left out.

    ``flags``: the flags excluded (:data:`~cycle_analytics.stats.quality.FLAGS` order); ``excluded``:
    respondents left out (a respondent with two of the flags counts once); ``by_flag``: per flag, the
    respondents left out that have it (they overlap); ``respondents``: respondents before.
    """

    flags: tuple[str, ...] = ()
    excluded: int = 0
    by_flag: tuple[tuple[str, int], ...] = ()
    respondents: int = 0

    @property
    def active(self) -> bool:
        """Some flag was chosen for exclusion (even when nobody has it)."""
        return bool(self.flags)

    def sentence(self) -> str:
        """One sentence for every page and report: what was excluded (``""`` when nothing was chosen)."""
        if not self.flags:
            return ""
        parts = ", ".join(flag_count_text(f, n) for f, n in self.by_flag if n)
        if not self.excluded:
            names = ", ".join(pgettext("quality flag", FLAG_NAMES[f]) for f in self.flags)
            return _("Excluding for response quality: {names} (nobody has these flags).").format(names=names)
        if sum(n for _flag, n in self.by_flag) > self.excluded:
            text = ngettext("Excluded for response quality: {excluded} of {n} respondent ({flags}; a respondent can "
                            "have several flags).",
                            "Excluded for response quality: {excluded} of {n} respondents ({flags}; a respondent can "
                            "have several flags).", int(self.respondents))
        else:
            text = ngettext("Excluded for response quality: {excluded} of {n} respondent ({flags}).",
                            "Excluded for response quality: {excluded} of {n} respondents ({flags}).",
                            int(self.respondents))
        return text.format(excluded=format_number(self.excluded), n=format_number(self.respondents), flags=parts)


#: No exclusion (the default: flag, do not exclude).
NO_EXCLUSION = Exclusion()


def _validate_report_matches(survey: Survey, report: QualityReport) -> None:
    """The report must be the one of this survey (one row per respondent, same ids)."""
    if not isinstance(survey, Survey):
        raise SurveyError(_("Excluding respondents needs a Survey, not a {type}.").format(type=type(survey).__name__))
    if not isinstance(report, QualityReport):
        raise SurveyError(_("Excluding respondents needs the survey's QualityReport, not a {type}.").format(
            type=type(report).__name__))
    ids = survey.responses["response_id"].astype(str).to_numpy(dtype=object)
    if len(ids) != len(report.flags) or not np.array_equal(ids, report.flags["response_id"].to_numpy(dtype=object)):
        raise SurveyError(_("The response-quality flags belong to another survey (its respondents differ); check this "
                            "survey again."))


def exclusion_mask(report: QualityReport, exclude) -> np.ndarray:
    """Boolean per respondent: has at least one of the flags in ``exclude`` (see
    :func:`~cycle_analytics.stats.quality.validate_exclusions` for what ``exclude`` may be)."""
    return report.flagged(validate_exclusions(exclude))


def exclude_flagged(survey: Survey, report: QualityReport, exclude, *,
                    weights: np.ndarray | None = None) -> tuple[Survey, Exclusion]:
    """``survey`` without the respondents who have any flag in ``exclude``, and what was excluded.

    Parameters
    ----------
    survey : Survey
        The imported survey ``report`` was computed on.
    report : QualityReport
        :func:`cycle_analytics.stats.quality.quality_report` of ``survey``.
    exclude : str or list of str
        Flags to exclude (``"speeders,duplicates"``, ``["straightliners"]``; empty = none).
    weights : array, optional
        Respondent weights for the counts (``None``: every respondent counts once).

    Returns
    -------
    (Survey, Exclusion)
        The survey is returned unchanged (the same object) when nobody is excluded.
    """
    _validate_report_matches(survey, report)
    flags = validate_exclusions(exclude)
    if not flags:
        return survey, Exclusion(respondents=len(survey.responses))
    out = report.flagged(flags)
    chosen = report.flags.loc[out]
    w = None if weights is None else np.asarray(weights, dtype=float)[out]
    counts = flag_counts(chosen, w)
    total = int(out.sum()) if weights is None else float(np.asarray(weights, dtype=float)[out].sum())
    exclusion = Exclusion(flags=flags, excluded=total, by_flag=tuple((f, counts[f]) for f in FLAGS if f in flags),
                          respondents=len(survey.responses))
    return subset_responses(survey, ~out), exclusion


def accounting_sentence(info: DatasetInfo, exclusion: Exclusion) -> str:
    """Where every row read went: ``"N rows read = A analysed + E excluded for response quality + R
    rejected."`` for a file with one row per respondent; for a long file (rows are ratings), the
    respondents: ``"N respondents = A analysed + E excluded ...; R rows rejected."``. ``info`` is the
    imported survey's (before the exclusion)."""
    excluded = exclusion.excluded if exclusion.active else 0
    analysed = info.respondents - excluded
    if info.rows_accepted == info.respondents:
        text = ngettext("{read} row read = {analysed} analysed + {excluded} excluded for response quality + "
                        "{rejected} rejected.",
                        "{read} rows read = {analysed} analysed + {excluded} excluded for response quality + "
                        "{rejected} rejected.", int(info.rows_read))
    else:
        text = ngettext("{respondents} respondents = {analysed} analysed + {excluded} excluded for response quality; "
                        "{rejected} of {read} row rejected.",
                        "{respondents} respondents = {analysed} analysed + {excluded} excluded for response quality; "
                        "{rejected} of {read} rows rejected.", int(info.rows_read))
    return text.format(read=format_number(info.rows_read), analysed=format_number(analysed),
                       excluded=format_number(excluded), rejected=format_number(info.rows_rejected),
                       respondents=format_number(info.respondents))


def note_exclusion(analysis: Analysis, exclusion: Exclusion) -> Analysis:
    """``analysis`` with the exclusion's sentence as its last note (reports, exports and the command
    line's JSON list the notes); unchanged when nothing is excluded."""
    sentence = exclusion.sentence()
    if not sentence or sentence in analysis.notes:
        return analysis
    return replace(analysis, notes=(*analysis.notes, sentence))


def quality_json(report: QualityReport, exclusion: Exclusion, info: DatasetInfo) -> dict:
    """The ``quality`` block of ``analyze --json``: the counts and rules per flag, the duration
    source, what was excluded and the accounting (``info``: the imported survey's)."""
    counts = report.counts()
    rules = report.rules()
    excluded = exclusion.excluded if exclusion.active else 0
    return {
        "flags": {f: {"respondents": counts[f], "rule": rules[f]} for f in FLAGS},
        "duration_source": report.duration_source,
        "respondents_with_duration": report.n_with_duration,
        "speeder_threshold_seconds": None if report.speeder_threshold is None else round(report.speeder_threshold, 3),
        "duplicate_ids_rejected": report.duplicate_ids_rejected,
        "excluded": {"flags": list(exclusion.flags), "respondents": excluded, "by_flag": dict(exclusion.by_flag),
                     "sentence": exclusion.sentence() or None},
        "respondents_analysed": info.respondents - excluded,
        "accounting": accounting_sentence(info, exclusion),
    }
