"""Response quality: per-respondent flags for speeders, straight-liners, duplicates and incomplete
responses. This module only flags; :mod:`cycle_analytics.stats.exclusions` leaves flagged
respondents out when the manager asks for it (the default is to flag and keep everybody).

The rules (thresholds in :class:`QualitySettings`):

* **speeder** (Qualtrics ExpertReview's rule): the response took more than ``speeder_sd`` (2)
  standard deviations less than the mean duration, ``duration < mean - 2 SD``, the mean and the
  sample SD (``ddof=1``) taken over the respondents with a duration. Applied only from
  ``speeder_min_responses`` (100) respondents with a duration on, as Qualtrics does: below that
  nobody is flagged and :attr:`QualityReport.speeder_rule` says why. Needs ``responses["duration"]``
  (a duration column or start and end times, read by the importer); without it nobody is flagged.
  Durations are skewed to the right, so on a long tail ``mean - 2 SD`` can fall below zero and
  flag nobody: the rule only catches responses far below the typical time.
* **straight-liner**: rated at least ``straightline_min_stages`` (5) stages, every one with the
  same score. A customer who is simply happy everywhere is one too: flag, look, then decide.
* **duplicate**: a later respondent whose whole answer row equals an earlier respondent's: every
  stage rating (a stage left unrated must be unrated in both), every other answer kept with the
  respondent (outcomes, comments, stated importance), the same date (known) and every segment
  value, with at least one stage rated. The first respondent of each group is not flagged, so
  excluding the duplicates keeps one copy. Without a date column nobody is a duplicate by answers:
  customers answer alike far too often (in a real airline survey of 38,847 passengers, 7% share all
  their answers and segments with an earlier passenger), and the date is what makes a second copy
  of the same submission likely. The same respondent id twice never reaches this table: the
  importer rejects the later rows ("duplicate respondent id", counted in
  :attr:`QualityReport.duplicate_ids_rejected`; a long file rejects a respondent's repeated stage).
* **incomplete**: rated fewer than ``min_rated_share`` (50%) of the survey's stages (a no-answer or
  an invalid answer is not a rating).

Counts go through :func:`flag_counts`, which takes respondent weights (``None`` today: every
respondent counts once), so a survey weight can be applied in one place later.

Example
-------
>>> import pandas as pd
>>> from cycle_analytics.ingest.importer import import_survey
>>> rows = "\\n".join(["id,date,a,b,c,d,e", "r1,2026-03-02,5,5,5,5,5", "r2,2026-03-02,4,2,1,3,4",
...                    "r3,2026-03-02,4,2,1,3,4", "r4,2026-03-03,3,,,,"])
>>> report = quality_report(import_survey(rows.encode()))
>>> report.flags[["response_id", "straightliner", "duplicate", "incomplete"]].to_dict("list")
{'response_id': ['r1', 'r2', 'r3', 'r4'], 'straightliner': [True, False, False, False], 'duplicate': [False, False, True, False], 'incomplete': [False, False, False, True]}
>>> report.counts()
{'speeders': 0, 'straightliners': 1, 'duplicates': 1, 'incomplete': 1}
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.dataset import REJECTED_REPEATED_ID, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, NP_, format_decimal, format_number, format_percent, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.kernel import score_matrix

__all__ = [
    "FLAGS", "FLAG_COLUMNS", "FLAG_LABELS", "QualitySettings", "QualityReport", "quality_report", "flag_counts",
    "validate_exclusions", "validate_quality_settings", "FLAG_TABLE_COLUMNS", "FLAG_NAMES", "flag_count_text",
]

#: The flags, as the command line and the app name them (``--exclude speeders,duplicates``).
FLAGS = ("speeders", "straightliners", "duplicates", "incomplete")
#: Flag -> its boolean column in :attr:`QualityReport.flags`.
FLAG_COLUMNS = {"speeders": "speeder", "straightliners": "straightliner", "duplicates": "duplicate",
                "incomplete": "incomplete"}
#: Flag -> its title (English; shown as ``_(FLAG_LABELS[flag])``): metrics, the summary's ``label``.
FLAG_LABELS = {"speeders": N_("Speeders"), "straightliners": N_("Straight-liners"), "duplicates": N_("Duplicates"),
               "incomplete": N_("Incomplete responses")}
#: Flag -> its name inside a sentence, in the context "quality flag" (shown as
#: ``pgettext("quality flag", FLAG_NAMES[flag])``); counted flags go through :func:`flag_count_text`.
FLAG_NAMES = {"speeders": NP_("quality flag", "speeders"), "straightliners": NP_("quality flag", "straight-liners"),
              "duplicates": NP_("quality flag", "duplicates"), "incomplete": NP_("quality flag", "incomplete responses")}
#: Other spellings accepted by :func:`validate_exclusions` (singular, hyphenated).
_FLAG_ALIASES = {"speeder": "speeders", "straightliner": "straightliners", "straight-liner": "straightliners",
                 "straight-liners": "straightliners", "straightlining": "straightliners", "duplicate": "duplicates",
                 "incompletes": "incomplete"}
#: Columns of :attr:`QualityReport.flags`.
FLAG_TABLE_COLUMNS = ("response_id", "speeder", "straightliner", "duplicate", "incomplete", "duration", "n_rated",
                      "same_score", "duplicate_of")


@dataclass(frozen=True)
class QualitySettings:
    """Thresholds of the response-quality flags (see the module docstring).

    speeder_sd : how many standard deviations below the mean duration make a speeder (2).
    speeder_min_responses : respondents with a duration needed before anyone is a speeder (100).
    straightline_min_stages : stages a respondent must have rated to be a straight-liner (5).
    min_rated_share : a respondent who rated fewer than this share of the stages is incomplete (0.5).
    """

    speeder_sd: float = 2.0
    speeder_min_responses: int = 100
    straightline_min_stages: int = 5
    min_rated_share: float = 0.5


def flag_count_text(flag: str, n: float) -> str:
    """``n`` respondents with ``flag`` in the interface language ("1 speeder", "12 straight-liners");
    a weighted count is written with its decimals and takes the plural of its rounded value.

    >>> flag_count_text("incomplete", 1), flag_count_text("straightliners", 1200)
    ('1 incomplete response', '1,200 straight-liners')
    """
    count = int(round(float(n)))
    if flag == "speeders":
        text = ngettext("{n} speeder", "{n} speeders", count)
    elif flag == "straightliners":
        text = ngettext("{n} straight-liner", "{n} straight-liners", count)
    elif flag == "duplicates":
        text = ngettext("{n} duplicate", "{n} duplicates", count)
    else:
        text = ngettext("{n} incomplete response", "{n} incomplete responses", count)
    whole = float(n) == count
    return text.format(n=format_number(n) if whole else format_decimal(n, 1))


def _validate_quality_inputs(survey, settings) -> None:
    """A survey and usable thresholds."""
    if not isinstance(survey, Survey):
        raise SurveyError(_("The response-quality check needs a Survey, not a {type}.").format(type=type(survey).__name__))
    validate_quality_settings(settings)


def validate_quality_settings(settings: QualitySettings) -> QualitySettings:
    """Check the thresholds (the command line checks them before it reads the file); returns them.

    >>> validate_quality_settings(QualitySettings(min_rated_share=1.5))
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: The share of stages a complete response rates must lie between 0 and 1, not 1.5.
    """
    if not isinstance(settings, QualitySettings):
        raise SurveyError(_("The response-quality settings must be a QualitySettings, not a {type}.").format(
            type=type(settings).__name__))
    if not (isinstance(settings.speeder_sd, numbers.Real) and settings.speeder_sd > 0):
        raise SurveyError(_("The speeder rule needs a positive number of standard deviations, not {value!r}.").format(
            value=settings.speeder_sd))
    for name in ("speeder_min_responses", "straightline_min_stages"):
        value = getattr(settings, name)
        if not (isinstance(value, numbers.Integral) and value >= 2):
            raise SurveyError(_("The response-quality setting {name} must be a whole number of at least 2, "
                                "not {value!r}.").format(name=name, value=value))
    share = settings.min_rated_share
    if not (isinstance(share, numbers.Real) and 0 <= share <= 1):
        raise SurveyError(_("The share of stages a complete response rates must lie between 0 and 1, "
                            "not {share!r}.").format(share=share))
    return settings


def validate_exclusions(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """The flags to exclude, checked and in :data:`FLAGS` order; ``None`` or ``""`` is none.

    Accepts a comma-separated text (the command line's ``--exclude``) or a list; singular and
    hyphenated spellings (``speeder``, ``straight-liners``) and ``all`` are understood.

    >>> validate_exclusions("straight-liners, speeder")
    ('speeders', 'straightliners')
    >>> validate_exclusions("fast")
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: 'fast' is not a response-quality flag; use speeders, straightliners, duplicates or incomplete (or all).
    """
    if names is None:
        return ()
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen = set()
    for item in items:
        if not isinstance(item, str):
            raise SurveyError(_("A response-quality flag must be a name such as 'speeders', not {item!r}.").format(
                item=item))
        key = item.strip().casefold().replace("_", "-")
        if not key:
            continue
        if key == "all":
            chosen.update(FLAGS)
            continue
        key = _FLAG_ALIASES.get(key, key)
        if key not in FLAGS:
            raise SurveyError(_("{item!r} is not a response-quality flag; use {flags} or {last} (or all).").format(
                item=item.strip(), flags=", ".join(FLAGS[:-1]), last=FLAGS[-1]))
        chosen.add(key)
    return tuple(f for f in FLAGS if f in chosen)


def flag_counts(flags: pd.DataFrame, weights: np.ndarray | None = None) -> dict[str, float]:
    """Respondents per flag (a respondent with two flags counts under both).

    ``weights``: one per respondent (row of ``flags``); ``None`` counts every respondent once. This
    is the one place where flagged respondents are counted, so a survey weight applies everywhere.

    >>> flag_counts(pd.DataFrame({"speeder": [True, False], "straightliner": [True, True],
    ...                           "duplicate": [False, False], "incomplete": [False, False]}))
    {'speeders': 1, 'straightliners': 2, 'duplicates': 0, 'incomplete': 0}
    """
    w = None if weights is None else np.asarray(weights, dtype=float)
    out = {}
    for flag in FLAGS:
        mask = flags[FLAG_COLUMNS[flag]].to_numpy(dtype=bool)
        out[flag] = int(mask.sum()) if w is None else float(w[mask].sum())
    return out


@dataclass(frozen=True)
class QualityReport:
    """The response-quality flags of one survey.

    ``flags``: one row per respondent (``responses`` order): ``response_id``, the four booleans
    ``speeder``, ``straightliner``, ``duplicate``, ``incomplete``, then ``duration`` (seconds, NaN
    when unknown), ``n_rated`` (stages rated), ``same_score`` (the one score of a respondent who
    gave every stage the same score, else NaN) and ``duplicate_of`` (the earlier respondent a
    duplicate repeats, else ``""``). ``speeder_threshold`` is ``mean - speeder_sd * SD`` in seconds
    when the speeder rule ran (``None`` otherwise); ``speeder_rule`` says in a sentence what was
    done; ``duplicate_ids_rejected`` counts the rows the importer rejected for a repeated id.
    """

    flags: pd.DataFrame
    settings: QualitySettings
    n_stages: int
    n_with_duration: int
    duration_source: str | None
    duration_mean: float | None
    duration_sd: float | None
    speeder_threshold: float | None
    speeder_rule: str
    duplicate_ids_rejected: int = 0
    has_dates: bool = False

    @property
    def respondents(self) -> int:
        return len(self.flags)

    def counts(self, weights: np.ndarray | None = None) -> dict[str, float]:
        """Respondents per flag (:func:`flag_counts`)."""
        return flag_counts(self.flags, weights)

    def flagged(self, flags: Iterable[str] = FLAGS) -> np.ndarray:
        """Boolean per respondent: has at least one of ``flags`` (names of :data:`FLAGS`)."""
        out = np.zeros(len(self.flags), dtype=bool)
        for flag in validate_exclusions(flags):
            out |= self.flags[FLAG_COLUMNS[flag]].to_numpy(dtype=bool)
        return out

    def rules(self) -> dict[str, str]:
        """Flag -> the rule as applied to this survey, in one sentence."""
        s = self.settings
        return {
            "speeders": self.speeder_rule,
            "straightliners": self._straightliner_rule(),
            "duplicates": self._duplicate_rule(),
            "incomplete": ngettext("Rated fewer than {share} of the {n} stage.", "Rated fewer than {share} of the {n} stages.",
                                   self.n_stages).format(share=format_percent(s.min_rated_share),
                                                         n=format_number(self.n_stages)),
        }

    def _straightliner_rule(self) -> str:
        """The straight-liner rule as applied: nobody can be one when the survey has too few stages."""
        least = self.settings.straightline_min_stages
        if self.n_stages >= least:
            return _("Rated at least {least} stages, all with the same score.").format(least=format_number(least))
        return ngettext("Rated at least {least} stages, all with the same score: this survey has {n} stage, so nobody "
                        "can be one.",
                        "Rated at least {least} stages, all with the same score: this survey has {n} stages, so nobody "
                        "can be one.", self.n_stages).format(least=format_number(least), n=format_number(self.n_stages))

    def _duplicate_rule(self) -> str:
        """The duplicate rule as applied: with or without dates, and the rows the importer rejected
        for a repeated respondent id."""
        rejected = self.duplicate_ids_rejected
        if self.has_dates and not rejected:
            return _("The same answers, date and segment values as an earlier respondent (the first one is kept).")
        if not rejected:
            return _("Without a date column, identical answers are not taken for a duplicate (customers often answer "
                     "alike).")
        if self.has_dates:
            text = ngettext("The same answers, date and segment values as an earlier respondent (the first one is "
                            "kept); besides, the importer rejected {n} row that repeats an earlier row's respondent id.",
                            "The same answers, date and segment values as an earlier respondent (the first one is "
                            "kept); besides, the importer rejected {n} rows that repeat an earlier row's respondent id.",
                            rejected)
        else:
            text = ngettext("Without a date column, identical answers are not taken for a duplicate (customers often "
                            "answer alike); besides, the importer rejected {n} row that repeats an earlier row's "
                            "respondent id.",
                            "Without a date column, identical answers are not taken for a duplicate (customers often "
                            "answer alike); besides, the importer rejected {n} rows that repeat an earlier row's "
                            "respondent id.", rejected)
        return text.format(n=format_number(rejected))

    def summary(self, weights: np.ndarray | None = None) -> pd.DataFrame:
        """``flag, label, respondents, share, rule``: one row per flag (share of all respondents, 0-1)."""
        counts = self.counts(weights)
        total = float(len(self.flags)) if weights is None else float(np.asarray(weights, dtype=float).sum())
        rules = self.rules()
        return pd.DataFrame({
            "flag": pd.array(list(FLAGS), dtype="str"),
            "label": pd.array([_(FLAG_LABELS[f]) for f in FLAGS], dtype="str"),
            "respondents": [counts[f] for f in FLAGS],
            "share": [counts[f] / total if total else np.nan for f in FLAGS],
            "rule": pd.array([rules[f] for f in FLAGS], dtype="str"),
        })

    def examples(self, flag: str, n: int = 5) -> pd.DataFrame:
        """The first ``n`` respondents with ``flag``: ``response_id, why`` (one phrase each)."""
        (flag,) = validate_exclusions([flag]) or (None,)
        if flag is None:
            raise SurveyError(_("Name one response-quality flag to show examples of."))
        rows = self.flags[self.flags[FLAG_COLUMNS[flag]].to_numpy(dtype=bool)].head(max(0, int(n)))
        why = [_reason(flag, r, self) for r in rows.itertuples(index=False)]
        return pd.DataFrame({"response_id": pd.array(rows["response_id"].astype(str).tolist(), dtype="str"),
                             "why": pd.array(why, dtype="str")})


def _reason(flag: str, row, report: QualityReport) -> str:
    """Why one respondent has ``flag``, in a phrase."""
    if flag == "speeders":
        return _("took {duration}; the threshold is {threshold}").format(
            duration=_seconds(row.duration), threshold=_seconds(report.speeder_threshold))
    if flag == "straightliners":
        return ngettext("rated the {n} stage they answered {score}", "rated all {n} stages they answered {score}",
                        int(row.n_rated)).format(n=format_number(row.n_rated), score=f"{row.same_score:g}")
    if flag == "duplicates":
        return _("same answers, date and segments as {respondent}").format(respondent=row.duplicate_of)
    return ngettext("rated {n} of {total} stage", "rated {n} of {total} stages", report.n_stages).format(
        n=format_number(row.n_rated), total=format_number(report.n_stages))


def _seconds(value: float | None) -> str:
    """A duration in words: ``"42 s"``, ``"3 min 5 s"``."""
    if value is None or not np.isfinite(value):
        return _("an unknown time")
    total = int(round(float(value)))
    if total < 60:
        return _("{seconds} s").format(seconds=format_number(total))
    minutes, seconds = divmod(total, 60)
    return _("{minutes} min {seconds} s").format(minutes=format_number(minutes), seconds=seconds)


def quality_report(survey: Survey, settings: QualitySettings = QualitySettings()) -> QualityReport:
    """Flag speeders, straight-liners, duplicates and incomplete responses of ``survey``.

    Parameters
    ----------
    survey : Survey
        The imported survey (flags are per ``responses`` row).
    settings : QualitySettings
        The thresholds (see the module docstring).

    Returns
    -------
    QualityReport
        The flags table, the speeder rule as applied and the counts (:meth:`QualityReport.counts`).

    Examples
    --------
    >>> from cycle_analytics.ingest.importer import import_survey
    >>> report = quality_report(import_survey(b"id,wait,pay\\nA,4,5\\nB,2,3\\n"))
    >>> report.speeder_rule
    'No duration column or start and end times in the file, so nobody is checked for speeding.'
    """
    _validate_quality_inputs(survey, settings)
    matrix = score_matrix(survey.ratings, survey.scale)  # respondents x stages, -1 = not rated
    rated = matrix >= 0
    n_rated = rated.sum(axis=1).astype(np.int64)
    straight, same_score = _straight_lines(matrix, rated, n_rated, survey, settings)
    duplicate, duplicate_of = _duplicate_rows(matrix, n_rated, survey)
    durations, speeder, stats = _speeders(survey, settings)
    n_stages = len(survey.stages)
    flags = pd.DataFrame({
        "response_id": survey.responses["response_id"].astype(str).to_numpy(dtype=object),
        "speeder": speeder,
        "straightliner": straight,
        "duplicate": duplicate,
        "incomplete": n_rated < settings.min_rated_share * n_stages,
        "duration": durations,
        "n_rated": n_rated,
        "same_score": same_score,
        "duplicate_of": duplicate_of,
    })
    flags["response_id"] = flags["response_id"].astype("str")
    flags["duplicate_of"] = flags["duplicate_of"].astype("str")
    return QualityReport(flags=flags, settings=settings, n_stages=n_stages, duration_source=survey.info.duration_source,
                         duplicate_ids_rejected=_rejected_for_repeated_id(survey),
                         has_dates="date" in survey.responses.columns, **stats)


def _straight_lines(matrix: np.ndarray, rated: np.ndarray, n_rated: np.ndarray, survey: Survey,
                    settings: QualitySettings) -> tuple[np.ndarray, np.ndarray]:
    """Straight-liners (every rated stage the same score, at least ``straightline_min_stages``) and
    the one score of everyone who gave a single score."""
    if matrix.shape[1] == 0:
        return np.zeros(len(n_rated), dtype=bool), np.full(len(n_rated), np.nan)
    codes = matrix.astype(np.int64)
    highest = np.where(rated, codes, -1).max(axis=1)
    lowest = np.where(rated, codes, np.iinfo(np.int64).max).min(axis=1)
    single = (n_rated > 0) & (highest == lowest)
    same_score = np.where(single, highest + survey.scale.minimum, np.nan).astype(np.float64)
    return single & (n_rated >= settings.straightline_min_stages), same_score


def _duplicate_rows(matrix: np.ndarray, n_rated: np.ndarray, survey: Survey) -> tuple[np.ndarray, np.ndarray]:
    """Later copies of an earlier respondent's whole answer row, and the id of that earlier respondent."""
    n = len(n_rated)
    if n == 0 or "date" not in survey.responses.columns:  # no date: identical answers prove nothing
        return np.zeros(n, dtype=bool), np.full(n, "", dtype=object)
    skip = {"response_id", "duration", survey.info.weight_column}
    row = pd.DataFrame(matrix.astype(np.int64), columns=[f"stage {k}" for k in range(matrix.shape[1])])
    for column in survey.responses.columns:
        if column not in skip:
            row[f"answer {column}"] = survey.responses[column].to_numpy()
    group = row.groupby(list(row.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(n)).groupby(group).transform("min").to_numpy()
    dated = survey.responses["date"].notna().to_numpy()
    duplicate = (first != np.arange(n)) & (n_rated > 0) & dated
    ids = survey.responses["response_id"].astype(str).to_numpy(dtype=object)
    duplicate_of = np.where(duplicate, ids[first], "")
    return duplicate, duplicate_of.astype(object)


def _speeders(survey: Survey, settings: QualitySettings) -> tuple[np.ndarray, np.ndarray, dict]:
    """Durations, the speeder flags and the rule's figures (``n_with_duration``, mean, SD,
    threshold and the sentence saying what was done)."""
    n = len(survey.responses)
    if "duration" not in survey.responses.columns:
        rule = _("No duration column or start and end times in the file, so nobody is checked for speeding.")
        return np.full(n, np.nan), np.zeros(n, dtype=bool), dict(
            n_with_duration=0, duration_mean=None, duration_sd=None, speeder_threshold=None, speeder_rule=rule)
    durations = survey.responses["duration"].to_numpy(dtype=np.float64)
    known = np.isfinite(durations)
    n_known = int(known.sum())
    k, needed = settings.speeder_sd, settings.speeder_min_responses
    if n_known < needed:
        rule = _("Speeders need at least {needed} responses with a duration before the mean and the spread are "
                 "stable; this selection has {n}, so nobody is flagged.").format(needed=format_number(needed),
                                                                                n=format_number(n_known))
        return durations, np.zeros(n, dtype=bool), dict(
            n_with_duration=n_known, duration_mean=None, duration_sd=None, speeder_threshold=None, speeder_rule=rule)
    mean = float(durations[known].mean())
    sd = float(durations[known].std(ddof=1))
    threshold = mean - k * sd
    speeder = known & (durations < threshold)
    if threshold > 0:
        text = _("Took less than {limit}: the mean duration ({mean}) minus {k} standard deviations ({k} × {sd}), "
                 "over {n} responses with a duration.")
    else:
        text = _("Took less than no time at all (the limit is below zero: nobody is flagged): the mean duration "
                 "({mean}) minus {k} standard deviations ({k} × {sd}), over {n} responses with a duration.")
    rule = text.format(limit=_seconds(threshold), mean=_seconds(mean), k=f"{k:g}", sd=_seconds(sd),
                       n=format_number(n_known))
    return durations, speeder, dict(n_with_duration=n_known, duration_mean=mean, duration_sd=sd,
                                    speeder_threshold=threshold, speeder_rule=rule)


def _rejected_for_repeated_id(survey: Survey) -> int:
    """Rows the importer rejected because their respondent id repeats an earlier row's (counted by
    the importer by kind: the reason itself is a sentence in the manager's language)."""
    return int(survey.info.rejected_by_kind.get(REJECTED_REPEATED_ID, 0))
