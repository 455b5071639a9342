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
from cycle_analytics.stats import scores, trends
from cycle_analytics.stats.analysis import Analysis, AnalysisSettings, analyze, default_outcome
from cycle_analytics.stats.critical import format_p
from cycle_analytics.stats.filters import filter_survey

__all__ = ["ALERT_KINDS", "KIND_LABELS", "AlertRules", "Alert", "AlertReport", "find_alerts", "validate_alert_rules",
           "ALERT_COLUMNS", "ALL_RESPONSES"]

#: The rules, most serious first (the order alerts are listed in).
ALERT_KINDS = ("new_critical", "significant_drop", "below_target")
#: Kind -> a short label for tables.
KIND_LABELS = {"new_critical": "new critical moment", "significant_drop": "significant drop", "below_target": "below target"}
#: Columns of :meth:`AlertReport.table`.
ALERT_COLUMNS = ("kind", "stage", "sentence", "period", "value", "reference", "change", "p_adjusted", "n", "small_sample")
#: The period label of a check over every response (no dates, or a single period).
ALL_RESPONSES = "all responses"
_CORRECTION_WORDS = {"holm": "Holm-corrected", "fdr_bh": "Benjamini-Hochberg-corrected", "bonferroni": "Bonferroni-corrected",
                     "none": "not corrected"}


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
        raise SurveyError(f"The alert rules must be an AlertRules, not a {type(rules).__name__}.")
    for kind in ALERT_KINDS:
        if not isinstance(getattr(rules, kind), (bool, np.bool_)):
            raise SurveyError(f"The alert rule {kind} must be on or off (true or false), not {getattr(rules, kind)!r}.")
    drop = rules.min_drop
    if isinstance(drop, bool) or not isinstance(drop, numbers.Real) or not np.isfinite(drop) or drop < 0:
        raise SurveyError(f"The smallest drop that raises an alert must be a number of points of at least 0, not {drop!r}.")
    stages = rules.stages
    if isinstance(stages, str) or not all(isinstance(s, str) for s in stages):
        raise SurveyError("The watched stages of the alert rules must be a list of stage names.")
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
    survey: Survey,
    rules: AlertRules = AlertRules(),
    *,
    outcome: OutcomeSpec | None = None,
    settings: AnalysisSettings = AnalysisSettings(),
    analysis: Analysis | None = None,
) -> AlertReport:
    """The alerts of ``survey`` under ``rules`` (see the module docstring).

    Parameters
    ----------
    survey : Survey
        The survey as analysed (after the filters and any response-quality exclusion).
    rules : AlertRules
        Which rules, the smallest drop and the watched stages.
    outcome : OutcomeSpec, optional
        The outcome of the critical-moment rule (default: the survey's default outcome, else the proxy).
    settings : AnalysisSettings
        ``alpha``, ``correction``, ``min_n`` and ``trend_freq`` (and the critical-moment thresholds).
    analysis : Analysis, optional
        ``analyze(survey, ...)`` when already computed: its scores and period change are reused.

    Returns
    -------
    AlertReport
    """
    rules = validate_alert_rules(rules)
    if not isinstance(survey, Survey):
        raise SurveyError(f"Alerts need a Survey, not a {type(survey).__name__}.")
    if analysis is not None and not isinstance(analysis, Analysis):
        raise SurveyError(f"The analysis given to the alerts must be an Analysis, not a {type(analysis).__name__}.")
    checks: list[str] = []
    watched = _watched_stages(survey, rules, checks)
    change = analysis.trend_change if analysis is not None else trends.period_change(
        survey.ratings, survey.responses, survey.scale, freq=settings.trend_freq, correction=settings.correction)
    current = _current_means(survey, change, analysis, settings)
    previous = str(change["period_label_previous"].iloc[0]) if len(change) else ""
    if not len(change):
        checks.append("The survey has no dates or a single period, so there is nothing to compare with: only the "
                      "targets are checked." if "date" not in survey.responses.columns or
                      not survey.responses["date"].notna().any() else
                      "All dated responses fall in one period, so there is no previous period: only the targets are checked.")
    found: list[Alert] = []
    if rules.new_critical and len(change):
        spec = outcome if outcome is not None else (analysis.outcome if analysis is not None else default_outcome(survey))
        found += _new_critical(survey, change, spec, settings, watched, checks)
    if rules.significant_drop and len(change):
        found += _drops(change, rules, settings, watched)
    if rules.below_target:
        found += _below_target(survey, current, settings, watched, checks)
    order = {k: i for i, k in enumerate(ALERT_KINDS)}
    stage_order = {s: i for i, s in enumerate(survey.stages)}
    found.sort(key=lambda a: (order[a.kind], stage_order.get(a.stage, len(stage_order))))
    return AlertReport(alerts=tuple(found), rules=rules, period=current.period, previous_period=previous,
                       checks=tuple(checks))


def _watched_stages(survey: Survey, rules: AlertRules, checks: list[str]) -> tuple[str, ...]:
    """The stages the rules watch (all when none is named); names that are no stage are noted."""
    if not rules.stages:
        return tuple(survey.stages)
    unknown = [s for s in rules.stages if s not in survey.stages]
    if unknown:
        checks.append(f"The alert rules watch {', '.join(repr(s) for s in unknown)}, which "
                      f"{'is not a stage' if len(unknown) == 1 else 'are not stages'} of this survey.")
    return tuple(s for s in survey.stages if s in rules.stages)


def _current_means(survey: Survey, change: pd.DataFrame, analysis: Analysis | None, settings: AnalysisSettings) -> _Current:
    """The last period's mean per stage (``period_change``), else the mean over all responses."""
    if len(change):
        stages = change["stage"].astype(str)
        return _Current(dict(zip(stages, change["mean_last"].astype(float))), dict(zip(stages, change["n_last"].astype(int))),
                        str(change["period_label_last"].iloc[0]))
    table = analysis.scores if analysis is not None else scores.score_tables(survey.ratings, survey.scale,
                                                                             min_n=settings.min_n)[0]
    stages = table["stage"].astype(str)
    return _Current(dict(zip(stages, table["mean"].astype(float))), dict(zip(stages, table["n"].astype(int))), ALL_RESPONSES)


def _where(period: str) -> str:
    return "over all responses" if period == ALL_RESPONSES else f"in {period}"


def _below_target(survey: Survey, current: _Current, settings: AnalysisSettings, watched: tuple[str, ...],
                  checks: list[str]) -> list[Alert]:
    """Stages whose current mean is below the target of their cycle stage."""
    targets = {st.name: float(st.target) for st in (survey.cycle.stages if survey.cycle is not None else ())
               if st.target is not None and st.name in survey.stages}
    if not targets:
        checks.append("No stage has a target set in the cycle (the charts then measure every stage against the top of "
                      "the scale), so no stage is checked against a target; set targets in the Cycle designer.")
        return []
    out = []
    for stage in watched:
        mean, n = current.mean.get(stage, np.nan), current.n.get(stage, 0)
        if stage not in targets or not np.isfinite(mean) or mean >= targets[stage]:
            continue
        small = n < settings.min_n
        size = f"{n:,} answers" + (f", a small sample (fewer than {settings.min_n})" if small else "")
        out.append(Alert("below_target", stage, f"{stage} is below its target: {mean:.2f} {_where(current.period)} "
                         f"against a target of {targets[stage]:g} ({size}).", current.period, value=mean,
                         reference=targets[stage], change=mean - targets[stage], n=int(n), small_sample=small))
    return out


def _drops(change: pd.DataFrame, rules: AlertRules, settings: AnalysisSettings, watched: tuple[str, ...]) -> list[Alert]:
    """Stages whose mean fell significantly (corrected across the stages) from the previous period."""
    out = []
    words = _CORRECTION_WORDS.get(settings.correction, f"{settings.correction}-corrected")
    for r in change.itertuples(index=False):
        stage = str(r.stage)
        drop = -float(r.change) if np.isfinite(r.change) else np.nan
        if stage not in watched or not np.isfinite(drop) or drop <= 0 or drop < rules.min_drop:
            continue
        if not (np.isfinite(r.p_adjusted) and r.p_adjusted < settings.alpha):
            continue
        small = min(int(r.n_last), int(r.n_previous)) < settings.min_n
        out.append(Alert(
            "significant_drop", stage,
            f"{stage} dropped from {r.mean_previous:.2f} in {r.period_label_previous} to {r.mean_last:.2f} in "
            f"{r.period_label_last} ({-drop:+.2f} points; {r.test} test, {words} across the stages, "
            f"{format_p(r.p_adjusted)}; {int(r.n_previous):,} and {int(r.n_last):,} answers).",
            str(r.period_label_last), value=float(r.mean_last), reference=float(r.mean_previous), change=-drop,
            p_adjusted=float(r.p_adjusted), n=int(r.n_last), small_sample=small))
    return out


def _period_verdicts(survey: Survey, change: pd.DataFrame, spec: OutcomeSpec,
                     settings: AnalysisSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The critical-moment tables of the previous and the last period's respondents."""
    last_start = pd.Timestamp(change["period_last"].iloc[0])
    prev_start = pd.Timestamp(change["period_previous"].iloc[0])
    day_before = (last_start - pd.Timedelta(days=1)).date()  # a bare end date includes its whole day
    quick = replace(settings, n_boot=0)  # the verdicts need no bootstrap
    before = analyze(filter_survey(survey, date_range=(prev_start, day_before)), outcome=spec, settings=quick)
    latest = analyze(filter_survey(survey, date_range=(last_start, None)), outcome=spec, settings=quick)
    return before.moments, latest.moments


def _penalty_words(penalty: float, spec: OutcomeSpec) -> str:
    """A penalty in the outcome's units: percentage points of a yes/no outcome, else points."""
    if spec.kind == "binary":
        return f"{penalty * 100:.0f} percentage points"
    return f"{penalty:.2f} points"


def _new_critical(survey: Survey, change: pd.DataFrame, spec: OutcomeSpec, settings: AnalysisSettings,
                  watched: tuple[str, ...], checks: list[str]) -> list[Alert]:
    """Stages that are critical moments in the last period and were not in the previous one."""
    last, prev = str(change["period_label_last"].iloc[0]), str(change["period_label_previous"].iloc[0])
    try:
        before, latest = _period_verdicts(survey, change, spec, settings)
    except SurveyError as exc:
        checks.append(f"The critical moments of {prev} and {last} could not be compared: {exc}")
        return []
    was = dict(zip(before["stage"].astype(str), before["verdict"].astype(str)))
    out = []
    for r in latest.itertuples(index=False):
        stage = str(r.stage)
        if stage not in watched or r.verdict != "critical" or was.get(stage) == "critical":
            continue
        earlier = was.get(stage, "not enough data")
        out.append(Alert(
            "new_critical", stage,
            f"{stage} became a critical moment in {last}: a bad experience there lowered the outcome by "
            f"{_penalty_words(float(r.penalty), spec)} ({format_p(float(r.p_adjusted))}, corrected; {int(r.n_bad):,} bad "
            f"ratings); "
            f"in {prev} its verdict was {earlier!r}.",
            last, value=float(r.penalty), p_adjusted=float(r.p_adjusted), n=int(r.n_bad)))
    return out
