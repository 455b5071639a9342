"""Outcome vectors, stage importance and the penalty / reward of bad and top-box experiences.

Everything here is computed from one small count table per survey: ``counts[stage, outcome, score]``
(the number of ratings of a stage with a given score whose respondent had a given outcome value),
built in one vectorised pass with :func:`cycle_analytics.stats.kernel.stage_counts`, grouping ratings by
the code of their outcome value (see :func:`outcome_table`). Ranks with ties, Spearman
correlations, Mann-Whitney U, means, variances and Welch intervals are all closed-form sums over
that table, so their cost does not depend on the number of ratings.

Definitions (also in the function docstrings):

* **Outcome per rating.** A rating or binary outcome is the respondent's value (binary coded 0/1).
  The *proxy* (no outcome chosen) is the mean of the respondent's *other* stages,
  ``(sum - score) / (count - 1)``; NaN when the respondent rated only that stage.
* **Derived importance** (``method="spearman"``): Spearman's rho (ranks with ties averaged)
  between a stage's score and the outcome, over the ratings that have an outcome; p-value from
  Student's t with n - 2 degrees of freedom (as ``scipy.stats.spearmanr``).
* **Relative weights** (``method="relative_weight"``, Johnson 2000): the outcome regressed on all
  stage scores for respondents with *complete data* (every modelled stage rated and an outcome);
  raw weights sum to the model's R-squared. Stages nobody rated, or rated with one value only,
  are left out of the model (weight NaN). Not available for the proxy outcome, whose value
  differs from stage to stage within one respondent.
* **Penalty** of a stage: mean outcome of the *rest* minus mean outcome of respondents who rated
  the stage in the bottom box (positive = bad experiences go with a lower outcome); "the rest" are
  the other respondents who rated that stage (non-raters are not compared), with a Welch
  interval, a two-sided Mann-Whitney U test (normal approximation with tie and continuity
  correction, as ``scipy.stats.mannwhitneyu(method="asymptotic")``) and the rank-biserial
  correlation ``P(rest > bad) - P(bad > rest)``. **Reward**: mean outcome of top-box raters minus
  the rest, same machinery (its rank-biserial is ``P(top > rest) - P(rest > top)``). p-values are
  corrected across stages, penalties and rewards as two separate families.
* **Factor** (``alpha`` = 0.05 on corrected p-values). By default (``factor_basis="middle"``) the
  factor uses the penalty-reward *contrasts* of Brandt (1987): bottom box vs the middle ratings
  (neither bottom nor top box) and top box vs the middle - exactly the coefficients of the outcome
  regressed on a bottom-box and a top-box dummy of the stage - each tested with Mann-Whitney U
  and corrected across stages like the penalty. Against "the rest", a pure basic
  factor would also show a large reward (its rest holds the bad experiences) and be mislabelled
  ``performance``. ``factor_basis="rest"`` uses the ``penalty`` and ``reward`` columns instead.
  Rule, with P and R the two contrasts (negative values count as 0): ``basic`` when P is
  significant, positive and P > 2R; ``delight`` when R is significant, positive and R > 2P;
  ``performance`` when both are significant and positive and neither exceeds twice the other;
  ``unclear`` otherwise (including when a contrast cannot be computed, e.g. nobody in the middle).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from cycle_analytics.stats.kernel import _check_ratings_table, respondent_codes, stage_counts
from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

__all__ = [
    "OutcomeTable",
    "outcome_values",
    "rating_outcomes",
    "outcome_table",
    "derived_importance",
    "relative_weights",
    "stated_importance",
    "penalty_reward",
    "adjust_pvalues",
    "CORRECTIONS",
]

CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")
IMPORTANCE_METHODS = ("spearman", "relative_weight")
_YES_LABELS = {"yes", "y", "true", "1", "ja", "oui", "si", "sí"}


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _validate(
    ratings: pd.DataFrame | None = None,
    y: np.ndarray | None = None,
    *,
    correction: str | None = None,
    confidence: float | None = None,
    method: str | None = None,
) -> np.ndarray | None:
    """The module's one input check; returns ``y`` as a float64 array when given."""
    if ratings is not None:
        _check_ratings_table(ratings)
    if correction is not None and correction not in CORRECTIONS:
        raise SurveyError(f"The p-value correction {correction!r} is not one of {', '.join(CORRECTIONS)}.")
    if confidence is not None and not (0.0 < float(confidence) < 1.0):
        raise SurveyError(f"The confidence level must lie between 0 and 1, not {confidence!r}.")
    if method is not None and method not in IMPORTANCE_METHODS:
        raise SurveyError(f"The importance method {method!r} is not one of {', '.join(IMPORTANCE_METHODS)}.")
    if y is not None:
        arr = np.asarray(y)
        if arr.dtype.kind not in "fiub":
            raise SurveyError("The outcome vector must hold numbers (NaN for no outcome).")
        arr = arr.astype(np.float64, copy=False)
        if arr.ndim != 1:
            raise SurveyError("The outcome vector must be one-dimensional.")
        if ratings is not None and len(arr) != len(ratings):
            raise SurveyError(
                f"The outcome vector has {len(arr)} values but there are {len(ratings)} ratings; "
                "use rating_outcomes() to get one outcome per rating."
            )
        return arr
    return None


# --------------------------------------------------------------------------------------------
# outcome vectors
# --------------------------------------------------------------------------------------------


def _norm_label(x: object) -> str:
    return " ".join(str(x).split()).casefold()


def outcome_values(responses: pd.DataFrame, spec: OutcomeSpec) -> np.ndarray:
    """One outcome value per respondent (float64; NaN = no outcome).

    * ``kind="rating"``: the column as numbers; values that are not whole points of
      ``spec.scale`` (and text that is not a number) become NaN. Without a scale the numbers are
      taken as they are.
    * ``kind="binary"``: text columns give 1 for ``spec.positive`` and 0 for any other non-empty
      label (case and spaces ignored), NaN for empty cells; numeric (or boolean) 0/1 columns are
      taken as they are.
    * ``kind="proxy"`` has no per-respondent value: use :func:`rating_outcomes`.

    Examples
    --------
    >>> resp = pd.DataFrame({"ok": ["Yes", " yes", "No", None]})
    >>> outcome_values(resp, OutcomeSpec("ok", kind="binary", positive="YES")).tolist()
    [1.0, 1.0, 0.0, nan]
    """
    if spec.is_proxy:
        raise SurveyError(
            "The proxy outcome (mean of the other stages) has no single value per respondent; "
            "use rating_outcomes() for one value per rating."
        )
    if spec.kind not in ("rating", "binary"):
        raise SurveyError(f"The outcome kind {spec.kind!r} is not one of rating, binary or proxy.")
    if spec.column is None or spec.column not in responses.columns:
        raise SurveyError(f"The outcome column {spec.column!r} is not in the responses table.")
    col = responses[spec.column]
    is_num = pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)
    if spec.kind == "rating":
        if is_num:
            v = col.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            v = pd.to_numeric(col.astype("str").str.strip(), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if spec.scale is not None:
            v = np.where(spec.scale.contains(v), v, np.nan)
        return v.astype(np.float64, copy=False)

    # binary
    if is_num:
        v = col.to_numpy(dtype=np.float64, na_value=np.nan)
        if spec.positive is not None and str(spec.positive).strip():
            try:
                pos = float(str(spec.positive).strip())
            except ValueError:
                raise SurveyError(
                    f"The binary outcome column {spec.column!r} holds numbers, so its positive value "
                    f"must be a number, not {spec.positive!r}."
                ) from None
            return np.where(np.isnan(v), np.nan, (v == pos).astype(np.float64))
        bad = ~np.isnan(v) & (v != 0) & (v != 1)
        if bad.any():
            raise SurveyError(
                f"The binary outcome column {spec.column!r} holds the value {v[bad][0]:g}; "
                "a binary outcome must be 0/1 or text with a positive label."
            )
        return v
    # text labels: work on the distinct labels only (a categorical pass), not on every row
    cat = pd.Categorical(col)
    labels = [_norm_label(c) for c in cat.categories]
    codes = np.asarray(cat.codes, dtype=np.int64)
    if spec.positive is None or not str(spec.positive).strip():
        if set(labels) <= {"0", "1"}:
            lut = np.array([1.0 if lab == "1" else 0.0 for lab in labels] + [np.nan])
            return lut[codes]
        raise SurveyError(f"The binary outcome column {spec.column!r} needs the label that counts as positive.")
    pos = _norm_label(spec.positive)
    if pos not in labels:
        raise SurveyError(
            f"The positive label {spec.positive!r} does not occur in the outcome column {spec.column!r}."
        )
    lut = np.array([np.nan if lab == "" else (1.0 if lab == pos else 0.0) for lab in labels] + [np.nan])
    return lut[codes]  # code -1 (missing) picks the trailing NaN


def rating_outcomes(ratings: pd.DataFrame, responses: pd.DataFrame, spec: OutcomeSpec) -> np.ndarray:
    """One outcome value per rating (float64, aligned with ``ratings`` rows).

    For a rating or binary outcome, the respondent's :func:`outcome_values`. For the proxy, the mean
    of the respondent's *other* stages, ``(sum - score) / (count - 1)``, NaN when the respondent
    rated only that stage (computed with ``np.bincount``, no row loop).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "a", "b"]),
    ...                   "stage": pd.Categorical(["X", "Y", "Z", "X"], categories=["X", "Y", "Z"], ordered=True),
    ...                   "score": [5.0, 3.0, 1.0, 4.0]})
    >>> from cycle_analytics.dataset import PROXY_OUTCOME
    >>> rating_outcomes(r, pd.DataFrame({"response_id": ["a", "b"]}), PROXY_OUTCOME).tolist()
    [2.0, 3.0, 4.0, nan]
    """
    _validate(ratings)
    codes = respondent_codes(ratings)
    n_resp = len(ratings["response_id"].cat.categories)
    if spec.is_proxy:
        score = ratings["score"].to_numpy(dtype=np.float64)
        total = np.bincount(codes, weights=score, minlength=n_resp)
        count = np.bincount(codes, minlength=n_resp)
        others = (count[codes] - 1).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (total[codes] - score) / others
        out[others == 0] = np.nan
        return out
    if len(responses) != n_resp:
        raise SurveyError(
            f"The responses table has {len(responses)} rows but the ratings name {n_resp} respondents."
        )
    return outcome_values(responses, spec)[codes]


# --------------------------------------------------------------------------------------------
# the count table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeTable:
    """Ratings cross-tabulated by stage, outcome value and score.

    ``counts[s, b, a]``: ratings of stage ``s`` with score ``scores[a]`` whose outcome is
    ``outcomes[b]`` (sorted ascending). ``missing[s, a]``: ratings of stage ``s`` with score
    ``scores[a]`` and no outcome.
    """

    stage_dtype: pd.CategoricalDtype
    scale: Scale
    scores: np.ndarray
    outcomes: np.ndarray
    counts: np.ndarray
    missing: np.ndarray

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.stage_dtype.categories)

    def stage_column(self) -> pd.Categorical:
        return pd.Categorical.from_codes(np.arange(len(self.stage_dtype.categories)), dtype=self.stage_dtype)


def _discretise(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64, -1 for NaN/inf) and the sorted distinct values of ``y``.

    Fast path: whole numbers (rating and 0/1 outcomes) and values on a grid of step 1/27720
    (27720 = lcm(1..12): every proxy mean of up to 13 stages) are coded with a bincount; anything
    else with ``np.unique``. On the 1/27720 grid, values closer than 1e-7 grid steps are one value.
    """
    n = len(y)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    finite = np.isfinite(y)
    all_finite = bool(finite.all())
    if not all_finite:
        if not finite.any():
            return np.full(n, -1, dtype=np.int64), np.empty(0)
        yf = y[finite]
        lo, hi = float(yf.min()), float(yf.max())
        y = np.where(finite, y, lo)  # placeholders inside the range, coded -1 below
    else:
        lo, hi = float(y.min()), float(y.max())
    for d in (1.0, 27720.0):
        if (hi - lo) * d > 4e6:
            continue
        if d == 1.0:
            r = np.rint(y)
            if not np.array_equal(r, y):
                continue
        else:
            z = y * d
            r = np.rint(z)
            z -= r
            np.abs(z, out=z)
            if z.max() > 1e-7:
                continue
        base = np.rint(lo * d)
        r -= base
        ints = r.astype(np.int64)
        del r
        used = np.bincount(ints[finite] if not all_finite else ints) > 0
        if used.all():
            codes = ints
        else:
            lut = np.cumsum(used) - 1
            codes = lut[ints]
        if not all_finite:
            codes[~finite] = -1
        values = (np.flatnonzero(used) + base) / d
        return codes, values
    values, inv = np.unique(y[finite], return_inverse=True)
    codes = np.full(n, -1, dtype=np.int64)
    codes[finite] = inv
    return codes, values


def _check_table(table: OutcomeTable, ratings: pd.DataFrame, scale: Scale | None) -> None:
    """A prebuilt table must belong to these ratings and this scale."""
    if not isinstance(table, OutcomeTable):
        raise SurveyError("The prebuilt table must come from outcome_table().")
    if scale is not None and table.scale != scale:
        raise SurveyError(f"The prebuilt table was counted on the {table.scale.label()} scale, not {scale.label()}.")
    if list(table.stage_dtype.categories) != list(ratings["stage"].cat.categories):
        raise SurveyError("The prebuilt table was counted for other stages than these ratings.")


def _scale_of_scores(ratings: pd.DataFrame) -> Scale:
    s = ratings["score"].to_numpy(dtype=np.float64)
    if len(s) == 0:
        return Scale(1, 5)
    lo, hi = float(np.nanmin(s)), float(np.nanmax(s))
    if not (np.isfinite(lo) and lo == np.floor(lo) and hi == np.floor(hi)):
        raise SurveyError("The ratings' scores must be whole numbers of a rating scale.")
    return Scale(int(lo), int(max(hi, lo + 1)))


def outcome_table(ratings: pd.DataFrame, y: np.ndarray, scale: Scale | None = None) -> OutcomeTable:
    """Build the stage x outcome value x score count table in one vectorised pass.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table.
    y : array of float
        One outcome per rating (:func:`rating_outcomes`); NaN = no outcome (counted in ``missing``).
    scale : Scale, optional
        The rating scale (default: the range of the scores).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c"]),
    ...                   "stage": pd.Categorical(["X", "X", "X"], categories=["X"], ordered=True),
    ...                   "score": [1.0, 2.0, 2.0]})
    >>> t = outcome_table(r, np.array([3.0, 5.0, np.nan]), Scale(1, 5))
    >>> t.outcomes.tolist(), t.counts[0].tolist(), t.missing[0].tolist()
    ([3.0, 5.0], [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]], [0, 1, 0, 0, 0])
    """
    y = _validate(ratings, y)
    if scale is None:
        scale = _scale_of_scores(ratings)
    codes, values = _discretise(y)
    n_b = len(values)
    codes[codes < 0] = n_b  # the last group holds ratings with no outcome
    sc = stage_counts(ratings, scale, group_codes=codes, groups=tuple(range(n_b + 1)))
    return OutcomeTable(
        stage_dtype=ratings["stage"].dtype,
        scale=scale,
        scores=np.asarray(scale.values, dtype=np.float64),
        outcomes=np.asarray(values, dtype=np.float64),
        counts=np.ascontiguousarray(sc.counts[:, :n_b, :]),
        missing=np.ascontiguousarray(sc.counts[:, n_b, :]),
    )


# --------------------------------------------------------------------------------------------
# closed-form statistics on count tables (vectorised over any leading axes)
# --------------------------------------------------------------------------------------------


def _midranks(c: np.ndarray) -> np.ndarray:
    """Average (mid) ranks of the categories of a count vector along the last axis."""
    c = np.asarray(c, dtype=np.float64)
    return np.cumsum(c, axis=-1) - (c - 1.0) / 2.0


def _spearman(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spearman rho, two-sided p-value and n from tables ``t[..., b, a]`` (outcome x score)."""
    t = np.asarray(t, dtype=np.float64)
    n = t.sum(axis=(-1, -2))
    ca, cb = t.sum(axis=-2), t.sum(axis=-1)
    centre = ((n + 1.0) / 2.0)[..., None]
    da = _midranks(ca) - centre
    db = _midranks(cb) - centre
    sxy = np.einsum("...ba,...b,...a->...", t, db, da)
    sxx = (ca * da * da).sum(-1)
    syy = (cb * db * db).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = sxy / np.sqrt(sxx * syy)
        r = np.clip(r, -1.0, 1.0)
        dof = n - 2.0
        tt = r * np.sqrt(np.clip(dof / ((r + 1.0) * (1.0 - r)), 0, None))
        p = 2.0 * stats.t.sf(np.abs(tt), dof)
    r = np.where((sxx > 0) & (syy > 0) & (n >= 2), r, np.nan)
    p = np.where((n >= 3) & np.isfinite(r), np.minimum(p, 1.0), np.nan)
    return r, p, n


def _group_compare(g: np.ndarray, rest: np.ndarray, values: np.ndarray, confidence: float) -> dict:
    """Compare outcome distributions ``g[..., b]`` (a group) and ``rest[..., b]``.

    Returns n, means, ``diff = mean_g - mean_rest`` with its Welch interval, the Mann-Whitney U of
    the group (two-sided tie- and continuity-corrected normal p-value) and P(g > rest) - P(rest > g).
    """
    g = np.asarray(g, dtype=np.float64)
    rest = np.asarray(rest, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    n1, n2 = g.sum(-1), rest.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = (g * v).sum(-1) / n1
        m2 = (rest * v).sum(-1) / n2
        var1 = (g * (v - m1[..., None]) ** 2).sum(-1) / (n1 - 1)
        var2 = (rest * (v - m2[..., None]) ** 2).sum(-1) / (n2 - 1)
        diff = m1 - m2
        a1, a2 = var1 / n1, var2 / n2
        se = np.sqrt(a1 + a2)
        df = (a1 + a2) ** 2 / (a1 * a1 / (n1 - 1) + a2 * a2 / (n2 - 1))
        half = stats.t.ppf(0.5 + confidence / 2.0, df) * se
        ok_ci = (n1 >= 2) & (n2 >= 2) & (se > 0)
        lo = np.where(ok_ci, diff - half, np.nan)
        hi = np.where(ok_ci, diff + half, np.nan)
        # Mann-Whitney U (Conover/scipy normal approximation)
        pooled = g + rest
        n = n1 + n2
        ranks = _midranks(pooled)
        u1 = (g * ranks).sum(-1) - n1 * (n1 + 1.0) / 2.0
        u2 = n1 * n2 - u1
        tie = (pooled**3 - pooled).sum(-1)
        s = np.sqrt(n1 * n2 / 12.0 * ((n + 1.0) - tie / (n * (n - 1.0))))
        z = (np.maximum(u1, u2) - n1 * n2 / 2.0 - 0.5) / s
        p = np.clip(2.0 * special.ndtr(-z), 0.0, 1.0)
        p = np.where(s > 0, p, 1.0)  # every outcome tied: no evidence either way (scipy gives 1)
        rb = 2.0 * u1 / (n1 * n2) - 1.0
    has = (n1 > 0) & (n2 > 0)
    nan = np.nan
    return {
        "n1": n1,
        "n2": n2,
        "mean_g": np.where(n1 > 0, m1, nan),
        "mean_rest": np.where(n2 > 0, m2, nan),
        "diff": np.where(has, diff, nan),
        "ci_low": lo,
        "ci_high": hi,
        "u": np.where(has, u1, nan),
        "p": np.where(has, p, nan),
        "rb": np.where(has, rb, nan),
    }


def adjust_pvalues(p: np.ndarray, method: str = "holm") -> np.ndarray:
    """Multiple-comparison adjusted p-values (``holm``, ``fdr_bh``, ``bonferroni`` or ``none``).

    NaN p-values (tests that could not be made) are left out of the family and stay NaN. Same
    results as ``statsmodels.stats.multitest.multipletests`` on the non-NaN values.

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    _validate(correction=method)
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = len(q)
    if m == 0:
        return out
    if method == "none":
        adj = q.copy()
    elif method == "bonferroni":
        adj = np.minimum(q * m, 1.0)
    else:
        order = np.argsort(q, kind="stable")
        qs = q[order]
        if method == "holm":
            adj_s = np.minimum(np.maximum.accumulate(qs * (m - np.arange(m))), 1.0)
        else:  # fdr_bh
            adj_s = np.minimum(np.minimum.accumulate((qs * m / np.arange(1, m + 1))[::-1])[::-1], 1.0)
        adj = np.empty(m)
        adj[order] = adj_s
    out[ok] = adj
    return out


# --------------------------------------------------------------------------------------------
# importance
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
class _Patterns:
    """Distinct complete-data rows (stage scores of the modelled stages, then the outcome)."""

    rows: np.ndarray  # k x (p + 1), float64
    counts: np.ndarray  # k, int64
    keep: np.ndarray  # bool per stage: modelled


def _complete_patterns(ratings: pd.DataFrame, y: np.ndarray, table: OutcomeTable) -> _Patterns:
    n_stages = len(table.stage_dtype.categories)
    resp = respondent_codes(ratings)
    n_resp = len(ratings["response_id"].cat.categories)
    stage = ratings["stage"].cat.codes.to_numpy().astype(np.int64)
    yr = np.full(n_resp, np.nan)
    yr[resp] = y
    back = yr[resp]
    differs = ~((back == y) | (np.isnan(back) & np.isnan(y)))
    if differs.any():
        raise SurveyError(
            "Relative weights need one outcome per respondent (an outcome question); with the proxy "
            "outcome use Spearman importance."
        )
    # stages that can enter a regression: rated, with more than one score among outcome-holders
    both = table.counts.sum(1)
    keep = (both > 0).sum(-1) >= 2
    a = (ratings["score"].to_numpy(dtype=np.float64) - table.scale.minimum).astype(np.int16)
    mat = np.full((n_resp, n_stages), -1, dtype=np.int16)
    ok = stage >= 0
    mat[resp[ok], stage[ok]] = a[ok]
    mat = mat[:, keep]
    complete = (mat >= 0).all(1) & np.isfinite(yr)
    if not complete.any() or not keep.any():
        return _Patterns(np.empty((0, int(keep.sum()) + 1)), np.empty(0, dtype=np.int64), keep)
    ycodes, yvals = _discretise(yr[complete])
    x = mat[complete].astype(np.int64)
    n_pts = table.scale.points
    p = x.shape[1]
    space = (float(n_pts) ** p) * max(len(yvals), 1)
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
        rows_x, rows_y = digits, rest
    elif space < 2**62:
        key = ycodes.copy()
        for j in range(p):
            key = key * n_pts + x[:, j]
        uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
        rows_x, rows_y = x[first], ycodes[first]
    else:
        full = np.column_stack([x, ycodes])
        uniq_rows, counts = np.unique(full, axis=0, return_counts=True)
        rows_x, rows_y = uniq_rows[:, :-1], uniq_rows[:, -1]
    rows = np.column_stack([rows_x + table.scale.minimum, yvals[rows_y]]).astype(np.float64)
    return _Patterns(rows, counts.astype(np.int64), keep)


def _rw_from_patterns(pat: _Patterns, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Relative weights (per modelled stage) and R-squared for pattern weights ``w`` (... x k)."""
    corr = _weighted_corr(pat.rows, w)
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
    y = _validate(ratings, y)
    table = outcome_table(ratings, y, scale)
    pat = _complete_patterns(ratings, y, table)
    return _rw_frame(table, pat)


def _rw_frame(table: OutcomeTable, pat: _Patterns) -> pd.DataFrame:
    n_stages = len(table.stage_dtype.categories)
    imp = np.full(n_stages, np.nan)
    n = int(pat.counts.sum())
    r2 = np.nan
    if n >= int(pat.keep.sum()) + 2 and pat.keep.any():
        eps, r2v = _rw_from_patterns(pat, pat.counts.astype(np.float64))
        if np.isfinite(r2v):
            imp[pat.keep] = eps
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
        One outcome per rating (:func:`rating_outcomes`); binary outcomes coded 0/1.
    method : {"spearman", "relative_weight"}
        Spearman's rho (ties averaged) over the ratings with an outcome, with its t-based p-value;
        or Johnson's relative weights (:func:`relative_weights`, complete data, no p-value).
    scale, table : optional
        The rating scale, or a prebuilt :func:`outcome_table` to skip the counting pass.
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
    y = _validate(ratings, y, method=method)
    if table is None:
        table = outcome_table(ratings, y, scale)
    _check_table(table, ratings, scale)
    n_missing = table.missing.sum(-1)
    if method == "relative_weight":
        out = _rw_frame(table, _complete_patterns(ratings, y, table))
        out["n_missing_outcome"] = n_missing
        out["small_sample"] = out["n"] < min_n
        return out
    r, p, n = _spearman(table.counts)
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
        s = responses[col]
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
        v = v[np.isfinite(v)]
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


# --------------------------------------------------------------------------------------------
# penalty and reward
# --------------------------------------------------------------------------------------------


def _factor(pen, pen_adj, rew, rew_adj, alpha) -> np.ndarray:
    pen_sig = (pen_adj < alpha) & (pen > 0)
    rew_sig = (rew_adj < alpha) & (rew > 0)
    pen0 = np.where(np.isfinite(pen), np.maximum(pen, 0), 0)
    rew0 = np.where(np.isfinite(rew), np.maximum(rew, 0), 0)
    out = np.full(len(pen), "unclear", dtype=object)
    out[pen_sig & (pen0 > 2 * rew0)] = "basic"
    out[rew_sig & (rew0 > 2 * pen0)] = "delight"
    out[pen_sig & rew_sig & (pen0 <= 2 * rew0) & (rew0 <= 2 * pen0)] = "performance"
    return out


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
    see the module docstring. Only ratings with an outcome count (``n_missing_outcome`` says how many not).

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
    y = _validate(ratings, y, correction=correction, confidence=confidence)
    if factor_basis not in ("middle", "rest"):
        raise SurveyError(f"The factor basis {factor_basis!r} is not one of middle, rest.")
    if outcome.kind == "binary":
        fy = y[np.isfinite(y)]
        if fy.size and not np.isin(fy, (0.0, 1.0)).all():
            raise SurveyError("A binary outcome must be coded 0/1; use rating_outcomes() to code it.")
    if table is None:
        table = outcome_table(ratings, y, scale)
    _check_table(table, ratings, scale)
    t = table.counts.astype(np.float64)  # S x B x A
    bottom = np.isin(table.scores, scale.bottom_box)
    top = np.isin(table.scores, scale.top_box)
    total = t.sum(-1)  # S x B
    bad = t[:, :, bottom].sum(-1)
    good = t[:, :, top].sum(-1)
    pen = _group_compare(bad, total - bad, table.outcomes, confidence)
    rew = _group_compare(good, total - good, table.outcomes, confidence)
    middle = total - bad - good
    pen_m = _group_compare(bad, middle, table.outcomes, confidence)
    rew_m = _group_compare(good, middle, table.outcomes, confidence)
    n = total.sum(-1)
    penalty = -pen["diff"]
    p_adj = adjust_pvalues(pen["p"], correction)
    r_adj = adjust_pvalues(rew["p"], correction)
    pm_adj = adjust_pvalues(pen_m["p"], correction)
    rm_adj = adjust_pvalues(rew_m["p"], correction)
    if factor_basis == "middle":
        factor = _factor(-pen_m["diff"], pm_adj, rew_m["diff"], rm_adj, alpha)
    else:
        factor = _factor(penalty, p_adj, rew["diff"], r_adj, alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad_pct = np.where(n > 0, pen["n1"] / n * 100.0, np.nan)
    return pd.DataFrame(
        {
            "stage": table.stage_column(),
            "n": n.astype(np.int64),
            "n_bad": pen["n1"].astype(np.int64),
            "n_top": rew["n1"].astype(np.int64),
            "bad_pct": bad_pct,
            "mean_outcome_bad": pen["mean_g"],
            "mean_outcome_rest": pen["mean_rest"],
            "penalty": penalty,
            "penalty_ci_low": -pen["ci_high"],
            "penalty_ci_high": -pen["ci_low"],
            "u_statistic": pen["u"],
            "p_value": pen["p"],
            "p_adjusted": p_adj,
            "rank_biserial": -pen["rb"],
            "reward": rew["diff"],
            "reward_ci_low": rew["ci_low"],
            "reward_ci_high": rew["ci_high"],
            "reward_p_adjusted": r_adj,
            "factor": factor,
            "mean_outcome_top": rew["mean_g"],
            "reward_u_statistic": rew["u"],
            "reward_p_value": rew["p"],
            "reward_rank_biserial": rew["rb"],
            "correction": correction,
            "n_missing_outcome": table.missing.sum(-1).astype(np.int64),
            "n_middle": middle.sum(-1).astype(np.int64),
            "penalty_vs_middle": -pen_m["diff"],
            "penalty_vs_middle_p_adjusted": pm_adj,
            "reward_vs_middle": rew_m["diff"],
            "reward_vs_middle_p_adjusted": rm_adj,
            "factor_basis": factor_basis,
            "outcome_span": _outcome_span(outcome, scale),
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
