"""Which stage to fix first: importance-performance analysis with a bootstrap stability figure.

Definitions:

* **Performance** = ``score_100`` of the stage (its mean score rescaled 0-100, over all its
  ratings). **Importance** = derived importance (:func:`cycle_analytics.stats.drivers.derived_importance`):
  Johnson's relative weights signed by the stage's full-model coefficient (default), or Spearman's rho.
* **Quadrants** (Martilla & James 1977): crosshairs at the mean importance and the mean performance
  over the stages (``importance_mean``, ``performance_mean`` columns and ``DataFrame.attrs``):
  ``Concentrate here`` (importance >= mean, performance < mean), ``Keep up the good work``
  (importance >= mean, performance >= mean), ``Low priority`` (importance < mean, performance <
  mean), ``Possible overkill`` (importance < mean, performance >= mean). A stage whose importance
  cannot be computed counts as below the mean.
* **importance_scaled**: the *effective* importance - the importance when it is positive and
  significant (its p-value, corrected across stages with ``correction``, below ``alpha``: for
  relative weights the p-value of the full-model coefficient, for Spearman the correlation's),
  else 0 - divided by the largest effective importance across the stages. This is min-max
  scaling with the minimum anchored at 0 ("no effect"), so the least important *relevant* stage is
  not zeroed, while a stage nobody's outcome depends on gets 0 and so a priority score of 0,
  however poor its score.
* **gap** = ``target_100 - performance``, floored at 0 (target from ``targets`` on the rating
  scale, default the top of the scale = 100). **priority_score** = ``importance_scaled * gap``.
* **rank**: 1 = act first; by priority score, then importance_scaled, then gap (all descending),
  then cycle order. A stage whose priority score is 0 (or cannot be computed) gets **no rank**
  (``<NA>``) and ``action`` = ``"no action needed"`` (else ``"improve"``); such stages come last.
  **level**: ``high`` for the top third of the positions (``ceil(S/3)``) with a positive score;
  ``low`` for a zero (or incomputable) score or the bottom third of the positions (``floor(S/3)``);
  ``medium`` otherwise.
* **stability_top3**: share of ``n_boot`` bootstrap resamples in which the stage is among the
  three highest priority scores (and that score is positive). For relative weights the
  respondents are resampled (:func:`cycle_analytics.stats.drivers.importance_draws`, each
  respondent with all their answers; performance and weights recomputed; the significance of the
  full-model coefficients is decided once, on the whole sample). For Spearman importance each
  stage's (outcome x score) count table, including the ratings without an outcome, is resampled
  multinomially (cost independent of the number of ratings) and importance, corrected
  significance, performance and priority are recomputed; this treats the stages as independent
  samples (it ignores that one respondent rates several stages), which slightly misstates the
  joint variability but not each stage's own. A survey whose respondents' weights differ has
  its respondents resampled instead (the resamples of
  :func:`cycle_analytics.stats.drivers.importance.respondent_resamples`, the relative weights'
  own for the same seed), each keeping their weight and all their ratings; per resample the
  weighted outcome table gives the weighted Spearman importance
  (:func:`cycle_analytics.stats.drivers.importance.spearman_importance`) with its corrected
  significance and the weighted performance. A rating's outcome is its respondent's, or, when
  the pattern table holds none but the outcome table has outcomes (the proxy), the mean of the
  respondent's other stages. Equal weights (every weight 1 included) keep the multinomial scheme,
  so they give exactly the unweighted stability.
* **small_sample**: fewer than ``min_n`` ratings with an outcome (Spearman) or complete-data
  respondents (relative weights).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.importance import (
    IMPORTANCE_METHODS,
    ImportanceDraws,
    importance_draws,
    carried_relative_weight_fit,
    respondent_resamples,
    spearman_importance,
)
from cycle_analytics.stats.drivers.outcomes import outcome_table, respondent_patterns
from cycle_analytics.stats.kernel import OutcomeTable, adjust_pvalues, discretise, spearman_from_counts
from cycle_analytics.stats.tables import ScorePatterns
from cycle_analytics.stats.validation import (
    validate_alpha,
    validate_choice,
    validate_correction,
    validate_outcome_table,
    validate_outcome_vector,
    validate_ratings_table,
    validate_scale,
)

__all__ = ["priority_ranking", "priority_ranking_from_tables", "QUADRANTS", "LEVELS", "ACTIONS"]

QUADRANTS = ("Concentrate here", "Keep up the good work", "Low priority", "Possible overkill")
LEVELS = ("high", "medium", "low")
ACTIONS = ("improve", "no action needed")


def _validate_priority_inputs(ratings, y, scale, targets, method, n_boot, alpha, correction) -> tuple[np.ndarray, dict]:
    """Check the tables and options; returns ``y`` as float64 and the targets as ``{stage: float}``."""
    validate_ratings_table(ratings)
    y = validate_outcome_vector(y, ratings)
    stages = [str(s) for s in ratings["stage"].cat.categories]
    return y, _validate_priority_options(stages, scale, targets, method, n_boot, alpha, correction)


def _validate_priority_options(stages, scale, targets, method, n_boot, alpha, correction) -> dict:
    """Check the options; returns the targets as ``{stage: float}``."""
    validate_choice(method, IMPORTANCE_METHODS, "importance method")
    validate_scale(scale)
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise SurveyError(_("The number of bootstrap resamples must be a whole number of at least 0, not {n_boot!r}.").format(n_boot=n_boot))
    validate_alpha(alpha)
    validate_correction(correction)
    targets = {} if targets is None else dict(targets)
    for k, v in targets.items():
        if str(k) not in stages:
            raise SurveyError(_("The target for {k!r} names no stage of this survey.").format(k=k))
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise SurveyError(_("The target for {k!r} is not a number: {v!r}.").format(k=k, v=v)) from None
        if not (scale.minimum <= fv <= scale.maximum):
            raise SurveyError(_("The target {fv:g} for {k!r} is outside the {label} scale.").format(fv=fv, k=k, label=scale.label()))
    return {str(k): float(v) for k, v in targets.items()}


def _effective(imp: np.ndarray, significant: np.ndarray) -> np.ndarray:
    """The importance where it is positive and significant, else 0."""
    return np.where(np.isfinite(imp) & (imp > 0) & significant, imp, 0.0)


def _significant(p: np.ndarray, alpha: float, correction: str) -> np.ndarray:
    """Corrected p-values below ``alpha``, row by row (one family per row: the stages)."""
    p2 = np.atleast_2d(p)
    adj = np.vstack([adjust_pvalues(row, correction) for row in p2])  # one call per resample, not per stage
    with np.errstate(invalid="ignore"):
        return (adj < alpha).reshape(np.shape(p))


def _scaled(eff: np.ndarray) -> np.ndarray:
    mx = eff.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mx > 0, eff / mx, 0.0)


def _performance(score_counts: np.ndarray, scores: np.ndarray, scale: Scale) -> np.ndarray:
    """score_100 from (..., A) score counts."""
    c = np.asarray(score_counts, dtype=np.float64)
    n = c.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c * scores).sum(-1) / n
    return (mean - scale.minimum) / (scale.maximum - scale.minimum) * 100.0


def _top3(score: np.ndarray) -> np.ndarray:
    """Boolean (..., S): among the three highest positive scores (ties broken by cycle order)."""
    s = np.where(np.isfinite(score), score, 0.0)
    order = np.argsort(-s, axis=-1, kind="stable")[..., :3]
    out = np.zeros(s.shape, dtype=bool)
    np.put_along_axis(out, order, True, axis=-1)
    return out & (s > 0)


def priority_ranking(
    ratings: pd.DataFrame, y: np.ndarray, scale: Scale, targets: dict | None = None, *,
    method: str = "relative_weight", alpha: float = 0.05, correction: str = "holm", min_n: int = 30,
    n_boot: int = 200, seed: int = 0,
    table: OutcomeTable | None = None, patterns: ScorePatterns | None = None, draws: ImportanceDraws | None = None,
) -> pd.DataFrame:
    """Rank the stages by what to fix first (see the module docstring for every definition).

    The ratings form of :func:`priority_ranking_from_tables` (same result): the outcome table and,
    for relative weights, the respondent pattern table are counted from the ratings unless given.

    Parameters
    ----------
    ratings, y, method, table, patterns, draws
        As :func:`cycle_analytics.stats.drivers.derived_importance`: the tidy ratings, one outcome
        per rating, the importance method and prebuilt inputs (``draws`` with ``n_boot`` resamples).
    scale, targets, alpha, correction, min_n, n_boot, seed
        As :func:`priority_ranking_from_tables`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> a, b = rng.integers(1, 6, n), rng.integers(1, 6, n)
    >>> y = np.clip(a + rng.integers(-1, 2, n), 1, 5).astype(float)
    >>> r = pd.DataFrame({"response_id": pd.Categorical(np.repeat(np.arange(n), 2)),
    ...     "stage": pd.Categorical(np.tile(["A", "B"], n), categories=["A", "B"], ordered=True),
    ...     "score": np.column_stack([a, b]).ravel().astype(float)})
    >>> out = priority_ranking(r, np.repeat(y, 2), Scale(1, 5), n_boot=50)
    >>> out.stage.tolist(), out["rank"].tolist(), out.action.tolist()
    (['A', 'B'], [1, <NA>], ['improve', 'no action needed'])
    """
    y, targets = _validate_priority_inputs(ratings, y, scale, targets, method, n_boot, alpha, correction)
    if table is None:
        table = outcome_table(ratings, y, scale)
    validate_outcome_table(table, ratings, scale)
    if method == "relative_weight" and patterns is None and (draws is None or draws.fit is None or
                                                              (n_boot > 0 and (draws.n_boot != n_boot or draws.seed != seed))):
        patterns = respondent_patterns(ratings, y, scale)
    return priority_ranking_from_tables(table, patterns, targets, method=method, alpha=alpha, correction=correction, min_n=min_n,
                                        n_boot=n_boot, seed=seed, draws=draws)


def priority_ranking_from_tables(
    table: OutcomeTable, patterns: ScorePatterns | None, targets: dict | None = None, *,
    method: str = "relative_weight", alpha: float = 0.05, correction: str = "holm", min_n: int = 30,
    n_boot: int = 200, seed: int = 0, draws: ImportanceDraws | None = None,
) -> pd.DataFrame:
    """Rank the stages by what to fix first, from the count tables (module docstring).

    Parameters
    ----------
    table : OutcomeTable
        Stage x outcome value x score counts (performance; Spearman importance and its bootstrap).
    patterns : ScorePatterns or None
        The respondent pattern table (relative weights and their bootstrap; not needed when
        ``draws`` holds the fit and ``n_boot`` resamples with ``seed``; the Spearman bootstrap and
        the performance of a weighted survey).
    targets : dict, optional
        ``{stage: target on the scale}``; stages left out get the top of the scale.
    method : {"relative_weight", "spearman"}
    alpha, correction
        An importance counts when its p-value, corrected across stages, is below ``alpha``.
    min_n : int
        The small-sample flag.
    n_boot, seed : int
        Bootstrap resamples for ``stability_top3`` (0 = no bootstrap, NaN) and their seed.
    draws : ImportanceDraws, optional
        Prebuilt respondent resamples (:func:`~cycle_analytics.stats.drivers.importance_draws`).

    Returns
    -------
    DataFrame
        ``rank, stage, importance, importance_scaled, performance, target_100, gap, priority_score,
        quadrant, level, stability_top3`` then ``importance_p_value, n, importance_mean,
        performance_mean, small_sample, action, importance_p_adjusted``, sorted by rank (``rank``
        is a nullable integer, ``<NA>`` for stages that need no action); ``attrs`` holds
        ``importance_mean``, ``performance_mean``, ``method``, ``n_boot`` and ``seed``.
    """
    scale = table.scale
    targets = _validate_priority_options(list(table.stages), scale, targets, method, n_boot, alpha, correction)
    n_st = len(table.stages)
    target_100 = _targets_100(table.stages, targets, scale)
    full = np.concatenate([table.counts, table.missing[:, None, :]], axis=1)  # S x (B+1) x A
    perf = _performance(full.sum(1), table.scores, scale)
    if patterns is not None and patterns.is_weighted:  # a weighted survey: the weighted score_100
        perf = _performance(patterns.weighted_score_table().weights, table.scores, scale)
    if method == "spearman":
        imp, p, n = spearman_importance(table)  # weighted on a weighted table
    else:
        fit = carried_relative_weight_fit(patterns, draws)
        imp, p, n = fit.importance, fit.p_value, np.full(n_st, fit.n, dtype=np.float64)
    significant = _significant(p, alpha, correction)
    scaled = _scaled(_effective(imp, significant))
    gap = np.clip(target_100 - perf, 0.0, None)
    prio = scaled * gap
    rank, level = _rank_and_level(prio, scaled, gap)
    imp_mean, perf_mean, quadrant = _quadrants(imp, perf)
    stability = np.full(n_st, np.nan)
    if n_boot > 0 and n_st:
        if method == "spearman":
            stability = _spearman_stability(table, patterns, full, target_100, alpha, correction, n_boot, seed)
        else:
            if draws is None or draws.n_boot != n_boot or draws.seed != seed:
                if patterns is None:
                    raise SurveyError(_("The priority bootstrap needs the respondent pattern table."))
                draws = importance_draws(patterns, n_boot, seed, fit=fit)
            stability = _stability_from_draws(draws, significant, target_100)

    positive = np.isfinite(prio) & (prio > 0)
    out = pd.DataFrame(
        {
            "rank": pd.array(rank, dtype="Int64", copy=True),
            "stage": table.stage_column(),
            "importance": imp,
            "importance_scaled": scaled,
            "performance": perf,
            "target_100": target_100,
            "gap": gap,
            "priority_score": prio,
            "quadrant": quadrant.astype(str),
            "level": level.astype(str),
            "stability_top3": stability,
            "importance_p_value": p,
            "n": np.asarray(n, dtype=np.int64),
            "importance_mean": imp_mean,
            "performance_mean": perf_mean,
            "small_sample": np.asarray(n) < min_n,
            "action": np.where(positive, ACTIONS[0], ACTIONS[1]),
            "importance_p_adjusted": adjust_pvalues(p, correction),
        }
    )
    out.loc[~positive, "rank"] = pd.NA
    out = out.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    out.attrs.update(
        {"importance_mean": imp_mean, "performance_mean": perf_mean, "method": method, "n_boot": int(n_boot), "seed": seed}
    )
    return out


def _targets_100(stages: tuple[str, ...], targets: dict, scale: Scale) -> np.ndarray:
    """Each stage's target on the 0-100 scale (the top of the rating scale unless set)."""
    target = np.array([targets.get(s, float(scale.maximum)) for s in stages])
    target_100 = scale.to_100(target) if len(stages) else np.empty(0)
    return np.atleast_1d(target_100).astype(np.float64)


def _rank_and_level(prio: np.ndarray, scaled: np.ndarray, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position (1 = act first; ties by importance_scaled, gap, cycle order) and level of every stage."""
    n_st = len(prio)
    prio_sort = np.where(np.isfinite(prio), prio, -1.0)
    gap_sort = np.where(np.isfinite(gap), gap, -1.0)
    order = np.lexsort((np.arange(n_st), -gap_sort, -scaled, -prio_sort))
    rank = np.empty(n_st, dtype=np.int64)
    rank[order] = np.arange(1, n_st + 1)

    n_high = math.ceil(n_st / 3)
    n_low = n_st // 3
    pos = np.isfinite(prio) & (prio > 0)
    level = np.full(n_st, "medium", dtype=object)
    level[(rank <= n_high) & pos] = "high"
    level[(rank > n_st - n_low) | ~pos] = "low"
    return rank, level


def _quadrants(imp: np.ndarray, perf: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The crosshairs (mean importance, mean performance) and each stage's quadrant."""
    imp_mean = float(np.nanmean(imp)) if np.isfinite(imp).any() else np.nan
    perf_mean = float(np.nanmean(perf)) if np.isfinite(perf).any() else np.nan
    hi_imp = np.isfinite(imp) & (imp >= imp_mean)
    hi_perf = np.isfinite(perf) & (perf >= perf_mean)
    quadrant = np.where(
        hi_imp,
        np.where(hi_perf, "Keep up the good work", "Concentrate here"),
        np.where(hi_perf, "Possible overkill", "Low priority"),
    )
    return imp_mean, perf_mean, quadrant


def _bootstrap_spearman(full, scores, scale, target_100, alpha, correction, n_boot, rng) -> np.ndarray:
    """Resample each stage's (outcome + missing) x score table multinomially; share in top three.

    Resamples are drawn in chunks so that memory stays bounded (about 20 million cells) even when
    the outcome has many distinct values.
    """
    n_st, nb1, n_a = full.shape
    flat = full.reshape(n_st, nb1 * n_a).astype(np.float64)
    tot = flat.sum(-1)
    chunk = max(1, min(n_boot, int(2e7 // max(1, n_st * nb1 * n_a))))
    hits = np.zeros(n_st)
    for start in range(0, n_boot, chunk):  # chunks of resamples, not rows
        m = min(chunk, n_boot - start)
        boot = np.zeros((m, n_st, nb1 * n_a), dtype=np.int64)
        for s in range(n_st):  # one draw per stage (a handful), vectorised over resamples
            if tot[s] > 0:
                boot[:, s, :] = rng.multinomial(int(tot[s]), flat[s] / tot[s], size=m)
        boot = boot.reshape(m, n_st, nb1, n_a)
        imp, p, _ = spearman_from_counts(boot[:, :, :-1, :])
        perf = _performance(boot.sum(2), scores, scale)
        eff = _effective(imp, _significant(p, alpha, correction))
        prio = _scaled(eff) * np.clip(target_100 - perf, 0.0, None)
        hits += _top3(prio).sum(0)
    return hits / n_boot


def _spearman_stability(table: OutcomeTable, patterns: ScorePatterns | None, full: np.ndarray, target_100: np.ndarray,
                         alpha: float, correction: str, n_boot: int, seed: int) -> np.ndarray:
    """``stability_top3`` with Spearman importance: respondent resamples when the survey weights
    differ, else the multinomial resamples of the count tables (module docstring)."""
    if table.is_weighted and not _equal_weights(table, patterns):
        if patterns is None or not patterns.is_weighted:
            raise SurveyError(_("The priority bootstrap needs the respondent pattern table."))
        return _bootstrap_weighted_spearman(patterns, table, target_100, alpha, correction, n_boot, seed)
    rng = np.random.default_rng(seed)
    return _bootstrap_spearman(full, table.scores, table.scale, target_100, alpha, correction, n_boot, rng)


def _equal_weights(table: OutcomeTable, patterns: ScorePatterns | None) -> bool:
    """Whether every respondent has the same survey weight (from the pattern table when it is
    weighted; from the outcome table alone only when every weight is 1)."""
    if patterns is not None and patterns.is_weighted:
        w = patterns.weights[patterns.counts > 0]
        return bool(w.size == 0 or (w == w[0]).all())
    return bool(np.array_equal(table.weights, table.counts) and np.array_equal(table.squares, table.counts))


def _weighted_rating_cells(patterns: ScorePatterns, table: OutcomeTable) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Every rating of the pattern table as a cell of a stage x outcome group x score table.

    Returns ``(cells, outcomes)``: ``cells`` is a sparse ``(n_patterns, S * (B + 1) * A)`` matrix
    holding, for each pattern row, a 1 in the cell of each of its ratings (stage, outcome group,
    score; group ``B`` = no outcome; flat index ``(stage * (B + 1) + group) * A + score code``);
    ``outcomes`` are the ``B`` sorted outcome values (:func:`~cycle_analytics.stats.kernel.discretise`
    of the ratings' outcomes). A rating's outcome is its respondent's, or, when the pattern table
    holds none but ``table`` has outcomes (the proxy), the mean of the respondent's other stages.
    ``diag(counts * weights) @ cells`` summed over the rows is the weighted table of the sample.
    """
    codes = patterns.codes()
    rated = codes >= 0
    rows, stage = np.nonzero(rated)
    if not patterns.has_outcome and len(table.outcomes):  # the proxy: the mean of the other stages
        scores = np.where(rated, patterns.scores, 0.0)
        others = rated.sum(axis=1)[rows] - 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            y = (scores.sum(axis=1)[rows] - patterns.scores[rows, stage]) / others
        y[others == 0] = np.nan
    else:
        y = patterns.outcome[rows]
    group, outcomes = discretise(y)
    n_groups, n_points = len(outcomes) + 1, patterns.scale.points
    group = np.where(group < 0, n_groups - 1, group)
    flat = (stage * n_groups + group) * n_points + codes[rows, stage]
    shape = (len(patterns.counts), len(patterns.stages) * n_groups * n_points)
    cells = sparse.csr_matrix((np.ones(len(rows)), (rows, flat)), shape=shape)
    return cells, outcomes


def _bootstrap_weighted_spearman(patterns: ScorePatterns, table: OutcomeTable, target_100: np.ndarray, alpha: float,
                                 correction: str, n_boot: int, seed: int) -> np.ndarray:
    """Resample respondents (weights kept); per resample the weighted Spearman importance, its
    corrected significance, the weighted performance and the priorities; share in the top three.

    Each resampling unit's table (the sums of its respondents' weights, of their squares and their
    counts per cell) is a sparse column, so the tables of a chunk of resamples are one matrix
    product with the draw counts; the chunks keep memory bounded (about 20 million cells).
    """
    n_pat, n_st, n_points = len(patterns.counts), len(patterns.stages), patterns.scale.points
    if patterns.respondents == 0:
        return np.zeros(n_st)
    cells, outcomes = _weighted_rating_cells(patterns, table)
    n_groups = len(outcomes) + 1
    units, _, drawn = respondent_resamples(patterns.respondents, n_boot, seed)
    pattern_of = np.take(np.append(patterns.respondent_rows(), n_pat), units)  # members x units; n_pat pads
    unit = np.broadcast_to(np.arange(units.shape[1]), units.shape)
    real = pattern_of < n_pat
    members = sparse.csr_matrix((np.ones(int(real.sum())), (unit[real], pattern_of[real])), shape=(units.shape[1], n_pat))
    w = np.asarray(patterns.weights, dtype=np.float64)
    per_unit = [(members @ sparse.diags(v) @ cells).T.tocsr() for v in (w, w * w, np.ones(n_pat))]  # cells x units
    chunk = max(1, min(n_boot, int(2e7 // max(1, 3 * cells.shape[1]))))
    hits = np.zeros(n_st)
    for start in range(0, n_boot, chunk):  # chunks of resamples, not rows
        picked = drawn[start:start + chunk].T
        sums, squares, counts = ((m @ picked).T.reshape(-1, n_st, n_groups, n_points) for m in per_unit)
        counts = np.rint(counts).astype(np.int64)
        boot = OutcomeTable(table.stage_dtype, table.scale, table.scores, outcomes, counts[:, :, :-1], counts[:, :, -1],
                            sums[:, :, :-1], squares[:, :, :-1])
        imp, p, _ = spearman_importance(boot)
        perf = _performance(sums.sum(2), table.scores, table.scale)
        eff = _effective(imp, _significant(p, alpha, correction))
        hits += _top3(_scaled(eff) * np.clip(target_100 - perf, 0.0, None)).sum(0)
    return hits / n_boot


def _stability_from_draws(draws: ImportanceDraws, significant: np.ndarray, target_100: np.ndarray) -> np.ndarray:
    """Share of the respondent resamples in which each stage is among the three highest priorities."""
    eff = _effective(draws.importance, significant[None, :])
    prio = _scaled(eff) * np.clip(target_100 - draws.performance, 0.0, None)
    return _top3(prio).mean(0)
