"""Penalty of bad and reward of top-box experiences, and the Kano-like factor of each stage.

* :func:`penalty_reward` - the per-stage table (see the package docstring for the definitions).
* :func:`compare_groups` - two outcome distributions given as counts: means, Welch interval,
  Mann-Whitney U and rank-biserial correlation (the machinery behind every contrast);
  :func:`compare_weighted_groups` the same of two weighted distributions (survey weights).
* :func:`classify_factor` - the basic / performance / delight / unclear rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.outcomes import outcome_table
from cycle_analytics.stats.kernel import OutcomeTable, adjust_pvalues, mann_whitney_from_counts, welch_from_moments
from cycle_analytics.stats.tables import WeightedCounts
from cycle_analytics.stats.validation import (
    validate_choice,
    validate_confidence,
    validate_correction,
    validate_driver_inputs,
    validate_outcome_table,
)
from cycle_analytics.stats.weights import effective_counts

__all__ = [
    "FACTOR_BASES", "penalty_reward", "penalty_reward_from_table", "compare_groups", "compare_weighted_groups", "classify_factor",
    "validate_penalty_inputs",
]

FACTOR_BASES = ("middle", "rest")


def compare_groups(g: np.ndarray, rest: np.ndarray, values: np.ndarray, confidence: float) -> dict:
    """Compare outcome distributions ``g[..., b]`` (a group) and ``rest[..., b]`` (counts of ``values[b]``).

    Returns a dict of arrays: ``n1``, ``n2``, the means ``mean_g`` and ``mean_rest``, ``diff =
    mean_g - mean_rest`` with its Welch interval ``ci_low``/``ci_high``, the Mann-Whitney U of the
    group ``u`` with its two-sided tie- and continuity-corrected normal p-value ``p`` (1 when
    every outcome is tied, as scipy) and ``rb`` = P(g > rest) - P(rest > g).

    Examples
    --------
    >>> out = compare_groups(np.array([2, 1, 0]), np.array([0, 1, 2]), np.array([1.0, 2.0, 3.0]), 0.95)
    >>> float(out["diff"]), float(out["u"]), float(out["rb"])
    (-1.3333333333333333, 0.5, -0.8888888888888888)
    """
    g = np.asarray(g, dtype=np.float64)
    rest = np.asarray(rest, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    n1, n2 = g.sum(-1), rest.sum(-1)
    welch = welch_from_moments(n1, g @ v, g @ (v * v), n2, rest @ v, rest @ (v * v), confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        # every outcome tied: no evidence either way (scipy gives p = 1)
        u1, p = mann_whitney_from_counts(g, rest, tied_p=1.0)
        rb = 2.0 * u1 / (n1 * n2) - 1.0
    has = (n1 > 0) & (n2 > 0)
    nan = np.nan
    return {
        "n1": n1,
        "n2": n2,
        "mean_g": welch["mean1"],
        "mean_rest": welch["mean2"],
        "diff": welch["diff"],
        "ci_low": welch["ci_low"],
        "ci_high": welch["ci_high"],
        "u": np.where(has, u1, nan),
        "p": np.where(has, p, nan),
        "rb": np.where(has, rb, nan),
    }


def compare_weighted_groups(g: WeightedCounts, rest: WeightedCounts, values: np.ndarray, confidence: float) -> dict:
    """:func:`compare_groups` of two weighted outcome distributions (``counts``, ``weights``,
    ``squares`` per outcome value, last axis), each group on its Kish effective counts.

    Each group's distribution becomes its effective counts ``W_b * n_eff / W``
    (:func:`cycle_analytics.stats.weights.effective_counts`): the weighted means, the Welch interval
    and t test with the weighted variances and ``n_eff`` (as ``statsmodels`` ``CompareMeans`` of two
    ``DescrStatsW`` whose weights are scaled to sum to ``n_eff``), Mann-Whitney's U and the
    rank-biserial correlation of the weighted distributions (``rb`` = P(g > rest) - P(rest > g)
    under the weights) with the normal approximation on ``n_eff``. ``n1``, ``n2`` are the real
    counts, ``n1_eff``, ``n2_eff`` the effective ones. With every weight 1 it is :func:`compare_groups`.

    Examples
    --------
    >>> g = WeightedCounts(np.array([2, 1, 0]), np.array([2.0, 1.0, 0.0]), np.array([2.0, 1.0, 0.0]))
    >>> rest = WeightedCounts(np.array([0, 1, 2]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]))
    >>> out = compare_weighted_groups(g, rest, np.array([1.0, 2.0, 3.0]), 0.95)
    >>> float(out["diff"]), float(out["rb"]), float(out["n1_eff"])
    (-1.3333333333333333, -0.8888888888888888, 3.0)
    """
    c_g, n_eff_g = effective_counts(g)
    c_rest, n_eff_rest = effective_counts(rest)
    out = compare_groups(c_g, c_rest, values, confidence)
    out["n1"] = np.asarray(g.counts, dtype=np.float64).sum(-1)
    out["n2"] = np.asarray(rest.counts, dtype=np.float64).sum(-1)
    out["n1_eff"], out["n2_eff"] = n_eff_g, n_eff_rest
    return out


def classify_factor(pen, pen_adj, rew, rew_adj, alpha) -> np.ndarray:
    """``basic``, ``delight``, ``performance`` or ``unclear`` per stage from the two contrasts.

    ``pen``/``rew`` are the penalty and reward contrasts, ``pen_adj``/``rew_adj`` their corrected
    p-values; negative contrasts count as 0 (the rule is in the package docstring).

    Examples
    --------
    >>> classify_factor(np.array([0.9, 0.1]), np.array([0.001, 0.5]), np.array([0.2, 0.8]), np.array([0.3, 0.01]), 0.05).tolist()
    ['basic', 'delight']
    """
    pen_sig = (pen_adj < alpha) & (pen > 0)
    rew_sig = (rew_adj < alpha) & (rew > 0)
    pen0 = np.where(np.isfinite(pen), np.maximum(pen, 0), 0)
    rew0 = np.where(np.isfinite(rew), np.maximum(rew, 0), 0)
    out = np.full(len(pen), "unclear", dtype=object)
    out[pen_sig & (pen0 > 2 * rew0)] = "basic"
    out[rew_sig & (rew0 > 2 * pen0)] = "delight"
    out[pen_sig & rew_sig & (pen0 <= 2 * rew0) & (rew0 <= 2 * pen0)] = "performance"
    return out


@dataclass(frozen=True)
class _BoxContrasts:
    """The four contrasts of a stage's box groups, each a :func:`compare_groups` dict, with their
    corrected p-values (``*_adj``), the ratings with an outcome (``n``), the middle ratings and the
    (weighted) share of the ratings in the bottom box, in percent."""

    bad_vs_rest: dict
    top_vs_rest: dict
    bad_vs_middle: dict
    top_vs_middle: dict
    bad_vs_rest_adj: np.ndarray
    top_vs_rest_adj: np.ndarray
    bad_vs_middle_adj: np.ndarray
    top_vs_middle_adj: np.ndarray
    n: np.ndarray
    n_middle: np.ndarray
    bad_pct: np.ndarray


def _box_groups(t: np.ndarray, bottom: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(total, bad, good, middle)`` over the outcome values of a ``S x B x A`` table (counts or sums of weights)."""
    total = t.sum(-1)  # S x B
    bad = t[:, :, bottom].sum(-1)
    good = t[:, :, top].sum(-1)
    return total, bad, good, total - bad - good


def _box_contrasts(table: OutcomeTable, scale: Scale, confidence: float, correction: str) -> _BoxContrasts:
    """Bottom-box and top-box raters against the rest and against the middle, per stage.

    Each contrast is its own family of p-values, corrected across the stages. A weighted table
    compares the weighted distributions (:func:`compare_weighted_groups`).
    """
    t = table.counts.astype(np.float64)  # S x B x A
    bottom = np.isin(table.scores, scale.bottom_box)
    top = np.isin(table.scores, scale.top_box)
    total, bad, good, middle = _box_groups(t, bottom, top)
    if table.is_weighted:
        parts = [WeightedCounts(*groups) for groups in zip(
            (total, bad, good, middle), _box_groups(table.weights, bottom, top), _box_groups(table.squares, bottom, top))]
        w_total, w_bad, w_good, w_middle = parts

        def rest_of(group: WeightedCounts) -> WeightedCounts:
            return WeightedCounts(*(getattr(w_total, f) - getattr(group, f) for f in ("counts", "weights", "squares")))

        pen = compare_weighted_groups(w_bad, rest_of(w_bad), table.outcomes, confidence)
        rew = compare_weighted_groups(w_good, rest_of(w_good), table.outcomes, confidence)
        pen_m = compare_weighted_groups(w_bad, w_middle, table.outcomes, confidence)
        rew_m = compare_weighted_groups(w_good, w_middle, table.outcomes, confidence)
        bad_weight, all_weight = w_bad.weights.sum(-1), w_total.weights.sum(-1)
    else:
        pen = compare_groups(bad, total - bad, table.outcomes, confidence)
        rew = compare_groups(good, total - good, table.outcomes, confidence)
        pen_m = compare_groups(bad, middle, table.outcomes, confidence)
        rew_m = compare_groups(good, middle, table.outcomes, confidence)
        bad_weight, all_weight = pen["n1"], total.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad_pct = np.where(all_weight > 0, bad_weight / all_weight * 100.0, np.nan)
    return _BoxContrasts(
        bad_vs_rest=pen,
        top_vs_rest=rew,
        bad_vs_middle=pen_m,
        top_vs_middle=rew_m,
        bad_vs_rest_adj=adjust_pvalues(pen["p"], correction),
        top_vs_rest_adj=adjust_pvalues(rew["p"], correction),
        bad_vs_middle_adj=adjust_pvalues(pen_m["p"], correction),
        top_vs_middle_adj=adjust_pvalues(rew_m["p"], correction),
        n=total.sum(-1),
        n_middle=middle.sum(-1),
        bad_pct=bad_pct,
    )


def penalty_reward(
    ratings: pd.DataFrame,
    y: np.ndarray,
    scale: Scale,
    outcome: OutcomeSpec,
    *,
    correction: str = "holm",
    confidence: float = 0.95,
    alpha: float = 0.05,
    factor_basis: str = "middle",
    min_n: int = 30,
    table: OutcomeTable | None = None,
) -> pd.DataFrame:
    """Penalty of a bottom-box and reward of a top-box rating of each stage on the outcome.

    ``penalty = mean_outcome_rest - mean_outcome_bad`` (positive when bad experiences go with a
    lower outcome); ``reward = mean outcome of top-box raters - mean of the rest``. Each comes
    with a Welch ``confidence`` interval and a two-sided Mann-Whitney U test (normal approximation,
    tie and continuity corrected); p-values are corrected across stages with ``correction``
    (``holm`` default, ``fdr_bh``, ``bonferroni``, ``none``), penalties and rewards as separate
    families. ``rank_biserial`` = P(rest > bad) - P(bad > rest). ``factor`` (on ``alpha``, from the
    contrasts with the middle ratings or, with ``factor_basis="rest"``, from penalty and reward):
    see the package docstring. Only ratings with an outcome count (``n_missing_outcome`` says how many not).

    Returns
    -------
    DataFrame
        ``stage, n, n_bad, n_top, bad_pct, mean_outcome_bad, mean_outcome_rest, penalty,
        penalty_ci_low, penalty_ci_high, u_statistic, p_value, p_adjusted, rank_biserial, reward,
        reward_ci_low, reward_ci_high, reward_p_adjusted, factor`` then ``mean_outcome_top,
        reward_u_statistic, reward_p_value, reward_rank_biserial, correction, n_missing_outcome,
        n_middle, penalty_vs_middle, penalty_vs_middle_p_adjusted, reward_vs_middle,
        reward_vs_middle_p_adjusted, factor_basis, outcome_span, small_sample``. ``outcome_span`` is
        the outcome's range (for the proxy: the rating scale's); ``small_sample`` flags penalties
        resting on fewer than ``min_n`` bad ratings.
        ``u_statistic`` is U of the bad group.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(list("abcdef")),
    ...                   "stage": pd.Categorical(["X"] * 6, categories=["X"], ordered=True),
    ...                   "score": [1.0, 2.0, 3.0, 4.0, 5.0, 5.0]})
    >>> out = penalty_reward(r, np.array([1.0, 2, 4, 4, 5, 5]), Scale(1, 5), OutcomeSpec("o", scale=Scale(1, 5)))
    >>> float(out.penalty.iloc[0]), float(out.reward.iloc[0])
    (3.0, 2.3333333333333335)
    """
    y = validate_penalty_inputs(ratings, y, outcome, correction=correction, confidence=confidence, factor_basis=factor_basis)
    if table is None:
        table = outcome_table(ratings, y, scale)
    validate_outcome_table(table, ratings, scale)
    return penalty_reward_from_table(table, outcome, correction=correction, confidence=confidence, alpha=alpha,
                                     factor_basis=factor_basis, min_n=min_n)


def penalty_reward_from_table(
    table: OutcomeTable, outcome: OutcomeSpec, *, correction: str = "holm", confidence: float = 0.95, alpha: float = 0.05,
    factor_basis: str = "middle", min_n: int = 30,
) -> pd.DataFrame:
    """:func:`penalty_reward` from the stage x outcome value x score count table (same columns).

    Examples
    --------
    >>> from cycle_analytics.stats.tables import ScoreCounts
    >>> frame = pd.DataFrame({"stage": pd.Categorical(["X", "X", "X"], categories=["X"], ordered=True),
    ...                       "outcome": [1.0, 4.0, 5.0], "score": [1, 3, 5], "n": [1, 2, 2]})
    >>> t = ScoreCounts(("X",), Scale(1, 5), ("outcome",), frame).outcome_table()
    >>> float(penalty_reward_from_table(t, OutcomeSpec("o", scale=Scale(1, 5))).penalty.iloc[0])
    3.5
    """
    validate_correction(correction)
    validate_confidence(confidence)
    validate_choice(factor_basis, FACTOR_BASES, "factor basis")
    scale = table.scale
    c = _box_contrasts(table, scale, confidence, correction)
    if factor_basis == "middle":
        factor = classify_factor(-c.bad_vs_middle["diff"], c.bad_vs_middle_adj, c.top_vs_middle["diff"], c.top_vs_middle_adj, alpha)
    else:
        factor = classify_factor(-c.bad_vs_rest["diff"], c.bad_vs_rest_adj, c.top_vs_rest["diff"], c.top_vs_rest_adj, alpha)
    return _penalty_frame(table, c, factor, correction, factor_basis, _outcome_span(outcome, scale), min_n)


def validate_penalty_inputs(ratings, y, outcome: OutcomeSpec, *, correction, confidence, factor_basis) -> np.ndarray:
    """Check the tables and options of the penalty figures from ratings; returns ``y`` as float64."""
    y = validate_driver_inputs(ratings, y, correction=correction, confidence=confidence)
    validate_choice(factor_basis, FACTOR_BASES, "factor basis")
    if outcome.kind == "binary":
        fy = y[np.isfinite(y)]
        if fy.size and not np.isin(fy, (0.0, 1.0)).all():
            raise SurveyError(_("A binary outcome must be coded 0/1; use rating_outcomes() to code it."))
    return y


def _penalty_frame(
    table: OutcomeTable, c: _BoxContrasts, factor: np.ndarray, correction: str, factor_basis: str, span: float, min_n: int
) -> pd.DataFrame:
    """The documented columns of :func:`penalty_reward` (penalties are the bad group's contrasts negated)."""
    pen, rew = c.bad_vs_rest, c.top_vs_rest
    bad_pct = c.bad_pct
    return pd.DataFrame(
        {
            "stage": table.stage_column(),
            "n": c.n.astype(np.int64),
            "n_bad": pen["n1"].astype(np.int64),
            "n_top": rew["n1"].astype(np.int64),
            "bad_pct": bad_pct,
            "mean_outcome_bad": pen["mean_g"],
            "mean_outcome_rest": pen["mean_rest"],
            "penalty": -pen["diff"],
            "penalty_ci_low": -pen["ci_high"],
            "penalty_ci_high": -pen["ci_low"],
            "u_statistic": pen["u"],
            "p_value": pen["p"],
            "p_adjusted": c.bad_vs_rest_adj,
            "rank_biserial": -pen["rb"],
            "reward": rew["diff"],
            "reward_ci_low": rew["ci_low"],
            "reward_ci_high": rew["ci_high"],
            "reward_p_adjusted": c.top_vs_rest_adj,
            "factor": factor,
            "mean_outcome_top": rew["mean_g"],
            "reward_u_statistic": rew["u"],
            "reward_p_value": rew["p"],
            "reward_rank_biserial": rew["rb"],
            "correction": correction,
            "n_missing_outcome": table.missing.sum(-1).astype(np.int64),
            "n_middle": c.n_middle.astype(np.int64),
            "penalty_vs_middle": -c.bad_vs_middle["diff"],
            "penalty_vs_middle_p_adjusted": c.bad_vs_middle_adj,
            "reward_vs_middle": c.top_vs_middle["diff"],
            "reward_vs_middle_p_adjusted": c.top_vs_middle_adj,
            "factor_basis": factor_basis,
            "outcome_span": span,
            "small_sample": pen["n1"] < min_n,
        }
    )


def _outcome_span(outcome: OutcomeSpec, scale: Scale) -> float:
    """The outcome's range: its own scale's, or for the proxy (a mean of stage ratings) the rating scale's."""
    span = outcome.span
    if np.isfinite(span):
        return float(span)
    if outcome.is_proxy:
        return float(scale.maximum - scale.minimum)
    return float("nan")
