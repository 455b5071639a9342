"""Multivariate penalty-reward contrast analysis: each stage's own effect, the other stages held fixed.

Customers who are unhappy rate *everything* lower (the halo effect), so comparing the bad raters
of one stage with the rest (:func:`~cycle_analytics.stats.drivers.penalty.penalty_reward`, the
*raw* or one-stage penalty) credits every stage with the halo. The model here (Brandt 1987;
Mittal, Ross & Baldasare 1998, *Journal of Marketing* 62(1); Matzler et al. 2004) puts all
stages in one regression::

    outcome = b0 + sum over stages j of ( -P_j bottom_j + R_j top_j + g_j not_rated_j )

``bottom_j`` / ``top_j`` / ``not_rated_j`` are 0/1 dummies of the respondent's answer to stage
``j`` (bottom box, top box, no rating); the middle ratings are the reference, so respondents with
N/A answers stay in. ``P_j`` is the **penalty** (how much lower the outcome is after a bad
experience at ``j`` than after a middling one, every other stage held fixed), ``R_j`` the
**reward** of a top-box experience. Ordinary least squares with HC3 errors (weighted least squares
with HC3 errors on a weighted survey) (a binary outcome coded
0/1: a linear probability model, its coefficients in percentage points / 100); two-sided normal
p-values, corrected across stages (penalties and rewards as two families). A stage nobody rated in
the middle has no reference: its top box becomes the reference (the penalty is bottom against top)
and its reward is not estimated (NaN).

The model is fitted exactly from the table of distinct answer patterns (bottom / middle / top /
not rated for every stage) with the count, sum and sum of squares of the outcome per pattern
(:func:`answer_patterns`, :func:`~cycle_analytics.stats.regression.ols_from_patterns`), itself
derived from the respondent pattern table (:class:`~cycle_analytics.stats.tables.ScorePatterns`),
so its cost does not depend on the number of respondents. Respondents with an outcome and at
least one rated stage enter the model.

The **direct comparison** in the seeds' own terms (a critical moment spoils the service *even
when everything else went well*): among the respondents who rated the stage and gave no bottom-box
rating to any other stage, the mean outcome of those who rated the stage in the bottom box against
the others, with Welch's t test (computed from the same pattern table), corrected across stages.
On a weighted survey both groups' means and variances are weighted and the test uses each group's
Kish effective n (:func:`~cycle_analytics.stats.drivers.penalty.compare_weighted_groups`' Welch part),
as ``statsmodels`` ``CompareMeans`` of two ``DescrStatsW`` with weights scaled to sum to ``n_eff``.

**Stages rated almost alike.** Two questions customers answer as one (an airport's information
booths upstairs and downstairs: of the 120 travellers of SFO's 2017 survey who rated either badly,
94 rated both badly) leave the model only the few customers who tell them apart: their own
penalties come out large and of opposite signs (+0.40 and -0.43) while a bad experience at both,
what nearly everyone who had one had, moves the outcome by 0.02 (penalty -0.02). Stages whose bottom-box
indicators correlate at :data:`ALIKE_PHI` or more (the phi coefficient among the respondents who
rated both; |r| > 0.7 is where collinearity starts to distort a regression's estimates, Dormann et
al. 2013, *Ecography* 36(1)) form a group (linked pairs join one group), numbered in ``alike_group``
(0: none). Each member gets the group's **joint penalty**, the sum of the members' penalties (the
drop after a bad experience at all of them, against middling ones), tested with the model's HC3
covariance (:func:`~cycle_analytics.stats.regression.combination_test`); the verdicts of
:mod:`cycle_analytics.stats.critical` judge the members on it. A member's ``factor`` is
``unclear``: its own penalty and reward cannot be told apart from the others' either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.outcomes import outcome_table, respondent_patterns
from cycle_analytics.stats.drivers.penalty import classify_factor, penalty_reward_from_table, validate_penalty_inputs
from cycle_analytics.stats.kernel import OutcomeTable, adjust_pvalues, pairwise_correlations, pattern_sums, welch_from_moments
from cycle_analytics.stats.regression import PatternFit, combination_test, ols_from_patterns
from cycle_analytics.stats.tables import ScorePatterns
from cycle_analytics.stats.validation import validate_outcome_table
from cycle_analytics.stats.weights import kish_from_sums

__all__ = [
    "ALIKE_COLUMNS",
    "ALIKE_PHI",
    "ANSWER_STATES",
    "MODELS",
    "alike_groups",
    "AnswerPatterns",
    "answer_patterns",
    "contrast_design",
    "multivariate_penalty_reward",
    "multivariate_penalty_reward_from_tables",
]

#: The state of a stage in an answer pattern, by code: 0 middle (the reference), 1 bottom box,
#: 2 top box, 3 not rated.
ANSWER_STATES = ("middle", "bottom", "top", "not rated")
MIDDLE, BOTTOM, TOP, NOT_RATED = range(4)
#: ``model`` column values: the multivariate model, or the one-stage contrasts (the proxy outcome,
#: which differs from stage to stage, cannot hold the other stages fixed).
MODELS = ("multivariate", "one stage")
#: Correlation of two stages' bottom-box indicators from which they are rated almost alike (module docstring).
ALIKE_PHI = 0.7
#: The columns of the stages rated almost alike, after ``small_sample``.
ALIKE_COLUMNS = ("alike_group", "alike_phi", "joint_penalty", "joint_ci_low", "joint_ci_high", "joint_p_value")


@dataclass(frozen=True)
class AnswerPatterns:
    """The distinct answer patterns of the respondents with an outcome.

    ``states[p, j]``: the state (:data:`ANSWER_STATES` code) of stage ``j`` in pattern ``p``;
    ``counts``, ``sums``, ``sumsq``: respondents with the pattern, the sum and the sum of squares
    of their outcomes (float64); ``weights``: the survey weight of the pattern's respondents (a
    weighted pattern table keeps respondents of different weights apart), ``None`` unweighted.
    """

    states: np.ndarray
    counts: np.ndarray
    sums: np.ndarray
    sumsq: np.ndarray
    weights: np.ndarray | None = None


def answer_patterns(patterns: ScorePatterns) -> AnswerPatterns:
    """Group the respondents with an outcome and at least one rating by their pattern of box states.

    Examples
    --------
    >>> from cycle_analytics.stats.tables import score_patterns
    >>> p = score_patterns(("A", "B"), Scale(1, 5), np.array([[1.0, 5.0], [1.0, 5.0], [3.0, np.nan]]),
    ...                    np.array([2.0, 4.0, 5.0]), np.array([1, 1, 1]))
    >>> a = answer_patterns(p)
    >>> a.states.tolist(), a.counts.tolist(), a.sums.tolist(), a.sumsq.tolist()
    ([[0, 3], [1, 2]], [1.0, 2.0], [5.0, 6.0], [25.0, 20.0])
    """
    codes = patterns.codes()
    keep = np.isfinite(patterns.outcome) & (codes >= 0).any(axis=1)  # a respondent who rated no stage says nothing about any
    lut = _state_lut(patterns.scale)
    states = np.take(lut, codes[keep].astype(np.int64) + 1)
    if patterns.weights is None:
        rows, counts, sums, sumsq = pattern_sums(states, len(ANSWER_STATES), patterns.outcome[keep], weights=patterns.counts[keep])
        return AnswerPatterns(rows.astype(np.int8), counts, sums, sumsq)
    # weighted: the weight is one more key column, so each row keeps one weight (the WLS leverage needs it)
    weight_values, weight_code = np.unique(patterns.weights[keep], return_inverse=True)
    keyed = np.column_stack([states.astype(np.int64), weight_code.ravel()])
    rows, counts, sums, sumsq = pattern_sums(keyed, max(len(ANSWER_STATES), len(weight_values)), patterns.outcome[keep],
                                             weights=patterns.counts[keep])
    return AnswerPatterns(rows[:, :-1].astype(np.int8), counts, sums, sumsq, weight_values[rows[:, -1]])


def _state_lut(scale: Scale) -> np.ndarray:
    """State of each score code (index = code + 1; index 0 = not rated)."""
    values = np.asarray(scale.values)
    lut = np.full(scale.points + 1, MIDDLE, dtype=np.int8)
    lut[0] = NOT_RATED
    lut[1:][np.isin(values, scale.bottom_box)] = BOTTOM
    lut[1:][np.isin(values, scale.top_box)] = TOP
    return lut


def contrast_design(states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's design rows for answer patterns, and which stages have no middle ratings.

    Columns: the intercept, then per stage ``bottom``, ``top``, ``not rated`` dummies. The top
    column of a stage without middle ratings is left empty (so the fit leaves it out and the top
    box is that stage's reference).

    Examples
    --------
    >>> x, no_middle = contrast_design(np.array([[1, 0], [2, 3]], dtype=np.int8))
    >>> x.tolist(), no_middle.tolist()
    ([[1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]], [True, False])
    """
    k, n_st = states.shape
    x = np.zeros((k, 1 + 3 * n_st))
    x[:, 0] = 1.0
    x[:, 1::3] = states == BOTTOM
    x[:, 2::3] = states == TOP
    x[:, 3::3] = states == NOT_RATED
    no_middle = ~(states == MIDDLE).any(axis=0)
    x[:, 2::3][:, no_middle] = 0.0
    return x, no_middle


@dataclass(frozen=True)
class _CleanComparison:
    """The direct comparison among respondents with no bottom-box rating elsewhere (per stage)."""

    n: np.ndarray
    n_bad: np.ndarray
    welch: dict


def _clean_comparison(patterns: AnswerPatterns, confidence: float) -> _CleanComparison:
    """Per stage: respondents who rated it and gave no other stage a bottom-box rating, bad
    raters of the stage against the others (Welch, from the pattern sums; weighted, on Kish's
    effective n, when the patterns carry survey weights)."""
    bad = patterns.states == BOTTOM  # (k, S)
    elsewhere = bad.sum(axis=1, keepdims=True) - bad
    clean = elsewhere == 0
    rated = patterns.states != NOT_RATED
    group_bad = (clean & bad).astype(np.float64)
    group_ok = (clean & rated & ~bad).astype(np.float64)
    c, s, q = patterns.counts, patterns.sums, patterns.sumsq
    n_bad, n_ok = c @ group_bad, c @ group_ok
    if patterns.weights is None:
        welch = welch_from_moments(n_ok, s @ group_ok, q @ group_ok, n_bad, s @ group_bad, q @ group_bad, confidence)
    else:
        welch = welch_from_moments(*_effective_moments(patterns, group_ok), *_effective_moments(patterns, group_bad), confidence)
    return _CleanComparison(n=n_ok + n_bad, n_bad=n_bad, welch=welch)


def _effective_moments(patterns: AnswerPatterns, group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(n_eff, sum, sum of squares)`` of the outcome of each stage's group (``group[k, S]``, 0/1)
    under the survey weights, scaled to Kish's effective n: Welch's formulas on them give the
    weighted means and variances with ``n_eff`` (every weight 1: the counts and sums themselves)."""
    w = patterns.weights
    total = (patterns.counts * w) @ group
    n_eff = kish_from_sums(total, (patterns.counts * w * w) @ group)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(total > 0, n_eff / np.where(total > 0, total, 1.0), 0.0)
    return n_eff, ((patterns.sums * w) @ group) * factor, ((patterns.sumsq * w) @ group) * factor


def multivariate_penalty_reward(
    ratings: pd.DataFrame, y: np.ndarray, scale: Scale, outcome: OutcomeSpec, *,
    correction: str = "holm", confidence: float = 0.95, alpha: float = 0.05, min_n: int = 30,
    table: OutcomeTable | None = None, patterns: ScorePatterns | None = None,
) -> pd.DataFrame:
    """Penalty and reward of every stage from one model over all stages, beside the raw ones.

    The ratings form of :func:`multivariate_penalty_reward_from_tables`: the outcome table and the
    respondent pattern table are counted from the ratings (unless given) and the figures computed
    from them.

    Parameters
    ----------
    ratings, y, scale, outcome
        As :func:`~cycle_analytics.stats.drivers.penalty.penalty_reward` (``y``: one outcome per rating).
    correction, confidence, alpha, min_n
        As :func:`multivariate_penalty_reward_from_tables`.
    table, patterns : optional
        A prebuilt :func:`~cycle_analytics.stats.drivers.outcome_table` and
        :func:`~cycle_analytics.stats.drivers.respondent_patterns` (skip their passes).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> a, b = rng.integers(1, 6, n), rng.integers(1, 6, n)
    >>> overall = np.clip(4.0 - 1.5 * (a <= 2) + rng.normal(0, 0.5, n), 1, 5).round()
    >>> r = pd.DataFrame({"response_id": pd.Categorical(np.repeat(np.arange(n), 2)),
    ...     "stage": pd.Categorical(np.tile(["A", "B"], n), categories=["A", "B"], ordered=True),
    ...     "score": np.column_stack([a, b]).ravel().astype(float)})
    >>> out = multivariate_penalty_reward(r, np.repeat(overall, 2), Scale(1, 5), OutcomeSpec("o", scale=Scale(1, 5)))
    >>> out.penalty.round(1).tolist(), out.model.iloc[0]
    ([1.5, 0.0], 'multivariate')
    """
    y = validate_penalty_inputs(ratings, y, outcome, correction=correction, confidence=confidence, factor_basis="middle")
    if table is None:
        table = outcome_table(ratings, y, scale)
    validate_outcome_table(table, ratings, scale)
    if patterns is None:
        patterns = respondent_patterns(ratings, y, scale)
    return multivariate_penalty_reward_from_tables(table, patterns, outcome, correction=correction, confidence=confidence,
                                                   alpha=alpha, min_n=min_n)


def multivariate_penalty_reward_from_tables(
    table: OutcomeTable, patterns: ScorePatterns, outcome: OutcomeSpec, *,
    correction: str = "holm", confidence: float = 0.95, alpha: float = 0.05, min_n: int = 30,
) -> pd.DataFrame:
    """Penalty and reward of every stage from one model over all stages, beside the raw ones.

    Parameters
    ----------
    table : OutcomeTable
        Stage x outcome value x score counts (the one-stage contrasts).
    patterns : ScorePatterns
        The respondent pattern table with the respondents' outcome (the model and the direct
        comparison); without an outcome (the proxy) the one-stage contrasts stand in.
    outcome : OutcomeSpec
    correction : {"holm", "fdr_bh", "bonferroni", "none"}
        Correction across stages (penalties, rewards and the direct comparisons, each a family).
    confidence, alpha, min_n
        Interval level; significance level of the factor rule; ``small_sample`` below ``min_n``
        bad ratings.

    Returns
    -------
    DataFrame
        One row per stage: ``stage, n, n_bad, n_top, bad_pct, mean_outcome_bad,
        mean_outcome_rest`` (raw means), the model's ``penalty, penalty_ci_low, penalty_ci_high,
        p_value, p_adjusted, reward, reward_ci_low, reward_ci_high, reward_p_value,
        reward_p_adjusted, factor``, the one-stage contrasts ``raw_penalty, raw_penalty_ci_low,
        raw_penalty_ci_high, raw_p_value, raw_p_adjusted, raw_reward, raw_reward_ci_low,
        raw_reward_ci_high, raw_reward_p_adjusted, raw_factor``, the direct comparison
        ``clean_n, clean_n_bad, clean_mean_bad, clean_mean_rest, clean_penalty, clean_ci_low,
        clean_ci_high, clean_p_value, clean_p_adjusted``, then ``not_rated_effect, n_middle,
        n_missing_outcome, n_model, r_squared, model, correction, outcome_span, small_sample``.
        With the proxy outcome ``model`` is ``"one stage"``: the model columns repeat the raw
        ones and the direct comparison is NaN.
    """
    raw = penalty_reward_from_table(table, outcome, correction=correction, confidence=confidence, alpha=alpha, min_n=min_n)
    if outcome.is_proxy:
        return _frame(raw, None, None, None, correction, alpha)
    answers = answer_patterns(patterns)
    design, no_middle = contrast_design(answers.states)
    fit = ols_from_patterns(design, answers.counts, answers.sums, answers.sumsq, confidence=confidence, weights=answers.weights)
    out = _frame(raw, fit, no_middle, _clean_comparison(answers, confidence), correction, alpha)
    _alike_columns(out, answers, fit, confidence)
    return out


def _frame(
    raw: pd.DataFrame,
    fit: PatternFit | None,
    no_middle: np.ndarray | None,
    clean: _CleanComparison | None,
    correction: str,
    alpha: float,
) -> pd.DataFrame:
    """The documented columns from the one-stage table and (unless the proxy) the model."""
    n_st = len(raw)
    nan = np.full(n_st, np.nan)
    out = raw[["stage", "n", "n_bad", "n_top", "bad_pct", "mean_outcome_bad", "mean_outcome_rest"]].copy()
    if fit is None:
        model = {
            "penalty": raw["penalty"], "penalty_ci_low": raw["penalty_ci_low"], "penalty_ci_high": raw["penalty_ci_high"],
            "p_value": raw["p_value"], "p_adjusted": raw["p_adjusted"], "reward": raw["reward"],
            "reward_ci_low": raw["reward_ci_low"], "reward_ci_high": raw["reward_ci_high"],
            "reward_p_value": raw["reward_p_value"], "reward_p_adjusted": raw["reward_p_adjusted"], "factor": raw["factor"],
        }
        for col, values in model.items():
            out[col] = values.to_numpy()
    else:
        _model_columns(out, fit, no_middle, correction, alpha)
    out["raw_penalty"] = raw["penalty"].to_numpy()
    out["raw_penalty_ci_low"] = raw["penalty_ci_low"].to_numpy()
    out["raw_penalty_ci_high"] = raw["penalty_ci_high"].to_numpy()
    out["raw_p_value"] = raw["p_value"].to_numpy()
    out["raw_p_adjusted"] = raw["p_adjusted"].to_numpy()
    out["raw_reward"] = raw["reward"].to_numpy()
    out["raw_reward_ci_low"] = raw["reward_ci_low"].to_numpy()
    out["raw_reward_ci_high"] = raw["reward_ci_high"].to_numpy()
    out["raw_reward_p_adjusted"] = raw["reward_p_adjusted"].to_numpy()
    out["raw_factor"] = raw["factor"].to_numpy()
    if clean is None:
        for col in ("clean_n", "clean_n_bad"):
            out[col] = np.zeros(n_st, dtype=np.int64)
        for col in ("clean_mean_bad", "clean_mean_rest", "clean_penalty", "clean_ci_low", "clean_ci_high",
                    "clean_p_value", "clean_p_adjusted"):
            out[col] = nan
    else:
        w = clean.welch
        out["clean_n"] = np.rint(clean.n).astype(np.int64)
        out["clean_n_bad"] = np.rint(clean.n_bad).astype(np.int64)
        out["clean_mean_bad"] = w["mean2"]
        out["clean_mean_rest"] = w["mean1"]
        out["clean_penalty"] = w["diff"]
        out["clean_ci_low"] = w["ci_low"]
        out["clean_ci_high"] = w["ci_high"]
        out["clean_p_value"] = w["p"]
        out["clean_p_adjusted"] = adjust_pvalues(w["p"], correction)
    out["not_rated_effect"] = fit.coef[3::3] if fit is not None else nan
    out["n_middle"] = raw["n_middle"].to_numpy()
    out["n_missing_outcome"] = raw["n_missing_outcome"].to_numpy()
    out["n_model"] = np.full(n_st, fit.n if fit is not None else 0, dtype=np.int64)
    out["r_squared"] = np.full(n_st, fit.r_squared if fit is not None else np.nan)
    out["model"] = MODELS[0] if fit is not None else MODELS[1]
    out["correction"] = correction
    out["outcome_span"] = raw["outcome_span"].to_numpy()
    out["small_sample"] = raw["small_sample"].to_numpy()
    out = out.reset_index(drop=True)
    out["alike_group"] = np.zeros(n_st, dtype=np.int64)
    for col in ALIKE_COLUMNS[1:]:
        out[col] = nan
    return out


def _model_columns(out: pd.DataFrame, fit: PatternFit, no_middle: np.ndarray, correction: str, alpha: float) -> None:
    """Write the model's penalty, reward (corrected across stages) and factor columns into ``out``."""
    bottom, top = slice(1, None, 3), slice(2, None, 3)
    pen, pen_p = -fit.coef[bottom], fit.p_value[bottom].copy()
    rew, rew_p = fit.coef[top].copy(), fit.p_value[top].copy()
    rew[no_middle], rew_p[no_middle] = np.nan, np.nan
    pen_adj, rew_adj = adjust_pvalues(pen_p, correction), adjust_pvalues(rew_p, correction)
    out["penalty"] = pen
    out["penalty_ci_low"] = -fit.ci_high[bottom]
    out["penalty_ci_high"] = -fit.ci_low[bottom]
    out["p_value"] = pen_p
    out["p_adjusted"] = pen_adj
    out["reward"] = rew
    out["reward_ci_low"] = np.where(no_middle, np.nan, fit.ci_low[top])
    out["reward_ci_high"] = np.where(no_middle, np.nan, fit.ci_high[top])
    out["reward_p_value"] = rew_p
    out["reward_p_adjusted"] = rew_adj
    out["factor"] = classify_factor(pen, pen_adj, rew, rew_adj, alpha)


def alike_groups(patterns: AnswerPatterns, threshold: float = ALIKE_PHI) -> tuple[np.ndarray, np.ndarray]:
    """The groups of stages rated almost alike (module docstring) and each stage's strongest link.

    Returns ``(group, phi)``: ``group[j]`` numbers stage ``j``'s group from 1 in stage order (0:
    none); ``phi[j]`` the largest correlation of its bottom-box indicator with another member's
    (NaN outside a group). The correlation of two stages is taken over the respondents who rated
    both (weighted by the survey weights when the patterns carry them).

    Examples
    --------
    >>> states = np.array([[1, 1, 0], [0, 0, 1], [1, 1, 2], [0, 0, 0], [2, 2, 1]], dtype=np.int8)
    >>> g, phi = alike_groups(AnswerPatterns(states, np.ones(5), np.zeros(5), np.zeros(5)))
    >>> g.tolist(), np.round(phi, 2).tolist()
    ([1, 1, 0], [1.0, 1.0, nan])
    """
    phi = _bottom_box_correlations(patterns)
    n_st = phi.shape[0]
    linked = np.nan_to_num(phi, nan=-1.0) >= threshold
    np.fill_diagonal(linked, False)
    group = np.zeros(n_st, dtype=np.int64)
    strongest = np.full(n_st, np.nan)
    n_groups = 0
    for j in range(n_st):
        if group[j] or not linked[j].any():
            continue
        n_groups += 1
        todo = [j]
        group[j] = n_groups
        while todo:  # the stages linked to the group, directly or through another member
            k = todo.pop()
            for m in np.flatnonzero(linked[k] & (group == 0)):
                group[m] = n_groups
                todo.append(m)
    for j in np.flatnonzero(group):
        strongest[j] = float(np.max(phi[j][(group == group[j]) & (np.arange(n_st) != j)]))
    return group, strongest


def _bottom_box_correlations(patterns: AnswerPatterns) -> np.ndarray:
    """Stage x stage phi coefficients (Pearson correlations of 0/1 values) of the bottom-box
    indicators over the respondents who rated both stages (NaN where either indicator does not
    vary among them, or fewer than 3 rated both)."""
    w = patterns.counts if patterns.weights is None else patterns.counts * patterns.weights
    bad = (patterns.states == BOTTOM).astype(np.float64)
    phi, _ = pairwise_correlations(bad, patterns.states != NOT_RATED, w, patterns.counts)
    return phi


def _alike_columns(out: pd.DataFrame, answers: AnswerPatterns, fit: PatternFit, confidence: float) -> None:
    """Write ``alike_group``, ``alike_phi`` and each group's joint penalty into ``out``; a member's
    ``factor`` is ``unclear`` (its own penalty and reward are not told apart from the others')."""
    group, strongest = alike_groups(answers)
    out["alike_group"] = group
    out["alike_phi"] = strongest
    for g in range(1, int(group.max(initial=0)) + 1):
        members = np.flatnonzero(group == g)
        c = np.zeros(fit.coef.size)
        # the penalty is minus the bottom-box coefficient; a member whose column the fit left out (a
        # stage rated exactly like another) has its effect in the kept member's coefficient
        columns = 1 + 3 * members
        c[columns[fit.kept[columns]]] = -1.0
        joint = combination_test(fit, c, confidence=confidence)
        out.loc[members, "joint_penalty"] = joint.estimate
        out.loc[members, "joint_ci_low"] = joint.ci_low
        out.loc[members, "joint_ci_high"] = joint.ci_high
        out.loc[members, "joint_p_value"] = joint.p_value
        out.loc[members, "factor"] = "unclear"

