"""Stage importance for the outcome: derived (Spearman, Johnson's relative weights) and stated.

* :func:`derived_importance` - Spearman's rho per stage from the outcome count table, or
  Johnson's (2000) relative weights on the complete-data respondents.
* :func:`relative_weights` - Johnson's relative weights on their own.
* :func:`stated_importance` - the mean answer of the survey's importance questions.
* :func:`complete_patterns` and :func:`relative_weights_from_patterns` - the complete-data
  respondents as distinct patterns with counts, and the weights for any pattern weights (the
  priority bootstrap resamples the counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.outcomes import outcome_table
from cycle_analytics.stats.kernel import OutcomeTable, discretise, respondent_codes, spearman_from_counts
from cycle_analytics.stats.validation import (
    validate_choice,
    validate_outcome_table,
    validate_outcome_vector,
    validate_ratings_table,
)

__all__ = [
    "IMPORTANCE_METHODS",
    "CompletePatterns",
    "complete_patterns",
    "relative_weights_from_patterns",
    "relative_weights",
    "derived_importance",
    "stated_importance",
]

IMPORTANCE_METHODS = ("spearman", "relative_weight")


# --------------------------------------------------------------------------------------------
# Johnson's relative weights
# --------------------------------------------------------------------------------------------


def _johnson_weights(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's (2000) raw relative weights from a correlation matrix (last row/col = outcome).

    Steps: Rxx = V diag(lam) V' ; Lambda = Rxx^(1/2) = V diag(sqrt(lam)) V' (the correlations of
    the predictors with their closest orthogonal counterparts) ; beta = Lambda^-1 rxy (the
    outcome regressed on the orthogonal counterparts) ; eps_j = sum_k Lambda_jk^2 beta_k^2.
    Works on stacks of matrices (leading axes). Returns (weights, R-squared).
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


def _weighted_corr(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Correlation matrices of the columns of ``z`` (k x p) with row weights ``w`` (... x k)."""
    w = np.asarray(w, dtype=np.float64)
    n = w.sum(-1)[..., None]
    mean = (w @ z) / n
    p = z.shape[1]
    cross = (w @ (z[:, :, None] * z[:, None, :]).reshape(len(z), p * p)).reshape(*w.shape[:-1], p, p)
    cov = cross / n[..., None] - mean[..., :, None] * mean[..., None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / (sd[..., :, None] * sd[..., None, :])


@dataclass(frozen=True)
class CompletePatterns:
    """Distinct complete-data rows (stage scores of the modelled stages, then the outcome).

    ``rows`` is k x (p + 1) float64, ``counts`` the number of respondents with each row (k,
    int64), ``keep`` one flag per stage: modelled (rated with more than one score by
    outcome-holders).
    """

    rows: np.ndarray
    counts: np.ndarray
    keep: np.ndarray

    @property
    def fits(self) -> bool:
        """Enough complete respondents for the regression: at least the modelled stages + 2."""
        return int(self.counts.sum()) >= int(self.keep.sum()) + 2 and bool(self.keep.any())


def complete_patterns(ratings: pd.DataFrame, y: np.ndarray, table: OutcomeTable) -> CompletePatterns:
    """The respondents with complete data (every modelled stage rated and an outcome) as distinct rows.

    Raises when ``y`` is not one outcome per respondent (the proxy outcome differs from stage to
    stage within one respondent).
    """
    y_resp = _respondent_outcomes(ratings, y)
    # stages that can enter a regression: rated, with more than one score among outcome-holders
    keep = (table.counts.sum(1) > 0).sum(-1) >= 2
    mat = _score_matrix(ratings, table)[:, keep]
    complete = (mat >= 0).all(1) & np.isfinite(y_resp)
    if not complete.any() or not keep.any():
        return CompletePatterns(np.empty((0, int(keep.sum()) + 1)), np.empty(0, dtype=np.int64), keep)
    ycodes, yvals = discretise(y_resp[complete])
    rows_x, rows_y, counts = _distinct_rows(mat[complete].astype(np.int64), ycodes, len(yvals), table.scale.points)
    rows = np.column_stack([rows_x + table.scale.minimum, yvals[rows_y]]).astype(np.float64)
    return CompletePatterns(rows, counts.astype(np.int64), keep)


def _respondent_outcomes(ratings: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """The outcome per respondent; raises unless every rating of a respondent carries the same one."""
    resp = respondent_codes(ratings)
    y_resp = np.full(len(ratings["response_id"].cat.categories), np.nan)
    y_resp[resp] = y
    back = y_resp[resp]
    differs = ~((back == y) | (np.isnan(back) & np.isnan(y)))
    if differs.any():
        raise SurveyError(
            "Relative weights need one outcome per respondent (an outcome question); with the proxy "
            "outcome use Spearman importance."
        )
    return y_resp


def _score_matrix(ratings: pd.DataFrame, table: OutcomeTable) -> np.ndarray:
    """Respondent x stage matrix of 0-based score codes (int16; -1 = not rated)."""
    resp = respondent_codes(ratings)
    stage = ratings["stage"].cat.codes.to_numpy().astype(np.int64)
    a = (ratings["score"].to_numpy(dtype=np.float64) - table.scale.minimum).astype(np.int16)
    mat = np.full((len(ratings["response_id"].cat.categories), len(table.stage_dtype.categories)), -1, dtype=np.int16)
    ok = stage >= 0
    mat[resp[ok], stage[ok]] = a[ok]
    return mat


def _distinct_rows(x: np.ndarray, ycodes: np.ndarray, n_y: int, n_pts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (score codes, outcome code) rows and their counts.

    Rows are packed into one integer key (a bincount when the key space is small, ``np.unique``
    on the keys while they fit in int64, ``np.unique`` on the rows otherwise).
    """
    p = x.shape[1]
    space = (float(n_pts) ** p) * max(n_y, 1)
    if space <= 2**22:
        key = ycodes.copy()
        for j in range(p):  # loop over stages (columns), not rows
            key = key * n_pts + x[:, j]
        bc = np.bincount(key, minlength=int(space))
        uniq = np.flatnonzero(bc)
        counts = bc[uniq]
        digits = np.empty((len(uniq), p), dtype=np.int64)
        rest = uniq.copy()
        for j in range(p - 1, -1, -1):
            digits[:, j] = rest % n_pts
            rest //= n_pts
        return digits, rest, counts
    if space < 2**62:
        key = ycodes.copy()
        for j in range(p):
            key = key * n_pts + x[:, j]
        uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
        return x[first], ycodes[first], counts
    full = np.column_stack([x, ycodes])
    uniq_rows, counts = np.unique(full, axis=0, return_counts=True)
    return uniq_rows[:, :-1], uniq_rows[:, -1], counts


def relative_weights_from_patterns(patterns: CompletePatterns, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relative weights (per modelled stage) and R-squared for pattern weights ``w`` (... x k)."""
    corr = _weighted_corr(patterns.rows, w)
    return _johnson_weights(corr)


def relative_weights(ratings: pd.DataFrame, y: np.ndarray, *, scale: Scale | None = None) -> pd.DataFrame:
    """Johnson's (2000) relative weights of the stages for the outcome.

    Respondents with complete data (every modelled stage rated and an outcome) enter the
    regression; stages nobody rated or rated with one value only are left out (weight NaN).
    The raw weights sum to R-squared; ``share_pct`` is each weight as a percentage of R-squared.

    Returns columns ``stage, method, importance, n, p_value, r_squared, share_pct``.

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
    validate_ratings_table(ratings)
    y = validate_outcome_vector(y, ratings)
    table = outcome_table(ratings, y, scale)
    return _relative_weight_frame(table, complete_patterns(ratings, y, table))


def _relative_weight_frame(table: OutcomeTable, patterns: CompletePatterns) -> pd.DataFrame:
    """The table of :func:`relative_weights` from the complete-data patterns."""
    n_stages = len(table.stage_dtype.categories)
    imp = np.full(n_stages, np.nan)
    n = int(patterns.counts.sum())
    r2 = np.nan
    if patterns.fits:
        eps, r2v = relative_weights_from_patterns(patterns, patterns.counts.astype(np.float64))
        if np.isfinite(r2v):
            imp[patterns.keep] = eps
            r2 = float(r2v)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = imp / r2 * 100.0
    return pd.DataFrame(
        {
            "stage": table.stage_column(),
            "method": "relative_weight",
            "importance": imp,
            "n": np.full(n_stages, n, dtype=np.int64),
            "p_value": np.full(n_stages, np.nan),
            "r_squared": np.full(n_stages, r2),
            "share_pct": share,
        }
    )


def derived_importance(
    ratings: pd.DataFrame,
    y: np.ndarray,
    *,
    method: str = "spearman",
    scale: Scale | None = None,
    table: OutcomeTable | None = None,
    min_n: int = 30,
) -> pd.DataFrame:
    """Derived importance of each stage for the outcome.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table.
    y : array of float
        One outcome per rating (:func:`~cycle_analytics.stats.drivers.rating_outcomes`); binary
        outcomes coded 0/1.
    method : {"spearman", "relative_weight"}
        Spearman's rho (ties averaged) over the ratings with an outcome, with its t-based p-value;
        or Johnson's relative weights (:func:`relative_weights`, complete data, no p-value).
    scale, table : optional
        The rating scale, or a prebuilt :func:`~cycle_analytics.stats.drivers.outcome_table` to
        skip the counting pass.
    min_n : int
        ``small_sample`` is true below this many ratings with an outcome.

    Returns
    -------
    DataFrame
        ``stage, method, importance, n, p_value, n_missing_outcome, small_sample``.
        Stages with fewer than 3 ratings, or one score or one outcome value only, get NaN.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(list("abcd")),
    ...                   "stage": pd.Categorical(["X"] * 4, categories=["X"], ordered=True),
    ...                   "score": [1.0, 2.0, 3.0, 4.0]})
    >>> derived_importance(r, np.array([1.0, 3.0, 2.0, 5.0])).importance.round(2).tolist()
    [0.8]
    """
    validate_ratings_table(ratings)
    validate_choice(method, IMPORTANCE_METHODS, "importance method")
    y = validate_outcome_vector(y, ratings)
    if table is None:
        table = outcome_table(ratings, y, scale)
    validate_outcome_table(table, ratings, scale)
    n_missing = table.missing.sum(-1)
    if method == "relative_weight":
        out = _relative_weight_frame(table, complete_patterns(ratings, y, table))
        out["n_missing_outcome"] = n_missing
        out["small_sample"] = out["n"] < min_n
        return out
    r, p, n = spearman_from_counts(table.counts)
    return pd.DataFrame(
        {
            "stage": table.stage_column(),
            "method": "spearman",
            "importance": r,
            "n": n.astype(np.int64),
            "p_value": p,
            "n_missing_outcome": n_missing.astype(np.int64),
            "small_sample": n < min_n,
        }
    )


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
        raise SurveyError("Stated importance needs a mapping of stages to importance-question columns.")
    rows = []
    for stage, col in columns.items():  # one entry per stage, not per row
        if col not in responses.columns:
            raise SurveyError(f"The importance column {col!r} for the stage {stage!r} is not in the responses table.")
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
                f"The importance column {col!r} holds the non-numeric answer {txt[bad].iloc[0]!r}."
            )
    return v[np.isfinite(v)]
