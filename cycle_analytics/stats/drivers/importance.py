"""Stage importance for the outcome: derived (Johnson's relative weights, Spearman) and stated.

* :func:`derived_importance` - Johnson's (2000) relative weights on the complete-data respondents
  (the default), signed by the stage's coefficient in the full regression, with respondent-level
  bootstrap intervals; or Spearman's rho per stage from the outcome count table.
* :func:`relative_weights` - Johnson's relative weights on their own.
* :func:`relative_weight_fit` - the weights, the full regression (OLS with HC3 errors) and its
  R-squared from the respondent pattern table (:class:`~cycle_analytics.stats.tables.ScorePatterns`).
* :func:`importance_draws` - the respondent-level bootstrap behind the intervals and the priority
  stability (one set of resamples serves both); :func:`respondent_resamples` - its resamples.
* :func:`stated_importance` - the mean answer of the survey's importance questions.

Definitions
-----------
* **Modelled stages**: rated with more than one score by respondents with an outcome.
  **Complete-data respondents**: an outcome and a rating of every modelled stage.
* **Relative weight** ``eps_j`` (Johnson 2000): from the correlation matrix of the modelled stages'
  scores and the outcome over the complete-data respondents, ``Rxx = V diag(lam) V'``,
  ``Lambda = V diag(sqrt(lam)) V'``, ``beta = Lambda^-1 rxy``, ``eps_j = sum_k Lambda_jk^2 beta_k^2``;
  the weights sum to the R-squared of the regression of the outcome on the scores.
* **Full-model coefficient**: the stage's coefficient in that regression (OLS, intercept, HC3
  standard error, two-sided normal p-value as statsmodels' ``OLS.fit(cov_type="HC3")``), corrected
  across stages. ``importance`` is the weight with the coefficient's sign: a stage whose better
  rating goes with a *lower* outcome, the other stages held fixed, gets a negative importance.
* **Bootstrap** (``n_boot`` resamples, seeded): respondents are resampled with replacement, each
  with all their answers. They are listed in the order of the respondent pattern table (each
  pattern's respondents together; the table's order is canonical, so every backend gives the same
  list and the same seed the same resamples); with more than :data:`BOOTSTRAP_UNITS` respondents they are first dealt
  at random into that many groups of equal size (+-1) which are resampled whole (the random-group
  method, Wolter 2007, *Introduction to Variance Estimation*, ch. 2: the sums it resamples have
  the same variance). Per resample: the signed weights (modelled stages fixed) and every stage's
  ``score_100``. ``importance_ci_low``/``importance_ci_high``: the 2.5th and 97.5th percentiles
  (for ``confidence`` = 0.95) of the signed weights.
* **Survey weights** (a weighted pattern table): the correlations are weighted (weighted means,
  variances and covariances), the full regression is weighted least squares with HC3 errors
  (:func:`~cycle_analytics.stats.regression.ols_from_patterns`), and the bootstrap resamples
  respondents who keep their weight (weighted cross-products and weighted ``score_100`` per resample).
* **Weighted Spearman** (a weighted outcome table, :func:`spearman_importance`): the weighted
  Pearson correlation of the weighted midranks of the score and of the outcome (a category's
  midrank: the weight of the answers below it plus half its own, plus 1/2; duplicating a
  respondent is a weight of 2), its p-value from Student's t with ``n_eff - 2`` degrees of freedom
  (Kish's effective n of the stage's ratings with an outcome). With every weight 1 it is Spearman's rho.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.outcomes import outcome_table, respondent_outcomes, respondent_patterns
from cycle_analytics.stats.kernel import OutcomeTable, adjust_pvalues, pattern_sums, spearman_from_counts
from cycle_analytics.stats.regression import ols_from_patterns
from cycle_analytics.stats.tables import ScorePatterns
from cycle_analytics.stats.validation import (
    validate_choice,
    validate_confidence,
    validate_correction,
    validate_driver_inputs,
    validate_min_n,
    validate_outcome_table,
)
from cycle_analytics.stats.weights import kish_from_sums

__all__ = [
    "IMPORTANCE_METHODS",
    "BOOTSTRAP_UNITS",
    "RelativeWeightFit",
    "ImportanceDraws",
    "johnson_weights",
    "relative_weight_fit",
    "carried_relative_weight_fit",
    "importance_draws",
    "respondent_resamples",
    "relative_weights",
    "derived_importance",
    "derived_importance_from_tables",
    "spearman_importance",
    "stated_importance",
]

#: The derived importance methods; the first is the default.
IMPORTANCE_METHODS = ("relative_weight", "spearman")
#: Above this many respondents the bootstrap resamples random groups of respondents (see above).
BOOTSTRAP_UNITS = 5000


# --------------------------------------------------------------------------------------------
# Johnson's relative weights and the full regression
# --------------------------------------------------------------------------------------------


def johnson_weights(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's (2000) raw relative weights from a correlation matrix (last row/col = outcome).

    Steps: Rxx = V diag(lam) V' ; Lambda = Rxx^(1/2) = V diag(sqrt(lam)) V' (the correlations of
    the predictors with their closest orthogonal counterparts) ; beta = Lambda^-1 rxy (the
    outcome regressed on the orthogonal counterparts) ; eps_j = sum_k Lambda_jk^2 beta_k^2.
    Works on stacks of matrices (leading axes). Returns (weights, R-squared).

    Examples
    --------
    >>> eps, r2 = johnson_weights(np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.3], [0.6, 0.3, 1.0]]))
    >>> eps.round(2).tolist(), round(float(r2), 2)
    ([0.36, 0.09], 0.45)
    """
    rxx = corr[..., :-1, :-1]
    rxy = corr[..., :-1, -1]
    lam, vec = np.linalg.eigh(rxx)
    lam = np.clip(lam, 0.0, None)
    sq = np.sqrt(lam)
    half = (vec * sq[..., None, :]) @ np.swapaxes(vec, -1, -2)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_half = (vec * (1.0 / sq)[..., None, :]) @ np.swapaxes(vec, -1, -2)
    beta = (inv_half @ rxy[..., None])[..., 0]
    eps = (half**2 * (beta**2)[..., None, :]).sum(-1)
    return eps, eps.sum(-1)


@dataclass(frozen=True)
class RelativeWeightFit:
    """Relative weights and the full regression on the complete-data respondents.

    Per stage (NaN for stages left out): ``weight`` (Johnson's raw weight, >= 0), ``coefficient``
    (full-model OLS coefficient), ``p_value`` (its HC3 two-sided p-value). ``modelled``: which
    stages entered; ``complete``: which rows of the pattern table (their respondents) entered;
    ``n`` how many respondents;
    ``r_squared`` the regression's R-squared (NaN when it cannot be fitted).
    """

    weight: np.ndarray
    coefficient: np.ndarray
    p_value: np.ndarray
    modelled: np.ndarray
    complete: np.ndarray
    n: int
    r_squared: float

    @property
    def fits(self) -> bool:
        """Whether the regression could be fitted (enough complete respondents, a modelled stage)."""
        return bool(np.isfinite(self.r_squared))

    @property
    def importance(self) -> np.ndarray:
        """The weight signed by the coefficient (a zero coefficient counts as positive)."""
        return np.where(self.coefficient < 0, -self.weight, self.weight)


def _modelled_stages(patterns: ScorePatterns) -> np.ndarray:
    """Stages rated with more than one score by respondents with an outcome."""
    codes = patterns.codes()[np.isfinite(patterns.outcome)]
    if not len(codes):
        return np.zeros(codes.shape[1], dtype=bool)
    highest = codes.max(axis=0)  # -1 (not rated) is below every score code
    # as unsigned integers -1 is above every score code, so the minimum is the lowest rated one
    lowest = codes.view(np.dtype(f"u{codes.dtype.itemsize}")).min(axis=0).astype(np.int64)
    return (highest >= 0) & (highest > lowest)


def relative_weight_fit(patterns: ScorePatterns) -> RelativeWeightFit:
    """Johnson's weights and the full regression (see the module docstring) from the pattern table.

    Both come from the distinct complete-data answer rows with the count, sum and sum of squares
    of the outcome per row (:func:`~cycle_analytics.stats.kernel.pattern_sums`; the HC3 errors by
    :func:`~cycle_analytics.stats.regression.ols_from_patterns`). Without any outcome (the proxy)
    nothing can be fitted: every figure is NaN.

    Examples
    --------
    >>> from cycle_analytics.stats.tables import score_patterns
    >>> scores = np.array([[1, 2], [2, 1], [3, 3], [4, 2], [5, 5], [2, 4]], dtype=float)
    >>> p = score_patterns(("A", "B"), Scale(1, 5), scores, np.array([1.0, 2, 3, 4, 5, 2]), np.ones(6, dtype=int))
    >>> fit = relative_weight_fit(p)
    >>> fit.n, bool(abs(fit.weight.sum() - fit.r_squared) < 1e-12)
    (6, True)
    """
    n_st = len(patterns.stages)
    modelled = _modelled_stages(patterns)
    codes = patterns.codes()
    complete = np.isfinite(patterns.outcome) & (codes[:, modelled] >= 0).all(axis=1) & modelled.any()
    n = int(patterns.counts[complete].sum())
    nan = np.full(n_st, np.nan)
    p = int(modelled.sum())
    if n < p + 2 or p == 0:
        return RelativeWeightFit(nan, nan.copy(), nan.copy(), modelled, complete, n, float("nan"))
    if patterns.weights is None:
        rows, counts, sums, sumsq = pattern_sums(codes[complete][:, modelled], patterns.scale.points,
                                                 patterns.outcome[complete], weights=patterns.counts[complete])
        x, row_weights, moments = rows.astype(np.float64), None, (counts, sums, sumsq)
    else:  # weighted: the weight is one more key column (the WLS leverage needs each row's weight)
        x, row_weights, counts, sums, sumsq = _weighted_rows(patterns, complete, modelled)
        moments = (counts * row_weights, sums * row_weights, sumsq * row_weights)  # the weighted correlations
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: see regression.ols_from_patterns
        eps, r2 = johnson_weights(_pattern_correlations(x, *moments))
    ols = ols_from_patterns(np.column_stack([np.ones(len(x)), x]), counts, sums, sumsq, weights=row_weights)
    weight, coefficient, p_value = nan.copy(), nan.copy(), nan.copy()
    if np.isfinite(r2):
        weight[modelled] = eps
        coefficient[modelled] = ols.coef[1:]
        p_value[modelled] = ols.p_value[1:]
    return RelativeWeightFit(weight, coefficient, p_value, modelled, complete, n, float(r2))


def _weighted_rows(patterns: ScorePatterns, complete: np.ndarray, modelled: np.ndarray):
    """``(x, weights, counts, sums, sumsq)``: the distinct (modelled score codes, weight) rows of the
    complete-data respondents of a weighted pattern table, with their outcome sums (unweighted)."""
    weight_values, weight_code = np.unique(patterns.weights[complete], return_inverse=True)
    keyed = np.column_stack([patterns.codes()[complete][:, modelled].astype(np.int64), weight_code.ravel()])
    rows, counts, sums, sumsq = pattern_sums(keyed, max(patterns.scale.points, len(weight_values)),
                                             patterns.outcome[complete], weights=patterns.counts[complete])
    return rows[:, :-1].astype(np.float64), weight_values[rows[:, -1]], counts, sums, sumsq


def carried_relative_weight_fit(patterns: ScorePatterns | None, draws: ImportanceDraws | None) -> RelativeWeightFit:
    """The full-sample fit the bootstrap ``draws`` carry, else :func:`relative_weight_fit` of ``patterns``.

    Importance and priorities share one set of draws; taking the fit from them avoids fitting twice.
    """
    if draws is not None and draws.fit is not None:
        return draws.fit
    if patterns is None:
        raise SurveyError(_("Relative weights need the respondent pattern table (or bootstrap draws with their fit)."))
    return relative_weight_fit(patterns)


def _pattern_correlations(x: np.ndarray, counts: np.ndarray, sums: np.ndarray, sumsq: np.ndarray) -> np.ndarray:
    """Correlation matrix of the columns of ``x`` and the outcome (last) over the respondents of
    distinct rows ``x`` with their counts and outcome sums (deviations from the means first)."""
    n = counts.sum()
    mean_x = counts @ x / n
    mean_y = sums.sum() / n
    xc = x - mean_x
    cov = np.empty((x.shape[1] + 1, x.shape[1] + 1))
    cov[:-1, :-1] = (xc * counts[:, None]).T @ xc
    cov[:-1, -1] = cov[-1, :-1] = xc.T @ (sums - counts * mean_y)
    cov[-1, -1] = float(np.sum(sumsq - 2.0 * mean_y * sums + counts * mean_y * mean_y))
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(sd, sd)


# --------------------------------------------------------------------------------------------
# the respondent-level bootstrap
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportanceDraws:
    """Bootstrap resamples of the relative weights and of the stages' performance.

    ``importance[b, j]``: the signed weight of stage ``j`` in resample ``b`` (NaN for stages left
    out of the model, or all NaN when the model cannot be fitted); ``performance[b, j]``: the
    stage's ``score_100`` in the resample. ``units``: what was resampled (respondents, or random
    groups of them when ``grouped``); ``seed``: the seed; ``fit``: the full-sample
    :func:`relative_weight_fit` (None with the proxy).
    """

    importance: np.ndarray
    performance: np.ndarray
    units: int
    grouped: bool
    seed: int
    fit: RelativeWeightFit | None = None

    @property
    def n_boot(self) -> int:
        return int(self.performance.shape[0])


def importance_draws(
    patterns: ScorePatterns, n_boot: int = 200, seed: int = 0, *, fit: RelativeWeightFit | None = None
) -> ImportanceDraws:
    """Resample respondents ``n_boot`` times (seeded) for the weights and the stages' performance.

    See the module docstring for the scheme: the respondents of the pattern table are listed in
    its order, so the same table and seed give the same resamples whoever built the table.
    ``fit`` (the full-sample :func:`relative_weight_fit`) fixes the modelled stages and the
    complete-data respondents; it is computed when not given. Without an outcome (the proxy) only
    the performance is resampled.

    Examples
    --------
    >>> from cycle_analytics.stats.tables import score_patterns
    >>> scores = np.array([[1, 2], [2, 1], [3, 3], [4, 2], [5, 5], [2, 4]], dtype=float)
    >>> p = score_patterns(("A", "B"), Scale(1, 5), scores, np.array([1.0, 2, 3, 4, 5, 2]), np.ones(6, dtype=int))
    >>> d = importance_draws(p, 50, seed=1)
    >>> d.importance.shape, d.grouped
    ((50, 2), False)
    """
    n_resp, n_st = patterns.respondents, len(patterns.stages)
    if fit is None and patterns.has_outcome:
        fit = relative_weight_fit(patterns)
    if n_boot == 0 or n_resp == 0:
        empty = np.full((n_boot, n_st), np.nan)
        return ImportanceDraws(empty, empty.copy(), 0, False, seed, fit)
    units, grouped, w = respondent_resamples(n_resp, n_boot, seed)
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: see regression.ols_from_patterns
        return _resample(patterns, fit, units, grouped, w, seed)


def respondent_resamples(n_resp: int, n_boot: int, seed: int) -> tuple[np.ndarray, bool, np.ndarray]:
    """The respondent resamples of the bootstrap (module docstring), seeded.

    Returns ``(units, grouped, drawn)``: ``units`` the respondent positions (in pattern-table order)
    of each resampling unit, one column per unit (position ``n_resp`` pads); ``grouped`` whether the
    units are random groups of respondents; ``drawn[b, u]`` how often resample ``b`` draws unit ``u``
    (float64). :func:`importance_draws` and the priorities' Spearman bootstrap of a weighted survey
    share it, so the same seed gives them the same resamples.

    Examples
    --------
    >>> units, grouped, drawn = respondent_resamples(4, 3, seed=0)
    >>> units.shape, grouped, drawn.sum(axis=1).tolist()
    ((1, 4), False, [4.0, 4.0, 4.0])
    """
    rng = np.random.default_rng(seed)
    units, grouped = _units(n_resp, rng)
    n_units = units.shape[1]
    picks = rng.integers(0, n_units, size=(n_boot, n_units)) + (np.arange(n_boot) * n_units)[:, None]
    drawn = np.bincount(picks.ravel(), minlength=n_boot * n_units).reshape(n_boot, n_units).astype(np.float64)
    return units, grouped, drawn


def _resample(patterns: ScorePatterns, fit, units, grouped, w, seed) -> ImportanceDraws:
    """The resampling of :func:`importance_draws` once the units are dealt and drawn (``w``)."""
    n_st = len(patterns.stages)
    rated_sum, rated_n, moments = _unit_sums(patterns, fit, units)
    n_units = units.shape[1]
    n_boot = w.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        performance = (w @ rated_sum) / (w @ rated_n) * (100.0 / (patterns.scale.points - 1))
    importance = np.full((n_boot, n_st), np.nan)
    if moments is not None:
        importance[:, fit.modelled] = _signed_weights(w @ moments.reshape(n_units, -1), moments.shape[1])
    return ImportanceDraws(importance, performance, n_units, grouped, seed, fit)


def _units(n_resp: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Respondent positions of the resampling units, ``(members, units)`` (position ``n_resp``
    pads): one respondent each up to :data:`BOOTSTRAP_UNITS` respondents, else that many random
    groups whose sizes differ by at most one (column ``u`` lists unit ``u``'s members)."""
    order = rng.permutation(n_resp)
    if n_resp <= BOOTSTRAP_UNITS:
        return order[None, :], False
    size = -(-n_resp // BOOTSTRAP_UNITS)
    padded = np.concatenate([order, np.full(BOOTSTRAP_UNITS * size - n_resp, n_resp)])
    # row-major deal: unit u gets order[u], order[u + U], ... so sizes differ by at most one
    return padded.reshape(size, BOOTSTRAP_UNITS), True


#: Respondent rows gathered at once by :func:`_unit_sums` (member positions x units).
_GATHER_ROWS = 2**21


def _unit_sums(patterns: ScorePatterns, fit: RelativeWeightFit | None, units: np.ndarray):
    """Per unit: the sum and number of each stage's ratings (score codes), and the cross-products
    of ``[1, modelled score codes, outcome - its minimum]`` over its complete-data respondents
    (None without a model).

    One row of small integers per *pattern* is built, and each respondent's row is gathered from
    it with ``np.take`` (the cheap way to regroup a million respondents); the cross-products are
    summed in float32 when every value is a whole number and every unit sum stays below 2**24
    (then float32 is exact), else in float64.
    """
    if patterns.weights is not None:
        return _weighted_unit_sums(patterns, fit, units)
    n_pat, n_st = len(patterns.counts), len(patterns.stages)
    codes = patterns.codes()
    has_model = fit is not None and fit.fits
    small = True
    shifted = np.empty(0)
    if has_model:
        y = patterns.outcome[fit.complete]
        shifted = y - float(y.min())
        small = bool(np.array_equal(shifted, np.rint(shifted))) and float(shifted.max()) < 127
    n_model = int(fit.modelled.sum()) + 2 if has_model else 0
    # one row per pattern: [stage codes | complete, modelled codes, shifted outcome (0 unless complete)]
    rows = np.zeros((n_pat + 1, n_st + n_model), dtype=np.int8 if small and codes.dtype == np.int8 else np.float64)
    rows[:-1, :n_st] = codes
    rows[-1, :n_st] = -1  # the padding respondent rated nothing
    if has_model:
        rows[:-1, n_st][fit.complete] = 1
        rows[:-1, n_st + 1 : -1][fit.complete] = codes[fit.complete][:, fit.modelled]
        rows[:-1, -1][fit.complete] = shifted
    pattern_of = np.append(patterns.respondent_rows(), n_pat)  # the padding position n_resp -> the padding row
    n_units = units.shape[1]
    rated_n = np.zeros((n_units, n_st), dtype=np.int64)
    code_sum = np.zeros((n_units, n_st), dtype=np.int64)
    exact32 = False
    if has_model:
        biggest = max(float(shifted.max()), float(patterns.scale.points - 1), 1.0)
        exact32 = small and units.shape[0] * biggest * biggest < 2**24
    moments = np.zeros((n_units, n_model, n_model)) if has_model else None
    # the units' members are gathered a block of member positions at a time: the same sums (whole
    # numbers, exact in float32 below 2**24 per unit, and in float64), without holding every
    # respondent's row at once (14 million respondents: 0.9 GB gathered and converted)
    block = max(1, _GATHER_ROWS // max(n_units, 1))
    for start in range(0, units.shape[0], block):
        gathered = np.take(rows, np.take(pattern_of, units[start:start + block]), axis=0)  # (m_block, U, columns)
        stage_codes = gathered[..., :n_st]
        rated_n += (stage_codes >= 0).sum(axis=0, dtype=np.int64)
        code_sum += stage_codes.sum(axis=0, dtype=np.int64)
        if has_model:
            z = gathered[..., n_st:].astype(np.float32 if exact32 else np.float64)
            moments += np.einsum("mui,muj->uij", z, z, optimize=True)
    # the -1 of every unrated cell is added back
    rated_sum = code_sum.astype(np.float64) + (units.shape[0] - rated_n)
    return rated_sum, rated_n.astype(np.float64), moments


def _weighted_unit_sums(patterns: ScorePatterns, fit: RelativeWeightFit | None, units: np.ndarray):
    """:func:`_unit_sums` of a weighted pattern table: every respondent keeps their survey weight,
    so per unit the weighted sums of the stage codes, the sums of the weights of each stage's
    raters and the weighted cross-products (float64)."""
    n_pat, n_st = len(patterns.counts), len(patterns.stages)
    codes = patterns.codes().astype(np.float64)
    pattern_of = np.take(np.append(patterns.respondent_rows(), n_pat), units)  # (m, U); n_pat = padding
    weight = np.take(np.append(patterns.weights, 0.0), pattern_of)
    stage_codes = np.take(np.vstack([codes, np.full((1, n_st), -1.0)]), pattern_of, axis=0)
    rated = stage_codes >= 0
    rated_n = np.einsum("mu,muj->uj", weight, rated.astype(np.float64))
    rated_sum = np.einsum("mu,muj->uj", weight, np.where(rated, stage_codes, 0.0))
    if fit is None or not fit.fits:
        return rated_sum, rated_n, None
    y = patterns.outcome[fit.complete]
    rows = np.zeros((n_pat + 1, int(fit.modelled.sum()) + 2))
    rows[:-1, 0][fit.complete] = 1.0
    rows[:-1, 1:-1][fit.complete] = codes[fit.complete][:, fit.modelled]
    rows[:-1, -1][fit.complete] = y - float(y.min())
    z = np.take(rows, pattern_of, axis=0)
    moments = np.einsum("mui,muj,mu->uij", z, z, weight, optimize=True)
    return rated_sum, rated_n, moments


def _signed_weights(flat_moments: np.ndarray, width: int) -> np.ndarray:
    """Signed relative weights from resampled cross-products of ``[1, scores, outcome]`` (B x width**2)."""
    m = flat_moments.reshape(-1, width, width)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = m[:, 0, 0][:, None, None]
        mean = m[:, 0, 1:] / n[:, :, 0]
        cov = m[:, 1:, 1:] / n - mean[:, :, None] * mean[:, None, :]
        sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0.0, None))
        corr = cov / (sd[:, :, None] * sd[:, None, :])
    ok = np.isfinite(corr).all(axis=(1, 2))
    out = np.full((m.shape[0], width - 2), np.nan)
    if ok.any():
        eps, _ = johnson_weights(corr[ok])
        coef = np.linalg.solve(cov[ok][:, :-1, :-1], cov[ok][:, :-1, -1:])[..., 0]
        out[ok] = np.where(coef < 0, -eps, eps)
    return out


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


def relative_weights(
    ratings: pd.DataFrame, y: np.ndarray, *, scale: Scale | None = None, correction: str = "holm",
    n_boot: int = 0, seed: int = 0, confidence: float = 0.95,
) -> pd.DataFrame:
    """Johnson's (2000) relative weights of the stages for the outcome (see the module docstring).

    Respondents with complete data (every modelled stage rated and an outcome) enter the
    regression; stages nobody rated or rated with one value only are left out (weight NaN).
    The raw weights sum to R-squared; ``share_pct`` is each weight as a percentage of R-squared.

    Returns columns ``stage, method, importance, n, p_value, r_squared, share_pct`` then
    ``weight, coefficient, p_adjusted, importance_ci_low, importance_ci_high`` (NaN intervals
    when ``n_boot`` is 0).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n = 200
    >>> s1, s2 = rng.integers(1, 6, n), rng.integers(1, 6, n)
    >>> out = np.clip(np.rint((s1 + s2) / 2 + rng.normal(0, .5, n)), 1, 5)
    >>> r = pd.DataFrame({"response_id": pd.Categorical(np.repeat(np.arange(n), 2)),
    ...     "stage": pd.Categorical(np.tile(["A", "B"], n), categories=["A", "B"], ordered=True),
    ...     "score": np.column_stack([s1, s2]).ravel().astype(float)})
    >>> rw = relative_weights(r, np.repeat(out, 2))
    >>> bool(abs(rw.importance.sum() - rw.r_squared.iloc[0]) < 1e-12)
    True
    """
    y = validate_driver_inputs(ratings, y, correction=correction, confidence=confidence)
    table = outcome_table(ratings, y, scale)
    patterns = _respondent_patterns_of(ratings, y, table.scale)
    fit = relative_weight_fit(patterns)
    draws = importance_draws(patterns, n_boot, seed, fit=fit) if n_boot else None
    return _relative_weight_frame(table, fit, draws, correction, confidence)


def _respondent_patterns_of(ratings: pd.DataFrame, y: np.ndarray, scale: Scale) -> ScorePatterns:
    """The pattern table of ratings with one outcome per respondent; raises for the proxy."""
    if respondent_outcomes(ratings, y) is None:
        raise SurveyError(
            _("Relative weights need one outcome per respondent (an outcome question); with the proxy outcome use Spearman importance.")
        )
    return respondent_patterns(ratings, y, scale)


def _relative_weight_frame(
    table: OutcomeTable, fit: RelativeWeightFit, draws: ImportanceDraws | None, correction: str, confidence: float
) -> pd.DataFrame:
    """The table of :func:`relative_weights` from the fit and (optionally) the bootstrap."""
    n_stages = len(table.stage_dtype.categories)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = fit.weight / fit.r_squared * 100.0
    lo, hi = np.full(n_stages, np.nan), np.full(n_stages, np.nan)
    if draws is not None and draws.n_boot:
        drawn = np.isfinite(draws.importance).any(axis=0)
        if drawn.any():
            tail = (1.0 - confidence) / 2.0 * 100.0
            lo[drawn], hi[drawn] = np.nanpercentile(draws.importance[:, drawn], [tail, 100.0 - tail], axis=0)
    return pd.DataFrame(
        {
            "stage": table.stage_column(),
            "method": "relative_weight",
            "importance": fit.importance,
            "n": np.full(n_stages, fit.n, dtype=np.int64),
            "p_value": fit.p_value,
            "r_squared": np.full(n_stages, fit.r_squared),
            "share_pct": share,
            "weight": fit.weight,
            "coefficient": fit.coefficient,
            "p_adjusted": adjust_pvalues(fit.p_value, correction),
            "importance_ci_low": lo,
            "importance_ci_high": hi,
        }
    )


def derived_importance(
    ratings: pd.DataFrame, y: np.ndarray, *, method: str = "relative_weight", scale: Scale | None = None,
    min_n: int = 30, correction: str = "holm", confidence: float = 0.95, n_boot: int = 200, seed: int = 0,
    table: OutcomeTable | None = None, patterns: ScorePatterns | None = None, draws: ImportanceDraws | None = None,
) -> pd.DataFrame:
    """Derived importance of each stage for the outcome.

    The ratings form of :func:`derived_importance_from_tables` (same columns): the outcome table
    and, for relative weights, the respondent pattern table are counted from the ratings unless given.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table.
    y : array of float
        One outcome per rating (:func:`~cycle_analytics.stats.drivers.rating_outcomes`); binary
        outcomes coded 0/1.
    method : {"relative_weight", "spearman"}
        See :func:`derived_importance_from_tables`.
    scale, table, patterns : optional
        The rating scale, or a prebuilt :func:`~cycle_analytics.stats.drivers.outcome_table` /
        :func:`~cycle_analytics.stats.drivers.respondent_patterns` to skip their passes.
    min_n, correction, confidence, n_boot, seed, draws
        As :func:`derived_importance_from_tables`.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(list("abcd")),
    ...                   "stage": pd.Categorical(["X"] * 4, categories=["X"], ordered=True),
    ...                   "score": [1.0, 2.0, 3.0, 4.0]})
    >>> derived_importance(r, np.array([1.0, 3.0, 2.0, 5.0]), method="spearman").importance.round(2).tolist()
    [0.8]
    """
    y = validate_driver_inputs(ratings, y, correction=correction, confidence=confidence)
    validate_choice(method, IMPORTANCE_METHODS, "importance method")
    if table is None:
        table = outcome_table(ratings, y, scale)
    validate_outcome_table(table, ratings, scale)
    if method == "relative_weight" and patterns is None and (draws is None or draws.fit is None):
        patterns = _respondent_patterns_of(ratings, y, table.scale)
    return derived_importance_from_tables(table, patterns, method=method, min_n=min_n, correction=correction,
                                          confidence=confidence, n_boot=n_boot, seed=seed, draws=draws)


def derived_importance_from_tables(
    table: OutcomeTable, patterns: ScorePatterns | None, *, method: str = "relative_weight", min_n: int = 30,
    correction: str = "holm", confidence: float = 0.95, n_boot: int = 200, seed: int = 0, draws: ImportanceDraws | None = None,
) -> pd.DataFrame:
    """Derived importance of each stage for the outcome, from the count tables.

    Parameters
    ----------
    table : OutcomeTable
        Stage x outcome value x score counts (Spearman; the outcome counts).
    patterns : ScorePatterns or None
        The respondent pattern table with the respondents' outcome (relative weights; not needed
        when ``draws`` carries its full-sample fit, nor for Spearman).
    method : {"relative_weight", "spearman"}
        Johnson's relative weights signed by the full-model coefficient (complete data; see the
        module docstring), with bootstrap intervals; or Spearman's rho (ties averaged) over the
        ratings with an outcome, with its t-based p-value (no interval).
    min_n : int
        ``small_sample`` is true below this many ratings with an outcome (Spearman) or
        complete-data respondents (relative weights).
    correction : str
        Correction of the p-values across stages (``p_adjusted``).
    n_boot, seed, confidence, draws
        The bootstrap of the relative weights (:func:`importance_draws`; ``draws`` reuses one,
        with its full-sample fit).

    Returns
    -------
    DataFrame
        ``stage, method, importance, n, p_value, n_missing_outcome, small_sample, p_adjusted``,
        and for relative weights also ``r_squared, share_pct, weight, coefficient,
        importance_ci_low, importance_ci_high``. Stages that cannot be computed get NaN.
    """
    validate_choice(method, IMPORTANCE_METHODS, "importance method")
    validate_correction(correction)
    validate_confidence(confidence)
    validate_min_n(min_n)
    n_missing = table.missing.sum(-1).astype(np.int64)
    if method == "relative_weight":
        fit = carried_relative_weight_fit(patterns, draws)
        if n_boot and (draws is None or draws.fit is None):
            draws = importance_draws(patterns, n_boot, seed, fit=fit)
        out = _relative_weight_frame(table, fit, draws, correction, confidence)
        out.insert(5, "n_missing_outcome", n_missing)
        out.insert(6, "small_sample", out["n"].to_numpy() < min_n)
        return out[["stage", "method", "importance", "n", "p_value", "n_missing_outcome", "small_sample", "p_adjusted",
                    "r_squared", "share_pct", "weight", "coefficient", "importance_ci_low", "importance_ci_high"]]
    r, p, n_eff = spearman_importance(table)
    n = table.counts.sum(axis=(-1, -2))
    return pd.DataFrame(
        {
            "stage": table.stage_column(),
            "method": "spearman",
            "importance": r,
            "n": n.astype(np.int64),
            "p_value": p,
            "n_missing_outcome": n_missing,
            "small_sample": n_eff < min_n,
            "p_adjusted": adjust_pvalues(p, correction),
        }
    )


def spearman_importance(table: OutcomeTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spearman's rho of each stage's score with the outcome, its p-value and the (effective) n.

    An unweighted table gives :func:`~cycle_analytics.stats.kernel.spearman_from_counts` (as
    :func:`scipy.stats.spearmanr`); a weighted one the weighted Spearman of the module docstring:
    :func:`~cycle_analytics.stats.kernel.spearman_from_counts` of the stage's sums of weights scaled
    to Kish's effective n (the midranks' ``+1/2`` cancels in the centred ranks, so rho is the weighted
    Pearson correlation of the weighted midranks, and the t test has ``n_eff - 2`` degrees of freedom).

    Examples
    --------
    >>> from cycle_analytics.stats.tables import ScoreCounts
    >>> frame = pd.DataFrame({"stage": pd.Categorical(["X"] * 3, categories=["X"], ordered=True),
    ...     "outcome": [1.0, 3.0, 5.0], "score": [1, 3, 5], "n": [1, 1, 1], "weight": [2.0, 1.0, 1.0], "weight_sq": [4.0, 1.0, 1.0]})
    >>> r, p, n_eff = spearman_importance(ScoreCounts(("X",), Scale(1, 5), ("outcome",), frame).outcome_table())
    >>> float(r[0]), round(float(n_eff[0]), 4)
    (1.0, 2.6667)
    """
    if not table.is_weighted:
        return spearman_from_counts(table.counts)
    weights = np.asarray(table.weights, dtype=np.float64)
    total = weights.sum(axis=(-1, -2))
    n_eff = kish_from_sums(total, np.asarray(table.squares, dtype=np.float64).sum(axis=(-1, -2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(total > 0, n_eff / np.where(total > 0, total, 1.0), 0.0)
    r, p, _ = spearman_from_counts(weights * factor[..., None, None])
    return r, p, n_eff


def stated_importance(responses: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """Mean stated importance per stage, from the survey's importance questions.

    Parameters
    ----------
    responses : DataFrame
        The responses table.
    columns : dict
        ``{stage: column}``: the importance question of each stage (numbers; empty cells skipped).

    Returns
    -------
    DataFrame
        ``stage, column, n, mean, sd`` in the order of ``columns``.

    Examples
    --------
    >>> resp = pd.DataFrame({"imp_a": [5, 4, None], "imp_b": ["3", "2", "1"]})
    >>> stated_importance(resp, {"A": "imp_a", "B": "imp_b"})["mean"].tolist()
    [4.5, 2.0]
    """
    if not isinstance(columns, dict) or not columns:
        raise SurveyError(_("Stated importance needs a mapping of stages to importance-question columns."))
    rows = []
    for stage, col in columns.items():  # one entry per stage, not per row
        if col not in responses.columns:
            raise SurveyError(_("The importance column {col!r} for the stage {stage!r} is not in the responses table.").format(col=col, stage=stage))
        v = _importance_answers(responses[col], col)
        rows.append((str(stage), str(col), len(v), v.mean() if len(v) else np.nan, v.std(ddof=1) if len(v) > 1 else np.nan))
    names = [r[0] for r in rows]
    return pd.DataFrame(
        {
            "stage": pd.Categorical(names, categories=names, ordered=True),
            "column": [r[1] for r in rows],
            "n": np.array([r[2] for r in rows], dtype=np.int64),
            "mean": np.array([r[3] for r in rows], dtype=np.float64),
            "sd": np.array([r[4] for r in rows], dtype=np.float64),
        }
    )


def _importance_answers(s: pd.Series, col: str) -> np.ndarray:
    """The finite answers of one importance question; raises on text that is not a number."""
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        txt = s.astype("str").str.strip()
        v = pd.to_numeric(txt, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isnan(v) & s.notna().to_numpy() & (txt.to_numpy() != "")
        if bad.any():
            raise SurveyError(
                _("The importance column {col!r} holds the non-numeric answer {iloc!r}.").format(col=col, iloc=txt[bad].iloc[0])
            )
    return v[np.isfinite(v)]
