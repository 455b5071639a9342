"""Which stage to fix first: importance-performance analysis with a bootstrap stability figure.

Definitions:

* **Performance** = ``score_100`` of the stage (its mean score rescaled 0-100, over all its
  ratings). **Importance** = derived importance (:func:`cycle_analytics.stats.drivers.derived_importance`,
  Spearman by default, or Johnson's relative weights).
* **Quadrants** (Martilla & James 1977): crosshairs at the mean importance and the mean performance
  over the stages (``importance_mean``, ``performance_mean`` columns and ``DataFrame.attrs``):
  ``Concentrate here`` (importance >= mean, performance < mean), ``Keep up the good work``
  (importance >= mean, performance >= mean), ``Low priority`` (importance < mean, performance <
  mean), ``Possible overkill`` (importance < mean, performance >= mean). A stage whose importance
  cannot be computed counts as below the mean.
* **importance_scaled**: the *effective* importance - the Spearman rho when it is positive and
  significant (p < ``alpha``), else 0; for relative weights (no p-value) the weight itself - divided
  by the largest effective importance across the stages. This is min-max scaling with the minimum
  anchored at 0 ("no effect"), so the least important *relevant* stage is not zeroed, while a stage
  nobody's outcome depends on gets 0 and so a priority score of 0, however poor its score.
* **gap** = ``target_100 - performance``, floored at 0 (target from ``targets`` on the rating
  scale, default the top of the scale = 100). **priority_score** = ``importance_scaled * gap``.
* **rank**: 1 = act first; by priority score, then importance_scaled, then gap (all descending),
  then cycle order. **level**: ``high`` for the top third of the ranks (``ceil(S/3)``) with a
  positive score; ``low`` for a zero (or incomputable) score or the bottom third of the ranks
  (``floor(S/3)``); ``medium`` otherwise.
* **stability_top3**: share of ``n_boot`` bootstrap resamples in which the stage is among the
  three highest priority scores (and that score is positive). For Spearman importance each stage's
  (outcome x score) count table, including the ratings without an outcome, is resampled
  multinomially (``numpy.random.Generator.multinomial``, cost independent of the number of
  ratings) and importance, significance, performance and priority are recomputed. This treats the
  stages as independent samples (it ignores that one respondent rates several stages), which
  slightly misstates the joint variability but not each stage's own. For relative weights the
  distinct complete-data respondent patterns are resampled multinomially (respondents as units).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.importance import (
    IMPORTANCE_METHODS,
    CompletePatterns,
    complete_patterns,
    relative_weights_from_patterns,
)
from cycle_analytics.stats.drivers.outcomes import outcome_table
from cycle_analytics.stats.kernel import OutcomeTable, spearman_from_counts
from cycle_analytics.stats.validation import (
    validate_alpha,
    validate_choice,
    validate_outcome_table,
    validate_outcome_vector,
    validate_ratings_table,
    validate_scale,
)

__all__ = ["priority_ranking", "QUADRANTS", "LEVELS"]

QUADRANTS = ("Concentrate here", "Keep up the good work", "Low priority", "Possible overkill")
LEVELS = ("high", "medium", "low")


def _validate_priority_inputs(ratings, y, scale, targets, method, n_boot, alpha) -> tuple[np.ndarray, dict]:
    """Check the tables and options; returns ``y`` as float64 and the targets as ``{stage: float}``."""
    validate_ratings_table(ratings)
    validate_choice(method, IMPORTANCE_METHODS, "importance method")
    y = validate_outcome_vector(y, ratings)
    validate_scale(scale)
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise SurveyError(f"The number of bootstrap resamples must be a whole number of at least 0, not {n_boot!r}.")
    validate_alpha(alpha)
    stages = [str(s) for s in ratings["stage"].cat.categories]
    targets = {} if targets is None else dict(targets)
    for k, v in targets.items():
        if str(k) not in stages:
            raise SurveyError(f"The target for {k!r} names no stage of this survey.")
        try:
            fv = float(v)
        except (TypeError, ValueError):
            raise SurveyError(f"The target for {k!r} is not a number: {v!r}.") from None
        if not (scale.minimum <= fv <= scale.maximum):
            raise SurveyError(f"The target {fv:g} for {k!r} is outside the {scale.label()} scale.")
    return y, {str(k): float(v) for k, v in targets.items()}


def _effective(imp: np.ndarray, p: np.ndarray, alpha: float, use_p: bool) -> np.ndarray:
    ok = np.isfinite(imp) & (imp > 0)
    if use_p:
        ok &= np.isfinite(p) & (p < alpha)
    return np.where(ok, imp, 0.0)


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
    ratings: pd.DataFrame,
    y: np.ndarray,
    scale: Scale,
    targets: dict | None = None,
    *,
    method: str = "spearman",
    n_boot: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    min_n: int = 30,
    table: OutcomeTable | None = None,
) -> pd.DataFrame:
    """Rank the stages by what to fix first (see the module docstring for every definition).

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table.
    y : array of float
        One outcome per rating (:func:`cycle_analytics.stats.drivers.rating_outcomes`).
    scale : Scale
        The rating scale.
    targets : dict, optional
        ``{stage: target on the scale}``; stages left out get the top of the scale.
    method : {"spearman", "relative_weight"}
        The derived importance.
    n_boot, seed : int
        Bootstrap resamples for ``stability_top3`` (0 = no bootstrap, NaN) and their seed.
    alpha : float
        Significance level for a Spearman importance to count.
    table : OutcomeTable, optional
        A prebuilt :func:`cycle_analytics.stats.drivers.outcome_table` (skips the counting pass).

    Returns
    -------
    DataFrame
        ``rank, stage, importance, importance_scaled, performance, target_100, gap, priority_score,
        quadrant, level, stability_top3`` then ``importance_p_value, n, importance_mean,
        performance_mean, small_sample`` (fewer than ``min_n`` ratings with an outcome), sorted by rank; ``attrs`` holds ``importance_mean``,
        ``performance_mean``, ``method``, ``n_boot`` and ``seed``.

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
    >>> out.stage.tolist(), out.level.tolist()
    (['A', 'B'], ['high', 'low'])
    """
    y, targets = _validate_priority_inputs(ratings, y, scale, targets, method, n_boot, alpha)
    if table is None:
        table = outcome_table(ratings, y, scale)
    validate_outcome_table(table, ratings, scale)
    n_st = len(table.stages)
    use_p = method == "spearman"
    target_100 = _targets_100(table.stages, targets, scale)
    full = np.concatenate([table.counts, table.missing[:, None, :]], axis=1)  # S x (B+1) x A
    perf = _performance(full.sum(1), table.scores, scale)
    patterns = None
    if use_p:
        imp, p, n = spearman_from_counts(table.counts)
    else:
        patterns = complete_patterns(ratings, y, table)
        imp, p, n = _relative_weight_importance(patterns, n_st)
    scaled = _scaled(_effective(imp, p, alpha, use_p))
    gap = np.clip(target_100 - perf, 0.0, None)
    prio = scaled * gap
    rank, level = _rank_and_level(prio, scaled, gap)
    imp_mean, perf_mean, quadrant = _quadrants(imp, perf)
    stability = np.full(n_st, np.nan)
    if n_boot > 0 and n_st:
        rng = np.random.default_rng(seed)
        if use_p:
            stability = _bootstrap_spearman(full, table.scores, scale, target_100, alpha, n_boot, rng)
        else:
            stability = _bootstrap_rw(full, patterns, table.scores, scale, target_100, n_boot, rng)

    out = pd.DataFrame(
        {
            "rank": rank,
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
        }
    )
    out = out.sort_values("rank", kind="stable").reset_index(drop=True)
    out.attrs.update(
        {"importance_mean": imp_mean, "performance_mean": perf_mean, "method": method, "n_boot": int(n_boot), "seed": seed}
    )
    return out


def _targets_100(stages: tuple[str, ...], targets: dict, scale: Scale) -> np.ndarray:
    """Each stage's target on the 0-100 scale (the top of the rating scale unless set)."""
    target = np.array([targets.get(s, float(scale.maximum)) for s in stages])
    target_100 = scale.to_100(target) if len(stages) else np.empty(0)
    return np.atleast_1d(target_100).astype(np.float64)


def _relative_weight_importance(patterns: CompletePatterns, n_st: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Importance (relative weights; NaN when the regression cannot be fitted), p-values (none:
    NaN) and n (the complete-data respondents) per stage."""
    imp = np.full(n_st, np.nan)
    if patterns.fits:
        eps, _ = relative_weights_from_patterns(patterns, patterns.counts.astype(np.float64))
        imp[patterns.keep] = eps
    n_cc = int(patterns.counts.sum())
    return imp, np.full(n_st, np.nan), np.full(n_st, n_cc, dtype=np.float64)


def _rank_and_level(prio: np.ndarray, scaled: np.ndarray, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = act first; ties by importance_scaled, gap, cycle order) and level of every stage."""
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


def _bootstrap_spearman(full, scores, scale, target_100, alpha, n_boot, rng) -> np.ndarray:
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
        eff = _effective(imp, p, alpha, True)
        prio = _scaled(eff) * np.clip(target_100 - perf, 0.0, None)
        hits += _top3(prio).sum(0)
    return hits / n_boot


def _bootstrap_rw(full, patterns: CompletePatterns, scores, scale, target_100, n_boot, rng) -> np.ndarray:
    """Resample respondents' complete-data patterns (importance) and stage tables (performance)."""
    n_st = full.shape[0]
    perf = np.empty((n_boot, n_st))
    sc = full.sum(1).astype(np.float64)
    for s in range(n_st):
        tot = sc[s].sum()
        perf[:, s] = _performance(rng.multinomial(int(tot), sc[s] / tot, size=n_boot), scores, scale) if tot > 0 else np.nan
    imp = np.full((n_boot, n_st), np.nan)
    if patterns.fits:
        n_cc = int(patterns.counts.sum())
        w = rng.multinomial(n_cc, patterns.counts / n_cc, size=n_boot).astype(np.float64)
        eps, _ = relative_weights_from_patterns(patterns, w)
        imp[:, patterns.keep] = eps
    eff = _effective(imp, np.full_like(imp, np.nan), 0.05, False)
    prio = _scaled(eff) * np.clip(target_100 - perf, 0.0, None)
    return _top3(prio).mean(0)
