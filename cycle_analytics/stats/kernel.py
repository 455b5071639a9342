"""The statistics kernel: count tables and the closed-form statistics computed from them.

Ratings are discrete, so a stage's scores (and their joint distribution with an outcome, a segment
or a period) are fully described by small count tables. They are built in one vectorised pass with
``np.bincount`` over combined integer codes (:func:`count_table`), so the cost is linear in the
number of ratings and the statistics afterwards cost nothing that depends on it.

Every primitive of the statistics layer lives here once:

* codes: :func:`score_codes`, :func:`respondent_codes`, :func:`codes_of`, :func:`group_codes`,
  :func:`discretise`;
* count tables: :func:`count_table`, :class:`OutcomeTable` (stage x outcome value x score);
* statistics on count tables (vectorised over any leading axes, last axis = scale points):
  :func:`summary_from_counts`, :func:`median_from_counts`, :func:`midranks`, :func:`tie_term`,
  :func:`mann_whitney_from_counts`, :func:`kruskal_from_counts`, :func:`spearman_from_counts`;
* multiple comparisons: :func:`adjust_pvalues` with the methods in :data:`CORRECTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

#: The multiple-comparison corrections :func:`adjust_pvalues` knows (``none`` = leave as they are).
CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")


# --------------------------------------------------------------------------------------------
# codes
# --------------------------------------------------------------------------------------------


def score_codes(scores: np.ndarray, scale: Scale) -> np.ndarray:
    """Scores as 0-based point indexes on ``scale`` (int64). Raises if a score is off the scale.

    Examples
    --------
    >>> score_codes(np.array([1.0, 5.0, 3.0]), Scale(1, 5)).tolist()
    [0, 4, 2]
    """
    s = np.asarray(scores, dtype=float)
    codes = s - scale.minimum
    bad = ~scale.contains(s)
    if bad.any():
        raise SurveyError(f"A score of {s[bad][0]:g} is not a point of the {scale.label()} scale.")
    return codes.astype(np.int64)


def respondent_codes(ratings: pd.DataFrame) -> np.ndarray:
    """The respondent row index (into ``responses``) of every rating."""
    return ratings["response_id"].cat.codes.to_numpy().astype(np.int64)


def codes_of(values: pd.Series | np.ndarray) -> tuple[np.ndarray, tuple]:
    """Integer codes and labels of a per-respondent column (missing values get code -1)."""
    cat = pd.Categorical(values)
    return np.asarray(cat.codes, dtype=np.int64), tuple(cat.categories)


def group_codes(labels_per_respondent) -> tuple[np.ndarray, tuple]:
    """Per-respondent group codes (``-1`` = missing) and labels, without labels nobody carries.

    Examples
    --------
    >>> codes, labels = group_codes(pd.Categorical(["b", None, "b"], categories=["a", "b"]))
    >>> codes.tolist(), labels
    ([0, -1, 0], ('b',))
    """
    codes, labels = codes_of(labels_per_respondent)
    used = np.bincount(codes[codes >= 0], minlength=len(labels)) > 0
    if used.all():
        return codes, tuple(labels)
    remap = np.full(len(labels) + 1, -1, dtype=np.int64)
    remap[:-1][used] = np.arange(int(used.sum()))
    return remap[codes], tuple(lab for lab, u in zip(labels, used) if u)


def discretise(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64, -1 for NaN/inf) and the sorted distinct values of ``y``.

    Fast path: whole numbers (rating and 0/1 outcomes) and values on a grid of step 1/27720
    (27720 = lcm(1..12): every proxy mean of up to 13 stages) are coded with a bincount; anything
    else with ``np.unique``. On the 1/27720 grid, values closer than 1e-7 grid steps are one value.

    Examples
    --------
    >>> codes, values = discretise(np.array([4.0, np.nan, 2.0, 4.0]))
    >>> codes.tolist(), values.tolist()
    ([1, -1, 0, 1], [2.0, 4.0])
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


# --------------------------------------------------------------------------------------------
# count tables
# --------------------------------------------------------------------------------------------


def count_table(
    ratings: pd.DataFrame,
    scale: Scale,
    codes: np.ndarray | None = None,
    n_groups: int = 0,
    *,
    per_rating: bool = False,
) -> np.ndarray:
    """Stage x group x point counts in one vectorised pass.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table (``response_id``, ``stage``, ``score``); checked by the caller.
    scale : Scale
        The rating scale; its points are the last axis.
    codes : array of int, optional
        Group codes ``0..n_groups-1`` (``-1`` = no group): one per *respondent* (a segment value, a
        period; taken through ``ratings.response_id.cat.codes``), or one per *rating* with
        ``per_rating=True`` (an outcome value, which differs from stage to stage for the proxy).
        Ratings without a group land in an extra last group instead of being masked out, so no
        row-level mask is needed.
    n_groups : int
        The number of groups the codes name.
    per_rating : bool, default False
        Whether ``codes`` has one entry per rating rather than per respondent.

    Returns
    -------
    ndarray of int64
        ``(n_stages, 1, n_points)`` when ungrouped, else ``(n_stages, n_groups + 1, n_points)``
        whose last group holds the ratings without a group.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "b"]),
    ...     "stage": pd.Categorical(["X", "Y", "X"], ordered=True), "score": [5.0, 3.0, 4.0]})
    >>> count_table(r, Scale(1, 5))[:, 0].tolist()
    [[0, 0, 0, 1, 1], [0, 0, 1, 0, 0]]
    >>> count_table(r, Scale(1, 5), np.array([0, -1]), 1)[0].tolist()
    [[0, 0, 0, 0, 1], [0, 0, 0, 1, 0]]
    >>> count_table(r, Scale(1, 5), np.array([0, 0, -1]), 1, per_rating=True)[0].tolist()
    [[0, 0, 0, 0, 1], [0, 0, 0, 1, 0]]
    """
    stage = ratings["stage"].cat.codes.to_numpy()
    scores = _whole_scores(ratings["score"].to_numpy(dtype=np.float64), scale)
    if len(stage) and stage.min() < 0:
        raise SurveyError("A rating has no stage (the stage column holds a missing value).")
    n_s, k, lo = len(ratings["stage"].cat.categories), scale.points, int(scale.minimum)
    if codes is None:
        n_g = 1
        flat = stage.astype(np.intp)
    else:
        n_g = int(n_groups) + 1
        flat = stage.astype(np.intp)
        flat *= n_g
        flat += _rating_groups(ratings, codes, n_groups, per_rating)
    flat *= k
    flat += scores
    size = n_s * n_g * k
    if lo >= 0:
        c = np.bincount(flat, minlength=size + lo)[lo:]
    else:
        c = np.bincount(flat - lo, minlength=size)
    return c.astype(np.int64, copy=False).reshape(n_s, n_g, k)


def _whole_scores(scores: np.ndarray, scale: Scale) -> np.ndarray:
    """The scores as int32 (the raw points, not 0-based); raises unless every one is on the scale."""
    with np.errstate(invalid="ignore"):
        ints = scores.astype(np.int32)
    # NaN, fractions and values beyond int32 all fail this comparison: score_codes then raises the
    # one-sentence error naming the bad score.
    if not np.array_equal(ints, scores) or (len(ints) and (ints.min() < scale.minimum or ints.max() > scale.maximum)):
        score_codes(scores, scale)
        raise SurveyError("A score is not a point of the rating scale.")  # pragma: no cover - score_codes raised
    return ints


def _rating_groups(ratings: pd.DataFrame, codes: np.ndarray, n_groups: int, per_rating: bool) -> np.ndarray:
    """The group of every rating (``n_groups`` for no group), as the narrowest integer type that fits."""
    groups = np.asarray(codes)
    if per_rating and groups.shape != (len(ratings),):
        raise SurveyError("There must be one group code per rating.")
    groups = np.where(groups < 0, n_groups, groups).astype(np.int16 if n_groups + 1 < 32000 else np.int64)
    if per_rating:
        return groups
    respondent = ratings["response_id"].cat.codes.to_numpy()
    if len(respondent) and respondent.min() < 0:
        raise SurveyError("A rating has no respondent id (the response_id column holds a missing value).")
    return groups[respondent]


def scale_values(scale: Scale) -> np.ndarray:
    """The scale's points as floats (the last axis of a count table)."""
    return np.asarray(scale.values, dtype=float)


@dataclass(frozen=True)
class OutcomeTable:
    """Ratings cross-tabulated by stage, outcome value and score.

    ``counts[s, b, a]``: ratings of stage ``s`` with score ``scores[a]`` whose outcome is
    ``outcomes[b]`` (sorted ascending). ``missing[s, a]``: ratings of stage ``s`` with score
    ``scores[a]`` and no outcome. Built by :func:`cycle_analytics.stats.drivers.outcome_table`.
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


# --------------------------------------------------------------------------------------------
# statistics from count tables (vectorised over any leading axes; last axis = scale points)
# --------------------------------------------------------------------------------------------


def summary_from_counts(counts: np.ndarray, values: np.ndarray, scale: Scale, *, confidence: float = 0.95) -> dict:
    """Per-cell n, mean, sd, median, interval, boxes and NPS from ``counts[..., k]`` (score ``values[k]``).

    Returns a dict of float arrays shaped like ``counts.shape[:-1]`` (``n`` is int64).

    Examples
    --------
    >>> out = summary_from_counts(np.array([5, 10, 15, 40, 30]), np.arange(1.0, 6.0), Scale(1, 5))
    >>> float(out["mean"]), float(out["top_box_pct"]), float(out["bottom_box_pct"])
    (3.8, 70.0, 15.0)
    """
    c = np.asarray(counts, dtype=np.int64)
    v = np.asarray(values, dtype=float)
    n = c.sum(axis=-1)
    nf = n.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c * v).sum(axis=-1) / nf
        dev = v - mean[..., None]
        ss = (c * dev * dev).sum(axis=-1)
        sd = np.where(n > 1, np.sqrt(ss / (nf - 1.0)), np.nan)
        df = np.where(n > 1, nf - 1.0, np.nan)
        tq = stats.t.ppf(0.5 + confidence / 2.0, df)
        half = tq * sd / np.sqrt(nf)
        top = np.isin(v, np.asarray(scale.top_box, dtype=float))
        bottom = np.isin(v, np.asarray(scale.bottom_box, dtype=float))
        top_pct = 100.0 * c[..., top].sum(axis=-1) / nf
        bottom_pct = 100.0 * c[..., bottom].sum(axis=-1) / nf
        if scale.supports_nps:
            prom = c[..., v >= 9].sum(axis=-1)
            detr = c[..., v <= 6].sum(axis=-1)
            nps = 100.0 * (prom - detr) / nf
        else:
            nps = np.full(n.shape, np.nan)
    median = median_from_counts(c, v)
    mean = np.where(n > 0, mean, np.nan)
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "median": median,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "score_100": np.asarray(scale.to_100(mean), dtype=float).reshape(n.shape),
        "top_box_pct": np.where(n > 0, top_pct, np.nan),
        "bottom_box_pct": np.where(n > 0, bottom_pct, np.nan),
        "nps": np.where(n > 0, nps, np.nan),
    }


def median_from_counts(counts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Median of each count row (mean of the two middle answers for even n; NaN for n = 0).

    Examples
    --------
    >>> float(median_from_counts(np.array([1, 0, 1, 0]), np.arange(4.0)))
    1.0
    """
    c = np.asarray(counts, dtype=np.int64)
    v = np.asarray(values, dtype=float)
    n = c.sum(axis=-1)
    cum = np.cumsum(c, axis=-1)
    lo_pos = (n - 1) // 2  # 0-based positions of the middle order statistics
    hi_pos = n // 2
    k_lo = np.argmax(cum > lo_pos[..., None], axis=-1)
    k_hi = np.argmax(cum > hi_pos[..., None], axis=-1)
    med = (v[k_lo] + v[k_hi]) / 2.0
    return np.where(n > 0, med, np.nan)


def midranks(pooled: np.ndarray) -> np.ndarray:
    """Average ranks of the categories given pooled counts ``pooled[..., k]`` (ties share a rank).

    Examples
    --------
    >>> midranks(np.array([2, 0, 3])).tolist()
    [1.5, 2.5, 4.0]
    """
    p = np.asarray(pooled, dtype=float)
    below = np.cumsum(p, axis=-1) - p
    return below + (p + 1.0) / 2.0


def tie_term(pooled: np.ndarray) -> np.ndarray:
    """``sum(t**3 - t)`` over the tie groups (categories) of pooled counts."""
    t = np.asarray(pooled, dtype=float)
    return (t * t * t - t).sum(axis=-1)


def mann_whitney_from_counts(
    a: np.ndarray, b: np.ndarray, *, use_continuity: bool = True, tied_p: float = np.nan
) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Mann-Whitney U of sample ``a`` against ``b``, both given as counts over the same points.

    Equals ``scipy.stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=use_continuity)``
    (tie-corrected normal approximation): returns ``(U1, p)`` with ``U1`` the statistic of ``a``.
    Cells with an empty sample give NaN for both; cells without any spread (every answer tied)
    give the p-value ``tied_p``: NaN by default (segments, trends: nothing to test), or 1.0 as
    scipy (penalties: no evidence either way).

    Examples
    --------
    >>> u, p = mann_whitney_from_counts(np.array([0, 1, 2]), np.array([2, 1, 0]))
    >>> float(u)
    8.5
    >>> float(mann_whitney_from_counts(np.array([3, 0]), np.array([2, 0]), tied_p=1.0)[1])
    1.0
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n1, n2 = a.sum(axis=-1), b.sum(axis=-1)
    pooled = a + b
    r = midranks(pooled)
    with np.errstate(invalid="ignore", divide="ignore"):
        u1 = (a * r).sum(axis=-1) - n1 * (n1 + 1.0) / 2.0
        u = np.maximum(u1, n1 * n2 - u1)
        nn = n1 + n2
        s = np.sqrt(n1 * n2 / 12.0 * ((nn + 1.0) - tie_term(pooled) / (nn * (nn - 1.0))))
        z = (u - n1 * n2 / 2.0 - (0.5 if use_continuity else 0.0)) / s
        p = np.clip(2.0 * special.ndtr(-z), 0.0, 1.0)
    empty = (n1 == 0) | (n2 == 0)
    p = np.where(s > 0, p, tied_p)
    return np.where(empty, np.nan, u1), np.where(empty, np.nan, p)


def kruskal_from_counts(counts: np.ndarray) -> tuple[float, float]:
    """Kruskal-Wallis H and p for groups given as rows of ``counts[g, k]`` (as :func:`scipy.stats.kruskal`).

    NaN when fewer than two non-empty groups or when every answer is the same.

    Examples
    --------
    >>> h, p = kruskal_from_counts(np.array([[3, 1, 0], [0, 1, 3]]))
    >>> round(h, 4)
    5.25
    """
    c = np.asarray(counts, dtype=float)
    c = c[c.sum(axis=1) > 0]
    if c.shape[0] < 2:
        return float("nan"), float("nan")
    pooled = c.sum(axis=0)
    nn = pooled.sum()
    r = midranks(pooled)
    rank_sums = (c * r).sum(axis=1)
    ni = c.sum(axis=1)
    h = 12.0 / (nn * (nn + 1.0)) * (rank_sums**2 / ni).sum() - 3.0 * (nn + 1.0)
    corr = 1.0 - tie_term(pooled) / (nn**3 - nn)
    if not corr > 0:
        return float("nan"), float("nan")
    h /= corr
    return float(h), float(stats.chi2.sf(h, c.shape[0] - 1))


def spearman_from_counts(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spearman rho (ties averaged), two-sided p-value and n from tables ``t[..., b, a]`` (outcome x score).

    The p-value comes from Student's t with n - 2 degrees of freedom, as
    :func:`scipy.stats.spearmanr`; rho is NaN without spread on either side, p is NaN below 3 pairs.

    Examples
    --------
    >>> r, p, n = spearman_from_counts(np.array([[1, 0], [0, 1]]))
    >>> float(r), float(n)
    (1.0, 2.0)
    """
    t = np.asarray(t, dtype=np.float64)
    n = t.sum(axis=(-1, -2))
    ca, cb = t.sum(axis=-2), t.sum(axis=-1)
    centre = ((n + 1.0) / 2.0)[..., None]
    da = midranks(ca) - centre
    db = midranks(cb) - centre
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


# --------------------------------------------------------------------------------------------
# multiple comparisons
# --------------------------------------------------------------------------------------------


def adjust_pvalues(p: np.ndarray, method: str = "holm") -> np.ndarray:
    """Multiple-comparison adjusted p-values (``holm``, ``fdr_bh``, ``bonferroni`` or ``none``).

    NaN p-values (tests that could not be made) are left out of the family and stay NaN; the
    others equal ``statsmodels.stats.multitest.multipletests(p, method=method)[1]`` to the bit.

    * Holm (1979): sort the ``m`` p-values; ``p_(i) * (m - i + 1)``, made non-decreasing, capped
      at 1 (family-wise error rate).
    * Benjamini-Hochberg (1995, ``fdr_bh``): ``p_(i) / (i / m)``, made non-increasing from the
      top, capped at 1 (false discovery rate).
    * Bonferroni: ``p * m`` capped at 1.

    Examples
    --------
    >>> adjust_pvalues(np.array([0.01, 0.04, np.nan, 0.03]), "holm").round(2).tolist()
    [0.03, 0.06, nan, 0.06]
    >>> adjust_pvalues(np.array([0.01, 0.04, 0.03]), "fdr_bh").round(2).tolist()
    [0.03, 0.04, 0.04]
    """
    # Not multipletests itself: its Holm branch runs gc.collect() on every call, tens of
    # milliseconds with a survey in memory, and segments correct once per stage. The formulas below
    # are statsmodels' own operations in the same order, so the numbers are the same.
    _validate_method(method)
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    q = p[tested]
    m = len(q)
    if m == 0 or method == "none":
        out[tested] = q
        return out
    if method == "bonferroni":
        adj = q * float(m)
    else:
        order = np.argsort(q, kind="stable")  # ties get equal adjusted values whatever their order
        qs = q[order]
        if method == "holm":
            adj_sorted = np.maximum.accumulate(qs * np.arange(m, 0, -1))
        else:  # fdr_bh
            adj_sorted = np.minimum.accumulate((qs / (np.arange(1, m + 1) / float(m)))[::-1])[::-1]
        adj = np.empty(m)
        adj[order] = adj_sorted
    out[tested] = np.minimum(adj, 1.0)
    return out


def _validate_method(method: str) -> None:
    # The same sentence as cycle_analytics.stats.validation.validate_correction, which callers use
    # up front; that module imports this one, so the kernel cannot import it back.
    if method not in CORRECTIONS:
        raise SurveyError(f"The p-value correction {method!r} is not one of {', '.join(CORRECTIONS)}.")
