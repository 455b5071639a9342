"""Alerts: the stages that slipped, each in one sentence, for the Overview page, the command line
(``python -m cycle_analytics alerts``) and the optional webhook or e-mail
(:mod:`cycle_analytics.outputs.delivery`).

Three rules (each can be turned off in :class:`AlertRules`):

* **below target**: the stage's mean is below the target its cycle gives it. With dates, the mean
  of the last period (the period :func:`cycle_analytics.stats.trends.period_change` calls the last:
  the latest period holding a dated respondent); without dates or with a single period, the mean
  over all responses. Stages without a target in the cycle (or a survey without a cycle) are not
  checked. A mean from fewer than ``min_n`` answers says so in its sentence.
* **significant drop**: the stage's mean fell from the previous period to the last one, and the
  Mann-Whitney U test of :func:`~cycle_analytics.stats.trends.period_change` is significant after
  correcting across the stages (``p_adjusted < alpha``, Holm by default: the family of stages a
  manager scans), by at least ``min_drop`` scale points (0 by default).
* **new critical moment**: the stage is a critical moment in the last period and was not in the
  previous one: :func:`~cycle_analytics.stats.analysis.analyze` runs on each of the two periods'
  respondents (same outcome and thresholds; no bootstrap, which the verdicts do not use) and the
  verdicts of :mod:`cycle_analytics.stats.critical` are compared.

Without dates there are no periods, so only the below-target rule can raise an alert;
:attr:`AlertReport.checks` says in words what could not be checked and why.

The survey may be an imported :class:`~cycle_analytics.dataset.Survey` or any builder of the count
tables (:class:`~cycle_analytics.stats.tables.TableSource`), such as the query engine over a
warehouse table: the two periods' verdicts then come from :func:`analyze` of the engine with the
period's dates added to the view's ``filters`` (WHERE clauses; no row is read).

Example
-------
>>> from cycle_analytics.cycles import Cycle, Stage
>>> from cycle_analytics.dataset import ImportOptions
>>> from cycle_analytics.ingest.importer import import_survey
>>> rows = "\\n".join(["id,wait,pay"] + [f"r{i},{2 + i % 2},{4 + i % 2}" for i in range(40)])
>>> cycle = Cycle("Visit", (Stage("wait", target=4.0), Stage("pay", target=4.0)))
>>> report = find_alerts(import_survey(rows.encode(), ImportOptions(cycle=cycle)))
>>> [a.sentence for a in report.alerts]
['wait is below its target: 2.50 over all responses against a target of 4 (40 answers).']
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, NP_, format_decimal, format_number, ngettext, pgettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats import scores, trends
from cycle_analytics.stats.analysis import Analysis, AnalysisSettings, analyze, default_outcome
from cycle_analytics.stats.critical import format_p
from cycle_analytics.stats.filters import Filters, filter_survey

__all__ = ["ALERT_KINDS", "KIND_LABELS", "AlertRules", "Alert", "AlertReport", "find_alerts", "validate_alert_rules",
           "ALERT_COLUMNS", "ALL_RESPONSES"]

#: The rules, most serious first (the order alerts are listed in).
ALERT_KINDS = ("new_critical", "significant_drop", "below_target")
#: Kind -> a short label for tables (English; shown as ``_(KIND_LABELS[kind])``).
KIND_LABELS = {"new_critical": N_("new critical moment"), "significant_drop": N_("significant drop"),
               "below_target": N_("below target")}
#: Columns of :meth:`AlertReport.table`.
ALERT_COLUMNS = ("kind", "stage", "sentence", "period", "value", "reference", "change", "p_adjusted", "n", "small_sample")
#: The period label of a check over every response (no dates, or a single period). It stays
#: English in the data (JSON, tables); a page shows it as ``_(ALL_RESPONSES)``.
ALL_RESPONSES = N_("all responses")
#: The corrections by the name of their authors (the same in every language).
_CORRECTION_NAMES = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni"}
#: The verdict codes of :mod:`cycle_analytics.stats.critical` as a sentence quotes them (the code
#: itself in English).
_VERDICT_WORDS = {"critical": NP_("verdict code", "critical"), "pain point": NP_("verdict code", "pain point"),
                  "ok": NP_("verdict code", "ok"), "not enough data": NP_("verdict code", "not enough data")}


@dataclass(frozen=True)
class AlertRules:
    """Which alerts to raise (saved with a survey; see :func:`cycle_analytics.storage.serialise.alert_rules_to_dict`).

    below_target, significant_drop, new_critical : bool
        The three rules of the module docstring (all on by default).
    min_drop : float
        Smallest significant drop (scale points, last period against the previous) that raises an alert.
    stages : tuple of str
        The stages watched; empty = every stage.
    """

    below_target: bool = True
    significant_drop: bool = True
    new_critical: bool = True
    min_drop: float = 0.0
    stages: tuple[str, ...] = ()

    def enabled(self) -> tuple[str, ...]:
        """The rules turned on, in :data:`ALERT_KINDS` order."""
        return tuple(k for k in ALERT_KINDS if getattr(self, k))


def validate_alert_rules(rules: AlertRules) -> AlertRules:
    """Check the rules (types, a non-negative ``min_drop``); returns them with ``stages`` as a tuple.

    >>> validate_alert_rules(AlertRules(min_drop=-1))
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: The smallest drop that raises an alert must be a number of points of at least 0, not -1.
    """
    if not isinstance(rules, AlertRules):
        raise SurveyError(_("The alert rules must be an AlertRules, not a {type}.").format(type=type(rules).__name__))
    for kind in ALERT_KINDS:
        if not isinstance(getattr(rules, kind), (bool, np.bool_)):
            raise SurveyError(_("The alert rule {kind} must be on or off (true or false), not {value!r}.").format(
                kind=kind, value=getattr(rules, kind)))
    drop = rules.min_drop
    if isinstance(drop, bool) or not isinstance(drop, numbers.Real) or not np.isfinite(drop) or drop < 0:
        raise SurveyError(_("The smallest drop that raises an alert must be a number of points of at least 0, "
                            "not {drop!r}.").format(drop=drop))
    stages = rules.stages
    if isinstance(stages, str) or not all(isinstance(s, str) for s in stages):
        raise SurveyError(_("The watched stages of the alert rules must be a list of stage names."))
    return replace(rules, stages=tuple(stages), min_drop=float(drop))


@dataclass(frozen=True)
class Alert:
    """One alert: its ``kind`` (:data:`ALERT_KINDS`), the ``stage``, one ``sentence`` a manager can
    forward, the ``period`` it is about, the stage's mean there (``value``), the target or the
    previous period's mean (``reference``), the ``change`` from the previous period, the corrected
    p-value where a test was made, the number of answers ``n`` and whether that is a small sample."""

    kind: str
    stage: str
    sentence: str
    period: str
    value: float = float("nan")
    reference: float = float("nan")
    change: float = float("nan")
    p_adjusted: float = float("nan")
    n: int = 0
    small_sample: bool = False


@dataclass(frozen=True)
class AlertReport:
    """The alerts of one survey under one set of rules.

    ``period`` / ``previous_period``: the periods compared (``period`` is :data:`ALL_RESPONSES`
    without periods; ``previous_period`` is ``""`` then); ``checks``: sentences about what could
    not be checked and why (no targets, no dates, a period analysis that failed...).
    """

    alerts: tuple[Alert, ...]
    rules: AlertRules
    period: str
    previous_period: str = ""
    checks: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.alerts)

    def table(self) -> pd.DataFrame:
        """One row per alert (:data:`ALERT_COLUMNS`)."""
        rows = [{c: getattr(a, c) for c in ALERT_COLUMNS} for a in self.alerts]
        frame = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
        for c in ("kind", "stage", "sentence", "period"):
            frame[c] = frame[c].astype("str")
        for c in ("value", "reference", "change", "p_adjusted"):
            frame[c] = frame[c].astype("float64")
        frame["n"] = frame["n"].astype("int64")
        frame["small_sample"] = frame["small_sample"].astype(bool)
        return frame

    def to_json(self) -> dict:
        """The JSON object of ``alerts --json`` and of the webhook (NaN as null)."""
        def number(x):
            return None if x is None or not np.isfinite(x) else round(float(x), 6)

        return {
            "count": len(self.alerts),
            "period": self.period,
            "previous_period": self.previous_period or None,
            "alerts": [{"kind": a.kind, "stage": a.stage, "sentence": a.sentence, "period": a.period,
                        "value": number(a.value), "reference": number(a.reference), "change": number(a.change),
                        "p_adjusted": number(a.p_adjusted), "n": int(a.n), "small_sample": bool(a.small_sample)}
                       for a in self.alerts],
            "rules": {"below_target": self.rules.below_target, "significant_drop": self.rules.significant_drop,
                      "new_critical": self.rules.new_critical, "min_drop": self.rules.min_drop,
                      "stages": list(self.rules.stages)},
            "checks": list(self.checks),
        }


@dataclass(frozen=True)
class _Current:
    """Per stage: the mean and the number of answers the below-target rule reads, and their period."""

    mean: dict
    n: dict
    period: str


def find_alerts(
    survey,
    rules: AlertRules = AlertRules(),
    *,
    outcome: OutcomeSpec | None = None,
    settings: AnalysisSettings = AnalysisSettings(),
    analysis: Analysis | None = None,
    filters: Filters | None = None,
) -> AlertReport:
    """The alerts of ``survey`` under ``rules`` (see the module docstring).

    Parameters
    ----------
    survey : Survey or TableSource
        The survey as analysed (after the filters and any response-quality exclusion), or a builder
        of the count tables such as the query engine (with ``filters``).
    rules : AlertRules
        Which rules, the smallest drop and the watched stages.
    outcome : OutcomeSpec, optional
        The outcome of the critical-moment rule (default: the survey's default outcome, else the proxy).
    settings : AnalysisSettings
        ``alpha``, ``correction``, ``min_n`` and ``trend_freq`` (and the critical-moment thresholds).
    analysis : Analysis, optional
        ``analyze(survey, ...)`` when already computed: its scores and period change are reused.
    filters : Filters, optional
        The filters of the analysis of a builder of the count tables (an imported survey comes
        filtered): the periods' analyses keep them.

    Returns
    -------
    AlertReport
    """
    rules = validate_alert_rules(rules)
    _validate_alert_inputs(survey, analysis, filters)
    if not isinstance(survey, Survey) and analysis is None:  # the engine's tables: its analysis gives the period change
        analysis = analyze(survey, outcome=outcome, settings=settings, filters=filters)
    checks: list[str] = []
    watched = _watched_stages(survey, rules, checks)
    change = analysis.trend_change if analysis is not None else trends.period_change(
        survey.ratings, survey.responses, survey.scale, freq=settings.trend_freq, correction=settings.correction)
    current = _current_means(survey, change, analysis, settings)
    previous = str(change["period_label_previous"].iloc[0]) if len(change) else ""
    if not len(change):
        checks.append(_("The survey has no dates or a single period, so there is nothing to compare with: only the "
                        "targets are checked.") if not _has_dates(survey, filters) else
                      _("All dated responses fall in one period, so there is no previous period: only the targets "
                        "are checked."))
    found: list[Alert] = []
    if rules.new_critical and len(change):
        spec = outcome if outcome is not None else (analysis.outcome if analysis is not None else default_outcome(survey))
        found += _new_critical(survey, change, spec, settings, watched, checks, filters)
    if rules.significant_drop and len(change):
        found += _drops(change, rules, settings, watched)
    if rules.below_target:
        found += _below_target(survey, current, settings, watched, checks)
    order = {k: i for i, k in enumerate(ALERT_KINDS)}
    stage_order = {s: i for i, s in enumerate(survey.stages)}
    found.sort(key=lambda a: (order[a.kind], stage_order.get(a.stage, len(stage_order))))
    return AlertReport(alerts=tuple(found), rules=rules, period=current.period, previous_period=previous,
                       checks=tuple(checks))


def _validate_alert_inputs(survey, analysis, filters) -> None:
    """An imported survey or a builder of the count tables, an :class:`Analysis` or ``None``, and
    :class:`Filters` only for a builder of the tables (an imported survey comes filtered)."""
    if not isinstance(survey, Survey) and not all(hasattr(survey, a) for a in ("stages", "scale", "score_counts")):
        raise SurveyError(_("Alerts need a Survey, not a {type}.").format(type=type(survey).__name__))
    if analysis is not None and not isinstance(analysis, Analysis):
        raise SurveyError(_("The analysis given to the alerts must be an Analysis, not a {type}.").format(
            type=type(analysis).__name__))
    if filters is not None and not isinstance(filters, Filters):
        raise SurveyError(_("The filters must be a Filters, not a {type}.").format(type=type(filters).__name__))


def _has_dates(survey, filters: Filters | None) -> bool:
    """Whether the (filtered) respondents hold a date."""
    if isinstance(survey, Survey):
        return "date" in survey.responses.columns and bool(survey.responses["date"].notna().any())
    return bool(survey.has_dates) and survey.respondent_counts(filters=filters).dated_respondents > 0


def _watched_stages(survey, rules: AlertRules, checks: list[str]) -> tuple[str, ...]:
    """The stages the rules watch (all when none is named); names that are no stage are noted."""
    if not rules.stages:
        return tuple(survey.stages)
    unknown = [s for s in rules.stages if s not in survey.stages]
    if unknown:
        checks.append(ngettext("The alert rules watch {names}, which is not a stage of this survey.",
                               "The alert rules watch {names}, which are not stages of this survey.",
                               len(unknown)).format(names=", ".join(repr(s) for s in unknown)))
    return tuple(s for s in survey.stages if s in rules.stages)


def _current_means(survey, change: pd.DataFrame, analysis: Analysis | None, settings: AnalysisSettings) -> _Current:
    """The last period's mean per stage (``period_change``), else the mean over all responses."""
    if len(change):
        stages = change["stage"].astype(str)
        return _Current(dict(zip(stages, change["mean_last"].astype(float))), dict(zip(stages, change["n_last"].astype(int))),
                        str(change["period_label_last"].iloc[0]))
    table = analysis.scores if analysis is not None else scores.score_tables(survey.ratings, survey.scale,
                                                                             min_n=settings.min_n)[0]
    stages = table["stage"].astype(str)
    return _Current(dict(zip(stages, table["mean"].astype(float))), dict(zip(stages, table["n"].astype(int))), ALL_RESPONSES)


def _below_target(survey, current: _Current, settings: AnalysisSettings, watched: tuple[str, ...],
                  checks: list[str]) -> list[Alert]:
    """Stages whose current mean is below the target of their cycle stage."""
    targets = {st.name: float(st.target) for st in (survey.cycle.stages if survey.cycle is not None else ())
               if st.target is not None and st.name in survey.stages}
    if not targets:
        if isinstance(survey, Survey):
            checks.append(_("No stage has a target set in the cycle (the charts then measure every stage against the top "
                            "of the scale), so no stage is checked against a target; set targets in the Cycle designer."))
        else:  # a table read where it lies: its cycle comes from the source's settings, not the designer
            checks.append(_("No stage has a target set in the cycle (the charts then measure every stage against the top "
                            "of the scale), so no stage is checked against a target; give the source a cycle with "
                            "targets (the cycle setting of a warehouse source, --cycle on the command line)."))
        return []
    out = []
    for stage in watched:
        mean, n = current.mean.get(stage, np.nan), current.n.get(stage, 0)
        if stage not in targets or not np.isfinite(mean) or mean >= targets[stage]:
            continue
        small = n < settings.min_n
        out.append(Alert("below_target", stage, _below_target_sentence(stage, mean, targets[stage], current.period, n,
                                                                       settings.min_n if small else None),
                         current.period, value=mean, reference=targets[stage], change=mean - targets[stage], n=int(n),
                         small_sample=small))
    return out


def _below_target_sentence(stage: str, mean: float, target: float, period: str, n: int, small_below: int | None) -> str:
    """The below-target alert in one sentence: over all responses or in a period, and whether the
    mean rests on a small sample (``small_below``: the smallest sample that is not small)."""
    if period == ALL_RESPONSES and small_below is None:
        text = ngettext("{stage} is below its target: {mean} over all responses against a target of {target} ({n} answer).",
                        "{stage} is below its target: {mean} over all responses against a target of {target} ({n} answers).",
                        n)
    elif period == ALL_RESPONSES:
        text = ngettext("{stage} is below its target: {mean} over all responses against a target of {target} ({n} answer, "
                        "a small sample (fewer than {min_n})).",
                        "{stage} is below its target: {mean} over all responses against a target of {target} ({n} answers, "
                        "a small sample (fewer than {min_n})).", n)
    elif small_below is None:
        text = ngettext("{stage} is below its target: {mean} in {period} against a target of {target} ({n} answer).",
                        "{stage} is below its target: {mean} in {period} against a target of {target} ({n} answers).", n)
    else:
        text = ngettext("{stage} is below its target: {mean} in {period} against a target of {target} ({n} answer, "
                        "a small sample (fewer than {min_n})).",
                        "{stage} is below its target: {mean} in {period} against a target of {target} ({n} answers, "
                        "a small sample (fewer than {min_n})).", n)
    return text.format(stage=stage, mean=format_decimal(mean, 2), period=period, target=_target_text(target),
                       n=format_number(n), min_n=format_number(small_below or 0))


def _target_text(target: float) -> str:
    """A target as ``{:g}`` writes it (4, 4.5), with the decimal mark of the language."""
    text = f"{target:g}"
    return format_decimal(target, len(text.partition(".")[2])) if "e" not in text else text


def _drops(change: pd.DataFrame, rules: AlertRules, settings: AnalysisSettings, watched: tuple[str, ...]) -> list[Alert]:
    """Stages whose mean fell significantly (corrected across the stages) from the previous period."""
    out = []
    for r in change.itertuples(index=False):
        stage = str(r.stage)
        drop = -float(r.change) if np.isfinite(r.change) else np.nan
        if stage not in watched or not np.isfinite(drop) or drop <= 0 or drop < rules.min_drop:
            continue
        if not (np.isfinite(r.p_adjusted) and r.p_adjusted < settings.alpha):
            continue
        small = min(int(r.n_last), int(r.n_previous)) < settings.min_n
        out.append(Alert(
            "significant_drop", stage, _drop_sentence(r, stage, settings.correction), str(r.period_label_last), value=float(r.mean_last), reference=float(r.mean_previous), change=-drop,
            p_adjusted=float(r.p_adjusted), n=int(r.n_last), small_sample=small))
    return out


def _drop_sentence(r, stage: str, correction: str) -> str:
    """The significant-drop alert in one sentence (``r``: the stage's row of ``period_change``)."""
    if correction == "none":
        text = _("{stage} dropped from {previous_mean} in {previous} to {last_mean} in {last} ({change} points; "
                 "{test} test, not corrected across the stages, {p}; {n_previous} and {n_last} answers).")
    else:
        text = _("{stage} dropped from {previous_mean} in {previous} to {last_mean} in {last} ({change} points; "
                 "{test} test, {correction}-corrected across the stages, {p}; {n_previous} and {n_last} answers).")
    return text.format(stage=stage, previous_mean=format_decimal(r.mean_previous, 2), previous=r.period_label_previous,
                       last_mean=format_decimal(r.mean_last, 2), last=r.period_label_last,
                       change=format_decimal(r.change, 2, signed=True), test=r.test,
                       correction=_CORRECTION_NAMES.get(correction, correction), p=format_p(r.p_adjusted),
                       n_previous=format_number(r.n_previous), n_last=format_number(r.n_last))


def _period_verdicts(survey, change: pd.DataFrame, spec: OutcomeSpec, settings: AnalysisSettings,
                     filters: Filters | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The critical-moment tables of the previous and the last period's respondents."""
    last_start = pd.Timestamp(change["period_last"].iloc[0])
    prev_start = pd.Timestamp(change["period_previous"].iloc[0])
    day_before = pd.Timestamp((last_start - pd.Timedelta(days=1)).date())  # a bare end date includes its whole day
    quick = replace(settings, n_boot=0)  # the verdicts need no bootstrap
    if isinstance(survey, Survey):
        before = analyze(filter_survey(survey, date_range=(prev_start, day_before)), outcome=spec, settings=quick)
        latest = analyze(filter_survey(survey, date_range=(last_start, None)), outcome=spec, settings=quick)
    else:  # the engine: the period's dates within the view's filters, as WHERE clauses
        before = analyze(survey, outcome=spec, settings=quick, filters=_within(filters, prev_start, day_before))
        latest = analyze(survey, outcome=spec, settings=quick, filters=_within(filters, last_start, None))
    return before.moments, latest.moments


def _within(filters: Filters | None, start: pd.Timestamp, end: pd.Timestamp | None) -> Filters:
    """``filters`` with their date range narrowed to ``start`` .. ``end`` (``None``: open; both days included).

    >>> _within(Filters(date_range=("2026-01-10", "2026-03-31"), segments={"region": ["N"]}),
    ...         pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-31"))
    Filters(date_range=(Timestamp('2026-01-10 00:00:00'), Timestamp('2026-01-31 00:00:00')), segments=(('region', ('N',)),))
    """
    base = filters or Filters()
    low, high = base.date_range or (None, None)
    first = max(t for t in (start, None if low is None else pd.Timestamp(low)) if t is not None)
    ends = [t for t in (end, None if high is None else pd.Timestamp(high)) if t is not None]
    return Filters(date_range=(first, min(ends) if ends else None), segments=dict(base.segments))


def _new_critical(survey, change: pd.DataFrame, spec: OutcomeSpec, settings: AnalysisSettings,
                  watched: tuple[str, ...], checks: list[str], filters: Filters | None = None) -> list[Alert]:
    """Stages that are critical moments in the last period and were not in the previous one."""
    last, prev = str(change["period_label_last"].iloc[0]), str(change["period_label_previous"].iloc[0])
    try:
        before, latest = _period_verdicts(survey, change, spec, settings, filters)
    except SurveyError as exc:
        checks.append(_("The critical moments of {previous} and {last} could not be compared: {reason}").format(
            previous=prev, last=last, reason=exc))
        return []
    was = dict(zip(before["stage"].astype(str), before["verdict"].astype(str)))
    out = []
    for r in latest.itertuples(index=False):
        stage = str(r.stage)
        if stage not in watched or r.verdict != "critical" or was.get(stage) == "critical":
            continue
        out.append(Alert(
            "new_critical", stage, _new_critical_sentence(r, stage, spec, last, prev, was.get(stage, "not enough data")),
            last, value=float(r.penalty), p_adjusted=float(r.p_adjusted), n=int(r.n_bad)))
    return out


def _new_critical_sentence(r, stage: str, spec: OutcomeSpec, last: str, previous: str, earlier: str) -> str:
    """The new-critical-moment alert in one sentence (``r``: the stage's row of the last period's
    moments; the penalty in percentage points of a yes/no outcome, else in points)."""
    n_bad = int(r.n_bad)
    if spec.kind == "binary":
        text = ngettext("{stage} became a critical moment in {last}: a bad experience there lowered the outcome by "
                        "{size} percentage points ({p}, corrected; {n} bad rating); in {previous} its verdict was "
                        "'{verdict}'.",
                        "{stage} became a critical moment in {last}: a bad experience there lowered the outcome by "
                        "{size} percentage points ({p}, corrected; {n} bad ratings); in {previous} its verdict was "
                        "'{verdict}'.", n_bad)
        size = format_decimal(float(r.penalty) * 100, 0)
    else:
        text = ngettext("{stage} became a critical moment in {last}: a bad experience there lowered the outcome by "
                        "{size} points ({p}, corrected; {n} bad rating); in {previous} its verdict was '{verdict}'.",
                        "{stage} became a critical moment in {last}: a bad experience there lowered the outcome by "
                        "{size} points ({p}, corrected; {n} bad ratings); in {previous} its verdict was '{verdict}'.",
                        n_bad)
        size = format_decimal(float(r.penalty), 2)
    verdict = pgettext("verdict code", _VERDICT_WORDS[earlier]) if earlier in _VERDICT_WORDS else earlier
    return text.format(stage=stage, last=last, size=size, p=format_p(float(r.p_adjusted)), n=format_number(n_bad),
                       previous=previous, verdict=verdict)
