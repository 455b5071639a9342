"""One call that runs every analysis on a survey, and its JSON form for the command line.

``analyze(source, outcome=..., settings=...)`` returns an :class:`Analysis`: the tidy tables of
scores, drivers, critical moments, priorities, segments and trends for one survey and one outcome.
The source is an imported :class:`~cycle_analytics.dataset.Survey` or the query engine over a
database, Parquet files or Spark; both reduce the survey to the count tables of
:mod:`cycle_analytics.stats.tables`, and every figure is computed from those tables by one code
path. The app caches it per (survey, filters, outcome); the command line prints ``analysis_json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cycle_analytics.cycles import Cycle
from cycle_analytics.dataset import OutcomeSpec, Survey, declared_critical, stage_targets
from cycle_analytics.errors import SurveyError
from cycle_analytics.stats import critical, drivers, priorities, scores, segments, trends
from cycle_analytics.stats.filters import Filters
from cycle_analytics.stats.halo import HaloDiagnostic, halo_diagnostic
from cycle_analytics.stats.survey_tables import BY_OUTCOME, BY_PERIOD, SurveyTables, default_outcome, outcome_spec
from cycle_analytics.stats.tables import ScoreCounts, WeightedCounts
from cycle_analytics.stats.weights import WeightUse
from cycle_analytics.i18n import format_number, gettext as _

__all__ = ["AnalysisSettings", "Analysis", "analyze", "analysis_json", "analysis_results_json", "default_outcome", "outcome_spec"]


@dataclass(frozen=True)
class AnalysisSettings:
    """Every threshold the analyses use; shown next to the results.

    * ``min_n``: below this many answers a stage, segment value or period is a small sample
      (flagged; segments below it are shown only as "too few responses").
    * ``alpha``: significance level after correction.
    * ``correction``: ``"holm"`` (default), ``"fdr_bh"`` (Benjamini-Hochberg), ``"bonferroni"`` or
      ``"none"``, across stages (:data:`cycle_analytics.stats.kernel.CORRECTIONS`).
    * ``min_effect_fraction``: a penalty must be at least this share of the outcome's scale.
    * ``min_bad``: at least this many bottom-box ratings before a stage can be critical.
    * ``importance_method``: ``"relative_weight"`` (Johnson's relative weights signed by the
      full-model coefficient, the default) or ``"spearman"``.
    * ``n_boot`` / ``seed``: bootstrap resamples for the importance intervals and the priority
      stability figure.
    """

    min_n: int = 30
    alpha: float = 0.05
    correction: str = "holm"
    min_effect_fraction: float = 0.10
    min_bad: int = 30
    importance_method: str = "relative_weight"
    n_boot: int = 200
    seed: int = 0
    trend_freq: str | None = None


@dataclass(frozen=True)
class Analysis:
    """Everything computed for one survey and one outcome (tables documented in docs/architecture.md)."""

    outcome: OutcomeSpec
    settings: AnalysisSettings
    scores: pd.DataFrame
    distribution: pd.DataFrame
    changes: pd.DataFrame
    importance: pd.DataFrame
    penalties: pd.DataFrame
    moments: pd.DataFrame
    priorities: pd.DataFrame
    segments: pd.DataFrame
    segment_tests: pd.DataFrame
    trends: pd.DataFrame
    trend_change: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)
    halo: HaloDiagnostic | None = None
    weight: WeightUse = WeightUse(None)  # the survey weight applied (column None: unweighted)

    @property
    def critical_moments(self) -> pd.DataFrame:
        return self.moments[self.moments["verdict"] == "critical"]

    @property
    def pain_points(self) -> pd.DataFrame:
        return self.moments[self.moments["verdict"] == "pain point"]


def analyze(source, *, outcome: OutcomeSpec | None = None, settings: AnalysisSettings = AnalysisSettings(),
            filters: Filters | None = None, cycle: Cycle | None = None) -> Analysis:
    """Run every analysis of the service cycle on a survey, from its count tables.

    Parameters
    ----------
    source : Survey or TableSource
        An imported (and possibly filtered) survey - its tables are counted in memory
        (:class:`~cycle_analytics.stats.survey_tables.SurveyTables`) - or any other builder of the
        tables of :mod:`cycle_analytics.stats.tables`, such as the query engine
        (:class:`cycle_analytics.engine.SurveyEngine`) over a database, Parquet files or Spark.
        Both give the same numbers: every figure is computed by the same functions from the same tables.
    outcome : OutcomeSpec, optional
        The outcome a stage can spoil. ``None`` uses the survey's default outcome, or the proxy
        (each respondent's mean over their other stages) when the survey has none.
    settings : AnalysisSettings
        Thresholds and methods.
    filters : Filters, optional
        A date range and segment values (applied in memory, or as WHERE clauses by the engine).
    cycle : Cycle, optional
        The service cycle (declared critical moments, targets); default: the survey's.

    Examples
    --------
    >>> from cycle_analytics.ingest.importer import import_survey
    >>> rows = [f"r{i},{1 + i % 5},{1 + (i * 3) % 5},{1 + (i * 2) % 5}" for i in range(60)]
    >>> survey = import_survey(("id,arrival,waiting,overall_satisfaction\\n" + "\\n".join(rows)).encode(), file_name="s.csv")
    >>> result = analyze(survey)
    >>> result.scores[["stage", "n", "mean"]].to_dict("records")
    [{'stage': 'arrival', 'n': 60, 'mean': 3.0}, {'stage': 'waiting', 'n': 60, 'mean': 3.0}]
    >>> result.outcome.column, result.priorities["rank"].tolist()  # waiting does not move the outcome: no rank
    ('overall_satisfaction', [1, <NA>])
    """
    if isinstance(source, Survey):
        cycle = source.cycle if cycle is None else cycle
        source = SurveyTables(source)
    elif cycle is None:
        cycle = getattr(source, "cycle", None)
    spec = outcome if outcome is not None else source.default_outcome()
    stages, scale = tuple(source.stages), source.scale
    notes: list[str] = []
    if spec.is_proxy:
        notes.append(_("No outcome was chosen: each stage is compared with the respondent's mean over the other stages (a proxy)."))
    weight = _weight_use(source, filters, notes)

    # One respondent pattern table serves the stage scores, the stage changes, the penalty model,
    # relative weights, their bootstrap and the halo diagnostic.
    patterns = source.score_patterns(None if spec.is_proxy else spec, filters=filters)
    if patterns.is_weighted:
        stage_table, distribution = scores.weighted_score_tables(patterns.weighted_score_table(), stages, scale,
                                                                 min_n=settings.min_n)
    else:
        stage_table, distribution = scores.score_tables_from_counts(patterns.score_table(), stages, scale, min_n=settings.min_n)
    changes = scores.stage_changes_from_pairs(patterns.stage_pairs())
    if spec.is_proxy:  # the proxy differs from stage to stage: counted per rating
        table = source.score_counts(BY_OUTCOME, outcome=spec, filters=filters).outcome_table()
    else:
        table = patterns.outcome_table()
    targets, declared = stage_targets(cycle, stages, scale), declared_critical(cycle, stages)
    importance, penalties, moments, ranking = _driver_tables(table, patterns, spec, settings, notes, targets, declared)
    halo = halo_diagnostic(patterns)
    if halo.warning:
        notes.append(halo.message())
    segment_table, segment_test_table = _segment_tables(source, stages, scale, settings, filters)
    trend_table, trend_change = _trend_tables(source, settings, filters)
    if not source.has_dates:
        notes.append(_("The survey has no date column, so there are no trends."))

    return Analysis(
        outcome=spec,
        settings=settings,
        scores=stage_table,
        distribution=distribution,
        changes=changes,
        importance=importance,
        penalties=penalties,
        moments=moments,
        priorities=ranking,
        segments=segment_table,
        segment_tests=segment_test_table,
        trends=trend_table,
        trend_change=trend_change,
        notes=tuple(notes),
        halo=halo,
        weight=weight,
    )


def _weight_use(source, filters, notes: list[str]) -> WeightUse:
    """The survey weight the source applies (appends what it weights to ``notes``); a source that
    has a weight column but cannot apply it is refused."""
    column = getattr(source, "weight_column", None)
    if column is None:
        return WeightUse(None)
    if not hasattr(source, "weight_use"):
        raise SurveyError(_("This data source cannot apply the survey weight {column!r} yet; choose no weight, or import the file to analyse it in memory.").format(column=column))
    use = source.weight_use(filters=filters)
    notes.append(_("Weighted by {column}: stage scores, boxes, NPS, answer distributions, stage-to-stage changes, importance (relative weights or Spearman), the penalty-reward model (weighted least squares), the one-stage penalties, the direct comparison, the halo diagnostic, priorities and their bootstrap, segments and trends; intervals and tests use Kish's effective sample size.").format(column=column))
    if use.unusable:
        notes.append(_("{unusable} respondents have no usable weight (empty or negative) and count with weight 0.").format(unusable=format_number(use.unusable)))
    return use


def _driver_tables(
    table, patterns, spec: OutcomeSpec, settings: AnalysisSettings, notes: list[str], targets: dict, declared: tuple
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Importance, penalties, critical moments and priorities for one outcome (appends to ``notes``)."""
    method = settings.importance_method
    if method == "relative_weight" and spec.is_proxy:
        # Johnson's weights need one outcome per respondent; the proxy differs from stage to stage.
        notes.append(_("Relative weights need an outcome column; importance falls back to Spearman's correlation with the proxy."))
        method = "spearman"
    if spec.is_proxy:
        notes.append(_(
            "Without an outcome column the other stages cannot be held fixed: critical moments compare each stage's "
            "bad raters with the rest (one stage at a time)."
        ))
    # One set of respondent resamples serves the importance intervals and the priority stability.
    draws = None
    if method == "relative_weight" and settings.n_boot:
        draws = drivers.importance_draws(patterns, settings.n_boot, settings.seed)
    importance = drivers.derived_importance_from_tables(
        table, patterns, method=method, min_n=settings.min_n, correction=settings.correction, n_boot=settings.n_boot,
        seed=settings.seed, draws=draws,
    )
    penalties = drivers.multivariate_penalty_reward_from_tables(
        table, patterns, spec, correction=settings.correction, alpha=settings.alpha, min_n=settings.min_n,
    )
    moment_settings = critical.CriticalSettings(
        alpha=settings.alpha,
        min_effect_fraction=settings.min_effect_fraction,
        min_bad=settings.min_bad,
        correction=settings.correction,
    )
    moments = critical.classify_moments(penalties, spec, declared=declared, settings=moment_settings)
    notes.extend(critical.alike_notes(penalties))
    ranking = priorities.priority_ranking_from_tables(
        table, patterns, targets, method=method, n_boot=settings.n_boot, seed=settings.seed, alpha=settings.alpha,
        correction=settings.correction, min_n=settings.min_n, draws=draws,
    )
    return importance, penalties, moments, ranking


def _segment_tables(source, stages, scale, settings: AnalysisSettings, filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Segment comparisons (flags corrected over all segment columns together) and Kruskal-Wallis
    tests of every segment column, stacked."""
    seg_tables, seg_tests = [], []
    ordered = getattr(source, "ordered_segments", ())
    for column in source.segment_columns:
        counts = source.score_counts(column, filters=filters)
        labels = counts.groups(column)
        if counts.is_weighted:
            table = counts.weighted_array(labels)
            comparison, tests = segments.weighted_segment_tables_from_counts(
                WeightedCounts(table.counts[:, :-1, :], table.weights[:, :-1, :], table.squares[:, :-1, :]), labels, column,
                stages, scale, min_n=settings.min_n, correction=settings.correction, alpha=settings.alpha,
                ordered=column in ordered,
            )
        else:
            comparison, tests = segments.segment_tables_from_counts(
                counts.array(labels)[:, :-1, :], labels, column, stages, scale, min_n=settings.min_n,
                correction=settings.correction, alpha=settings.alpha, ordered=column in ordered,
            )
        seg_tables.append(comparison)
        seg_tests.append(tests)
    # The list of weak segments shows every segment column at once: that is the family to correct.
    segment_table = (
        segments.flag_segments(pd.concat(seg_tables, ignore_index=True), settings.correction, settings.alpha)
        if seg_tables
        else _empty(segments.COMPARISON_COLUMNS)
    )
    segment_test_table = pd.concat(seg_tests, ignore_index=True) if seg_tests else _empty(segments.TEST_COLUMNS)
    return segment_table, segment_test_table


def _trend_tables(source, settings: AnalysisSettings, filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores per period and the last period's change, from the ratings counted by period."""
    if not source.has_dates:
        empty = ScoreCounts(tuple(source.stages), source.scale, (BY_PERIOD,), _empty(("stage", BY_PERIOD, "score", "n")))
        return trends.trend_tables_from_counts(empty, None, None, freq=settings.trend_freq)
    counted = source.respondent_counts(filters=filters)
    undated = counted.respondents - counted.dated_respondents
    if counted.first_date is None:
        empty = ScoreCounts(tuple(source.stages), source.scale, (BY_PERIOD,), _empty(("stage", BY_PERIOD, "score", "n")))
        return trends.trend_tables_from_counts(empty, None, None, freq=settings.trend_freq, undated_respondents=undated)
    freq = settings.trend_freq or trends.choose_period(pd.to_datetime([counted.first_date, counted.last_date]))
    counts = source.score_counts(BY_PERIOD, filters=filters, freq=freq)
    return trends.trend_tables_from_counts(counts, counted.first_date, counted.last_date, freq=freq, undated_respondents=undated,
                                           min_n=settings.min_n, correction=settings.correction)


def _empty(columns) -> pd.DataFrame:
    """An empty table with these (float) columns, for a survey without segments."""
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


# ---------------------------------------------------------------------------------------------
# JSON (the command line's contract; see README "Command line")
# ---------------------------------------------------------------------------------------------


def _json_number(x, digits: int | None = None):
    """A JSON-safe number: NaN and infinities become null, numpy scalars plain Python."""
    if x is None:
        return None
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            return None
        return round(float(x), digits) if digits is not None else float(x)
    return x


def _json_records(df: pd.DataFrame, columns: list[str], digits: int = 6) -> list[dict]:
    out = []
    present = [c for c in columns if c in df.columns]
    for row in df[present].itertuples(index=False, name=None):
        rec = {}
        for c, v in zip(present, row):
            if isinstance(v, pd.Timestamp):
                rec[c] = v.isoformat()
            elif isinstance(v, str):
                rec[c] = v
            else:
                rec[c] = _json_number(v, digits)
        out.append(rec)
    return out


def analysis_json(survey: Survey, analysis: Analysis | None) -> dict:
    """The ``analyze --json`` object: ``dataset``, ``rejected``, ``stages`` and the analyses."""
    dataset = survey.info.to_json()
    rejected = [{"row": int(r), "reason": str(m)} for r, m in zip(survey.rejected["row"], survey.rejected["reason"])]
    invalid = [{"row": int(r), "column": str(c), "value": str(v), "reason": str(m)}
               for r, c, v, m in zip(survey.invalid["row"], survey.invalid["column"], survey.invalid["value"], survey.invalid["reason"])]
    out: dict = {"dataset": dataset, "rejected": rejected, "invalid": invalid}
    if analysis is None:
        return out
    out.update(analysis_results_json(analysis))
    return out


def analysis_results_json(analysis: Analysis) -> dict:
    """The analyses' part of the ``analyze --json`` object (``stages``, ``outcome``, ``settings``,
    the critical moments ... ``notes``): the same for a survey imported in memory and for one read
    by the query engine."""
    out: dict = {}
    scores = analysis.scores
    out["stages"] = _json_records(
        scores,
        ["stage", "order", "n", "n_eff", "mean", "ci_low", "ci_high", "median", "sd", "score_100", "top_box_pct", "top_box_ci_low",
         "top_box_ci_high", "bottom_box_pct", "bottom_box_ci_low", "bottom_box_ci_high", "nps", "promoters_pct",
         "promoters_ci_low", "promoters_ci_high", "detractors_pct", "detractors_ci_low", "detractors_ci_high", "small_sample"],
    )
    out["weight"] = analysis.weight.as_dict()
    out["outcome"] = {
        "column": analysis.outcome.column,
        "kind": analysis.outcome.kind,
        "label": analysis.outcome.display(),
        "scale": analysis.outcome.scale.as_list() if analysis.outcome.scale else None,
        "positive": analysis.outcome.positive,
        "is_proxy": analysis.outcome.is_proxy,
    }
    s = analysis.settings
    out["settings"] = {
        "min_n": s.min_n,
        "alpha": s.alpha,
        "correction": s.correction,
        "min_effect_fraction": s.min_effect_fraction,
        "min_bad": s.min_bad,
        "importance_method": s.importance_method,
        "n_boot": s.n_boot,
        "seed": s.seed,
    }
    moments = analysis.moments
    pen = analysis.penalties
    crit = moments[moments["verdict"] == "critical"].merge(
        pen[["stage", "p_value", "penalty_ci_low", "penalty_ci_high"]], on="stage", how="left", suffixes=("", "_raw")
    ) if len(moments) else moments
    out["critical_moments"] = [
        {
            "stage": str(r["stage"]),
            "penalty": _json_number(r["penalty"], 6),
            "penalty_ci_low": _json_number(r.get("penalty_ci_low"), 6),
            "penalty_ci_high": _json_number(r.get("penalty_ci_high"), 6),
            "p_value": _json_number(r["p_adjusted"], 8),
            "p_value_uncorrected": _json_number(r.get("p_value"), 8),
            "raw_penalty": _json_number(r.get("raw_penalty"), 6),
            "n_bad": _json_number(r["n_bad"]),
            "model": str(r.get("model", "")),
            "evidence": str(r["evidence"]),
        }
        for _, r in crit.iterrows()
    ]
    out["pain_points"] = _json_records(analysis.pain_points, ["stage", "bad_pct", "n_bad", "penalty", "p_adjusted", "raw_penalty", "evidence"])
    out["moments"] = _json_records(
        moments,
        ["stage", "verdict", "declared_critical", "declared_verdict", "penalty", "p_adjusted", "raw_penalty", "raw_p_adjusted",
         "reward", "factor", "n_bad", "bad_pct", "clean_n", "clean_n_bad", "clean_penalty", "clean_p_adjusted", "model", "evidence"],
    )
    out["penalties"] = _json_records(
        pen,
        ["stage", "n", "n_bad", "bad_pct", "penalty", "penalty_ci_low", "penalty_ci_high", "p_value", "p_adjusted", "reward",
         "reward_ci_low", "reward_ci_high", "reward_p_adjusted", "factor", "raw_penalty", "raw_penalty_ci_low",
         "raw_penalty_ci_high", "raw_p_adjusted", "raw_reward", "raw_reward_ci_low", "raw_reward_ci_high", "raw_factor",
         "clean_n", "clean_n_bad", "clean_penalty", "clean_ci_low", "clean_ci_high", "clean_p_value", "model", "small_sample"],
    )
    out["importance"] = _json_records(
        analysis.importance,
        ["stage", "method", "importance", "importance_ci_low", "importance_ci_high", "p_value", "p_adjusted", "coefficient",
         "weight", "r_squared", "n", "small_sample"],
    )
    out["halo"] = None if analysis.halo is None else {**analysis.halo.as_dict(), "message": analysis.halo.message()}
    out["priorities"] = _json_records(
        analysis.priorities.sort_values("rank"),
        ["rank", "stage", "action", "importance", "importance_p_adjusted", "performance", "quadrant", "level", "priority_score",
         "gap", "stability_top3", "n", "small_sample"],
    )
    seg = analysis.segments
    flagged = seg[seg["flag"].astype(str).isin(["below", "above"])] if len(seg) else seg
    out["segments"] = _json_records(flagged, ["segment", "value", "stage", "n", "mean", "diff_vs_rest", "p_adjusted", "flag"])
    out["trends"] = _json_records(
        analysis.trend_change,
        ["stage", "period_last", "period_previous", "n_last", "n_previous", "mean_last", "mean_previous", "change", "p_value",
         "p_adjusted", "test"],
    )
    out["notes"] = list(analysis.notes)
    return out
