"""Least squares with heteroscedasticity-robust (HC3) errors, fitted from a table of distinct rows.

A survey's design matrix has few distinct rows (answer patterns) however many respondents it has.
Everything ordinary least squares needs, HC3 included, follows from each distinct row ``x_p`` with
the number of respondents ``n_p`` who share it and the sum ``S_p`` and sum of squares ``Q_p`` of
their outcomes:

* ``X'X = sum_p n_p x_p x_p'`` and ``X'y = sum_p S_p x_p``, so ``b = (X'X)^-1 X'y``;
* the residual sum of squares of the pattern is ``Q_p - 2 f_p S_p + n_p f_p^2`` with the fitted
  value ``f_p = x_p'b``;
* the leverage ``h_p = x_p'(X'X)^-1 x_p`` is the same for every respondent of the pattern, so
  the HC3 "meat" (MacKinnon & White 1985) ``sum_i x_i x_i' e_i^2 / (1 - h_i)^2`` is
  ``sum_p x_p x_p' RSS_p / (1 - h_p)^2``.

The result equals ``statsmodels`` ``OLS(y, X).fit(cov_type="HC3")`` on the expanded data (one row
per respondent): coefficients, robust standard errors, normal (z) p-values and intervals (the
statsmodels default for a robust covariance).

**Survey weights** (weighted least squares): when every respondent of a row has the same weight
``w_p`` (the weighted pattern tables key each row by the weight too), ``X'WX = sum_p n_p w_p x_p x_p'``,
``X'Wy = sum_p w_p S_p x_p``, the leverage is ``w_p x_p'(X'WX)^-1 x_p`` and the HC3 meat
``sum_p w_p**2 x_p x_p' RSS_p / (1 - h_p)**2``; R-squared is ``1 - sum w e**2 / sum w (y - mean_w)**2``.
This equals ``statsmodels`` ``WLS(y, X, weights=w).fit(cov_type="HC3")`` on the expanded data. Columns that are empty or a linear combination of
earlier ones are left out of the fit (their coefficient is NaN), so a stage nobody rated, or a
dummy that nobody's answer switches on, does not break the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, special
from threadpoolctl import threadpool_limits

__all__ = ["PatternFit", "ols_from_patterns", "CombinationTest", "combination_test"]

#: A column whose part not explained by the earlier columns is below this share of its own
#: length is treated as collinear and left out.
COLLINEARITY_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PatternFit:
    """An OLS fit with HC3 errors (see the module docstring).

    ``coef``, ``se``, ``p_value``, ``ci_low``, ``ci_high`` have one entry per design column (NaN
    for the columns left out, ``kept`` false); ``cov`` is the HC3 covariance of the kept columns
    (NaN elsewhere). ``n`` is the number of respondents, ``r_squared`` the usual R-squared.
    """

    coef: np.ndarray
    se: np.ndarray
    p_value: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    cov: np.ndarray
    kept: np.ndarray
    n: int
    r_squared: float


def ols_from_patterns(
    design: np.ndarray,
    counts: np.ndarray,
    sums: np.ndarray,
    sumsq: np.ndarray,
    *,
    confidence: float = 0.95,
    weights: np.ndarray | None = None,
) -> PatternFit:
    """Fit ``y = X b`` by OLS (or WLS) with HC3 errors from distinct rows of ``X`` and outcome sums.

    Parameters
    ----------
    design : array (k, q)
        The distinct design rows (include a column of ones for an intercept).
    counts, sums, sumsq : array (k,)
        Per row: respondents, sum of their outcomes, sum of the squared outcomes.
    confidence : float
        Level of the normal intervals.
    weights : array (k,), optional
        The survey weight of each row's respondents: weighted least squares (module docstring).

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> fit = ols_from_patterns(x, np.array([2, 2]), np.array([2.0, 8.0]), np.array([2.0, 34.0]))
    >>> fit.coef.tolist(), round(float(fit.se[1]), 4)
    ([1.0, 3.0], 1.4142)
    """
    # Small matrices: one BLAS thread is as fast, and several spin against other work on a busy
    # machine (measured: 30 ms with one thread, 160 ms with two on a loaded 2-core machine).
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(design, counts, sums, sumsq, confidence, weights)


def _fit(design, counts, sums, sumsq, confidence: float, weights=None) -> PatternFit:
    """The body of :func:`ols_from_patterns` (module docstring)."""
    x = np.asarray(design, dtype=np.float64)
    w = np.asarray(counts, dtype=np.float64)
    s = np.asarray(sums, dtype=np.float64)
    q2 = np.asarray(sumsq, dtype=np.float64)
    used = w > 0
    x, w, s, q2 = x[used], w[used], s[used], q2[used]
    if weights is not None:
        return _weighted_fit(x, w, s, q2, np.asarray(weights, dtype=np.float64)[used], confidence)
    n_cols = x.shape[1]
    gram = (x * w[:, None]).T @ x
    kept = _independent_columns(gram)
    nan = np.full(n_cols, np.nan)
    n = int(round(w.sum()))
    if not kept.any() or n <= int(kept.sum()):
        cov = np.full((n_cols, n_cols), np.nan)
        return PatternFit(nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), cov, kept, n, float("nan"))
    xk = x[:, kept]
    inv = np.linalg.inv(gram[np.ix_(kept, kept)])
    beta = inv @ (xk.T @ s)
    fitted = xk @ beta
    rss = np.clip(q2 - 2.0 * fitted * s + w * fitted * fitted, 0.0, None)
    leverage = ((xk @ inv) * xk).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # a row with leverage 1 is fitted exactly (its residual is 0): it adds nothing to the meat
        scale = np.where(leverage < 1.0 - 1e-10, rss / (1.0 - leverage) ** 2, 0.0)
    meat = (xk * scale[:, None]).T @ xk
    total = s.sum()
    sst = q2.sum() - total * total / w.sum()
    r2 = 1.0 - rss.sum() / sst if sst > 0 else float("nan")
    return _sandwich_fit(beta, inv, meat, kept, n, float(r2), confidence)


def _weighted_fit(x, n, s, q2, wt, confidence: float) -> PatternFit:
    """Weighted least squares with HC3 errors (module docstring) of rows ``x`` with ``n``
    respondents of weight ``wt`` each, their outcome sums ``s`` and sums of squares ``q2``."""
    n_cols = x.shape[1]
    a = n * wt
    gram = (x * a[:, None]).T @ x
    kept = _independent_columns(gram)
    nan = np.full(n_cols, np.nan)
    n_resp = int(round(n[wt > 0].sum()))
    if not kept.any() or n_resp <= int(kept.sum()):
        cov = np.full((n_cols, n_cols), np.nan)
        return PatternFit(nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), cov, kept, n_resp, float("nan"))
    xk = x[:, kept]
    inv = np.linalg.inv(gram[np.ix_(kept, kept)])
    beta = inv @ (xk.T @ (wt * s))
    fitted = xk @ beta
    rss = np.clip(q2 - 2.0 * fitted * s + n * fitted * fitted, 0.0, None)  # unweighted residuals of the row
    leverage = wt * ((xk @ inv) * xk).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(leverage < 1.0 - 1e-10, wt * wt * rss / (1.0 - leverage) ** 2, 0.0)
    meat = (xk * scale[:, None]).T @ xk
    total_w, total = a.sum(), (wt * s).sum()
    sst = (wt * q2).sum() - total * total / total_w if total_w > 0 else 0.0
    r2 = 1.0 - (wt * rss).sum() / sst if sst > 0 else float("nan")
    return _sandwich_fit(beta, inv, meat, kept, n_resp, float(r2), confidence)


def _sandwich_fit(beta, inv, meat, kept, n: int, r2: float, confidence: float) -> PatternFit:
    """The fit from its coefficients on the ``kept`` columns and the HC3 sandwich ``inv @ meat @ inv``:
    standard errors, normal-theory p-values and intervals, NaN for the dropped columns."""
    n_cols = kept.size
    nan = np.full(n_cols, np.nan)
    cov_k = inv @ meat @ inv
    se_k = np.sqrt(np.clip(np.diag(cov_k), 0.0, None))
    z = special.ndtri(0.5 + confidence / 2.0)
    coef, se = nan.copy(), nan.copy()
    coef[kept], se[kept] = beta, se_k
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(se > 0, 2.0 * special.ndtr(-np.abs(coef / se)), np.nan)
    cov = np.full((n_cols, n_cols), np.nan)
    cov[np.ix_(kept, kept)] = cov_k
    return PatternFit(coef, se, p, coef - z * se, coef + z * se, cov, kept, n, r2)


def _independent_columns(gram: np.ndarray) -> np.ndarray:
    """Which columns to keep: in order, each column that is non-empty and not (numerically) a
    linear combination of the columns kept before it (a Cholesky factorisation that skips them)."""
    q = gram.shape[0]
    kept = np.zeros(q, dtype=bool)
    chol = np.zeros((q, q))  # rows of the kept columns' Cholesky factor, in the kept order
    rows: list[int] = []
    for j in range(q):  # one step per design column (a few dozen), not per respondent
        d = gram[j, j]
        if not d > 0:
            continue
        k = len(rows)
        v = linalg.solve_triangular(chol[:k, :k], gram[rows, j], lower=True) if k else np.empty(0)
        rest = d - float(v @ v)
        if rest <= COLLINEARITY_TOLERANCE * d:
            continue
        chol[k, :k] = v
        chol[k, k] = np.sqrt(rest)
        rows.append(j)
        kept[j] = True
    return kept


@dataclass(frozen=True)
class CombinationTest:
    """A linear combination ``c @ coef`` of a fit's coefficients: its estimate, standard error
    (``sqrt(c @ cov @ c)``, the fit's HC3 covariance), two-sided normal p-value and interval."""

    estimate: float
    se: float
    p_value: float
    ci_low: float
    ci_high: float


def combination_test(fit: PatternFit, c: np.ndarray, *, confidence: float = 0.95) -> CombinationTest:
    """Test ``c @ coef = 0`` with the fit's HC3 covariance, as the fit tests each coefficient.

    NaN throughout when ``c`` weighs a column the fit left out. The same figures as
    ``statsmodels``' ``OLSResults.t_test(c)`` of an ``OLS(...).fit(cov_type="HC3")`` with
    ``use_t=False`` (``tests/test_alike_stages.py``).

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> fit = ols_from_patterns(x, np.array([5.0, 5, 5, 5]), np.array([10.0, 20, 12, 21]), np.array([21.0, 81, 30, 90]))
    >>> t = combination_test(fit, np.array([1.0, 1.0]))
    >>> round(t.estimate, 2), t.ci_low < t.estimate < t.ci_high
    (4.1, True)
    """
    c = np.asarray(c, dtype=np.float64)
    used = c != 0
    nan = CombinationTest(*([float("nan")] * 5))
    if not used.any() or not fit.kept[used].all():
        return nan
    estimate = float(c[used] @ fit.coef[used])
    variance = float(c[used] @ fit.cov[np.ix_(used, used)] @ c[used])
    if not np.isfinite(variance) or variance <= 0:
        return nan
    se = variance ** 0.5
    z = special.ndtri(0.5 + confidence / 2.0)
    return CombinationTest(estimate, se, float(2.0 * special.ndtr(-abs(estimate / se))), float(estimate - z * se),
                           float(estimate + z * se))

