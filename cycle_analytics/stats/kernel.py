"""The statistics kernel: count tables and the closed-form statistics computed from them.

Ratings are discrete, so a stage's scores (and their joint distribution with an outcome, a segment
or a period) are fully described by small count tables. They are built in one vectorised pass with
``np.bincount`` over combined integer codes (:func:`count_table`), so the cost is linear in the
number of ratings and the statistics afterwards cost nothing that depends on it.

Every primitive of the statistics layer lives here once:

* codes: :func:`score_codes`, :func:`respondent_codes`, :func:`codes_of`, :func:`group_codes`,
  :func:`discretise`, :func:`score_matrix` (respondent x stage), :func:`pattern_sums` (distinct
  rows of a code matrix with the count, sum and sum of squares of an outcome);
* count tables: :func:`count_table`, :class:`OutcomeTable` (stage x outcome value x score) and
  :class:`StageIndexed`, what every per-stage table shares;
* statistics on count tables (vectorised over any leading axes, last axis = scale points):
  :func:`summary_from_counts`, :func:`median_from_counts`, :func:`midranks`, :func:`tie_term`,
  :func:`mann_whitney_from_counts`, :func:`kruskal_from_counts`, :func:`spearman_from_counts`;
* intervals and tests from sums: :func:`wilson_interval` (proportions), :func:`welch_from_moments`
  (two means from their counts, sums and sums of squares);
* correlations of columns over the rows where both are present, from distinct rows and their
  weights: :func:`pairwise_correlations`;
* multiple comparisons: :func:`adjust_pvalues` with the methods in :data:`CORRECTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats
from threadpoolctl import threadpool_limits

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
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
        raise SurveyError(_("A score of {score} is not a point of the {scale} scale.").format(
            score=f"{s[bad][0]:g}", scale=scale.label()))
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


def score_matrix(ratings: pd.DataFrame, scale: Scale) -> np.ndarray:
    """Respondent x stage matrix of 0-based score codes (int8; -1 = not rated), one scatter pass.

    Rows follow the categories of ``ratings.response_id`` (= the ``responses`` rows), columns the
    stages in cycle order; the array is column-major (each stage's column is contiguous). Raises
    when a score is off the scale or a respondent rated a stage twice.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "b"]),
    ...     "stage": pd.Categorical(["X", "Y", "Y"], ordered=True), "score": [5.0, 3.0, 1.0]})
    >>> score_matrix(r, Scale(1, 5)).tolist()
    [[4, 2], [-1, 0]]
    """
    resp = ratings["response_id"].cat.codes.to_numpy()
    stage = ratings["stage"].cat.codes.to_numpy()
    scores = _whole_scores(ratings["score"].to_numpy(dtype=np.float64), scale)
    if len(stage) and (stage.min() < 0 or resp.min() < 0):
        raise SurveyError(_("A rating has no stage or no respondent id (a missing value in the ratings table)."))
    cats = ratings["stage"].cat.categories
    n_resp, n_st = len(ratings["response_id"].cat.categories), len(cats)
    dtype = np.int8 if scale.points <= 127 else (np.int16 if scale.points <= 32767 else np.int32)
    # stage-major storage (the transpose is returned): every per-stage column is contiguous
    mat = np.full((n_st, n_resp), -1, dtype=dtype)
    flat = stage.astype(np.int64) * n_resp + resp
    mat.reshape(-1)[flat] = (scores - scale.minimum).astype(dtype)
    # a respondent rating a stage twice would overwrite a cell: fewer filled cells than ratings
    if int(np.count_nonzero(mat >= 0)) != len(flat):
        per_cell = np.bincount(flat, minlength=n_resp * n_st)
        dup = int(np.argmax(per_cell > 1))
        rid = ratings["response_id"].cat.categories[dup % n_resp]
        raise SurveyError(_("Respondent {respondent!r} rated the stage {stage!r} more than once.").format(
            respondent=rid, stage=cats[dup // n_resp]))
    return mat.T


def pairwise_correlations(values: np.ndarray, present: np.ndarray, weights: np.ndarray, respondents: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlations of every pair of columns over the rows where both are present, from
    distinct rows with a weight each (respondents, times their survey weight when weighted).

    Four weighted matrix products, no pass per pair: the cost does not depend on the number of
    respondents. ``respondents`` (per row: the real number of respondents) counts who is behind
    each pair. A pair with fewer than 3 respondents, or without spread on either side, is NaN; the
    diagonal is 1 for columns with spread. Returns ``(corr, respondents per pair)``.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 3.0], [4.0, 0.0]])
    >>> present = np.array([[1, 1], [1, 1], [1, 1], [1, 0]], dtype=bool)
    >>> r, n = pairwise_correlations(x, present, np.ones(4), np.ones(4))
    >>> round(float(r[0, 1]), 3), n.tolist()
    (0.866, [[4, 3], [3, 3]])
    """
    rated = np.asarray(present, dtype=np.float64)
    x = np.where(present, values, 0.0).astype(np.float64)
    w = np.asarray(weights, dtype=np.float64)[:, None]
    # columns x columns results: one BLAS thread is enough and does not fight other work for the cores
    with threadpool_limits(limits=1, user_api="blas"):
        pairs = (rated * w).T @ rated
        sum_x = (x * w).T @ rated  # [j, k]: sum of column j where both j and k are present
        sum_xx = (x * x * w).T @ rated
        sum_xy = (x * w).T @ x
        behind = (rated * np.asarray(respondents, dtype=np.float64)[:, None]).T @ rated
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_j = sum_x / pairs
        mean_k = sum_x.T / pairs
        cov = sum_xy / pairs - mean_j * mean_k
        var_j = sum_xx / pairs - mean_j**2
        var_k = sum_xx.T / pairs - mean_k**2
        corr = cov / np.sqrt(var_j * var_k)
    ok = (behind >= 3) & (pairs > 0) & (var_j > 1e-12) & (var_k > 1e-12)
    corr = np.where(ok, np.clip(corr, -1.0, 1.0), np.nan)
    np.fill_diagonal(corr, np.where(np.diag(ok), 1.0, np.nan))
    return corr, np.rint(behind).astype(np.int64)


# Pattern keys: a dense bincount up to this many possible patterns, np.unique on int64 keys beyond.
_DENSE_PATTERN_SPACE = 2**22


def pattern_sums(codes: np.ndarray, base: int, y: np.ndarray, weights: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``codes`` (whole numbers ``0..base-1``) with the count, sum and sum of
    squares of ``y`` over the rows that share them, in one vectorised pass.

    Rows are packed into one integer key (a bincount when ``base ** columns`` is small, ``np.unique``
    on the keys while they fit in int64, ``np.unique`` on the rows beyond). Returns ``(rows (k, c)
    int64, counts, sums, sumsq)`` (float64), rows in key order. ``weights`` (one per row, e.g. the
    respondents of each row of a pattern table): ``counts`` sums them, and ``sums`` / ``sumsq`` sum
    ``weights * y`` and ``weights * y**2``.

    Examples
    --------
    >>> rows, n, s, q = pattern_sums(np.array([[1, 0], [1, 0], [0, 2]]), 3, np.array([2.0, 4.0, 5.0]))
    >>> rows.tolist(), n.tolist(), s.tolist(), q.tolist()
    ([[0, 2], [1, 0]], [1.0, 2.0], [5.0, 6.0], [25.0, 20.0])
    """
    codes = np.asarray(codes)
    y = np.asarray(y, dtype=np.float64)
    n_rows, n_cols = codes.shape
    space = float(base) ** n_cols
    if n_rows == 0:
        empty = np.empty(0)
        return np.empty((0, n_cols), dtype=np.int64), empty, empty, empty
    if space >= 2**62:
        rows, inverse = np.unique(codes, axis=0, return_inverse=True)
        inverse, n_pat = inverse.ravel(), len(rows)
    else:
        key = np.zeros(n_rows, dtype=np.int64)
        for j in range(n_cols):  # one pass per column, not per row
            key *= base
            key += codes[:, j]
        if space <= _DENSE_PATTERN_SPACE:
            inverse, n_pat = key, int(space)
        else:
            uniq, inverse = np.unique(key, return_inverse=True)
            n_pat = len(uniq)
    if weights is None:
        counts = np.bincount(inverse, minlength=n_pat).astype(np.float64)
        sums = np.bincount(inverse, weights=y, minlength=n_pat)
        sumsq = np.bincount(inverse, weights=y * y, minlength=n_pat)
    else:
        w = np.asarray(weights, dtype=np.float64)
        counts = np.bincount(inverse, weights=w, minlength=n_pat)
        sums = np.bincount(inverse, weights=w * y, minlength=n_pat)
        sumsq = np.bincount(inverse, weights=w * y * y, minlength=n_pat)
    used = counts > 0
    if space >= 2**62:
        out = rows[used].astype(np.int64)
    else:
        keys = np.flatnonzero(used) if space <= _DENSE_PATTERN_SPACE else uniq[used]
        out = np.empty((len(keys), n_cols), dtype=np.int64)
        for j in range(n_cols - 1, -1, -1):
            out[:, j] = keys % base
            keys = keys // base
    return out, counts[used], sums[used], sumsq[used]


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
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Stage x group x point counts in one vectorised pass (or sums of respondent weights).

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
    weights : array of float, optional
        One value per respondent (a survey weight, or its square): each cell then holds the sum of
        the values of its ratings' respondents instead of the count (float64).

    Returns
    -------
    ndarray of int64
        ``(n_stages, 1, n_points)`` when ungrouped, else ``(n_stages, n_groups + 1, n_points)``
        whose last group holds the ratings without a group (float64 sums with ``weights``).

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
        raise SurveyError(_("A rating has no stage (the stage column holds a missing value)."))
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
    if weights is not None:
        per_rating_weight = np.asarray(weights, dtype=np.float64)[ratings["response_id"].cat.codes.to_numpy()]
        return np.bincount(flat - lo, weights=per_rating_weight, minlength=size).reshape(n_s, n_g, k)
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
        raise SurveyError(_("A score is not a point of the rating scale."))  # pragma: no cover - score_codes raised
    return ints


def _rating_groups(ratings: pd.DataFrame, codes: np.ndarray, n_groups: int, per_rating: bool) -> np.ndarray:
    """The group of every rating (``n_groups`` for no group), as the narrowest integer type that fits."""
    groups = np.asarray(codes)
    if per_rating and groups.shape != (len(ratings),):
        raise SurveyError(_("There must be one group code per rating."))
    groups = np.where(groups < 0, n_groups, groups).astype(np.int16 if n_groups + 1 < 32000 else np.int64)
    if per_rating:
        return groups
    respondent = ratings["response_id"].cat.codes.to_numpy()
    if len(respondent) and respondent.min() < 0:
        raise SurveyError(_("A rating has no respondent id (the response_id column holds a missing value)."))
    return groups[respondent]


def scale_values(scale: Scale) -> np.ndarray:
    """The scale's points as floats (the last axis of a count table)."""
    return np.asarray(scale.values, dtype=float)


class StageIndexed:
    """What tables with one entry per stage share: their ``stage_dtype`` (the ordered stage
    categorical of the ratings), the stage names and the stage column of a result table."""

    stage_dtype: pd.CategoricalDtype

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(str(s) for s in self.stage_dtype.categories)

    def stage_column(self) -> pd.Categorical:
        return pd.Categorical.from_codes(np.arange(len(self.stage_dtype.categories)), dtype=self.stage_dtype)


@dataclass(frozen=True)
class OutcomeTable(StageIndexed):
    """Ratings cross-tabulated by stage, outcome value and score.

    ``counts[s, b, a]``: ratings of stage ``s`` with score ``scores[a]`` whose outcome is
    ``outcomes[b]`` (sorted ascending). ``missing[s, a]``: ratings of stage ``s`` with score
    ``scores[a]`` and no outcome. Built by :func:`cycle_analytics.stats.drivers.outcome_table`.
    A weighted table (:attr:`is_weighted`) also holds ``weights[s, b, a]`` and ``squares[s, b, a]``,
    the sums of the survey weights of the ratings' respondents and of their squares per cell.
    """

    stage_dtype: pd.CategoricalDtype
    scale: Scale
    scores: np.ndarray
    outcomes: np.ndarray
    counts: np.ndarray
    missing: np.ndarray
    weights: np.ndarray | None = None
    squares: np.ndarray | None = None

    @property
    def is_weighted(self) -> bool:
        return self.weights is not None


# --------------------------------------------------------------------------------------------
# statistics from count tables (vectorised over any leading axes; last axis = scale points)
# --------------------------------------------------------------------------------------------


def summary_from_counts(counts: np.ndarray, values: np.ndarray, scale: Scale, *, confidence: float = 0.95) -> dict:
    """Per-cell n, mean, sd, median, interval, boxes and NPS from ``counts[..., k]`` (score ``values[k]``).

    Every interval stays on its scale: the mean's is Student's t interval cut at the ends of the
    rating scale (the mean cannot lie outside them, so the cut keeps the coverage); the box
    percentages and the NPS parts (promoters 9-10, detractors 0-6) get Wilson score intervals
    (:func:`wilson_interval`), in percent.

    Returns a dict of float arrays shaped like ``counts.shape[:-1]`` (``n`` is int64): ``n, mean,
    sd, median, ci_low, ci_high, score_100, top_box_pct, bottom_box_pct, nps``, the box intervals
    ``top_box_ci_low, top_box_ci_high, bottom_box_ci_low, bottom_box_ci_high`` and ``promoters_pct,
    promoters_ci_low, promoters_ci_high, detractors_pct, detractors_ci_low, detractors_ci_high``
    (NaN unless the scale is 0-10).

    Examples
    --------
    >>> out = summary_from_counts(np.array([5, 10, 15, 40, 30]), np.arange(1.0, 6.0), Scale(1, 5))
    >>> float(out["mean"]), float(out["top_box_pct"]), float(out["bottom_box_pct"])
    (3.8, 70.0, 15.0)
    >>> out = summary_from_counts(np.array([1, 0, 0, 0, 4]), np.arange(1.0, 6.0), Scale(1, 5))
    >>> round(float(out["ci_low"]), 2), float(out["ci_high"])
    (1.98, 5.0)
    """
    c = np.asarray(counts)
    # float counts: the effective counts of weighted ratings (cycle_analytics.stats.weights)
    c = c.astype(np.float64) if c.dtype.kind == "f" else c.astype(np.int64)
    v = np.asarray(values, dtype=float)
    n = c.sum(axis=-1)
    nf = n.astype(float)
    top = np.isin(v, np.asarray(scale.top_box, dtype=float))
    bottom = np.isin(v, np.asarray(scale.bottom_box, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (c * v).sum(axis=-1) / nf
        dev = v - mean[..., None]
        ss = (c * dev * dev).sum(axis=-1)
        sd = np.where(n > 1, np.sqrt(ss / (nf - 1.0)), np.nan)
        df = np.where(n > 1, nf - 1.0, np.nan)
        tq = stats.t.ppf(0.5 + confidence / 2.0, df)
        half = tq * sd / np.sqrt(nf)
    mean = np.where(n > 0, mean, np.nan)
    out = {
        "n": n,
        "mean": mean,
        "sd": sd,
        "median": median_from_counts(c, v),
        "ci_low": np.maximum(mean - half, float(scale.minimum)),
        "ci_high": np.minimum(mean + half, float(scale.maximum)),
        "score_100": np.asarray(scale.to_100(mean), dtype=float).reshape(n.shape),
    }
    for name, hits in (("top_box", c[..., top].sum(axis=-1)), ("bottom_box", c[..., bottom].sum(axis=-1))):
        out.update(_percent_with_interval(name, hits, n, confidence))
    out["top_box_pct"], out["bottom_box_pct"] = out.pop("top_box"), out.pop("bottom_box")
    if scale.supports_nps:
        prom = _percent_with_interval("promoters", c[..., v >= 9].sum(axis=-1), n, confidence)
        detr = _percent_with_interval("detractors", c[..., v <= 6].sum(axis=-1), n, confidence)
        out["nps"] = prom["promoters"] - detr["detractors"]
    else:
        nothing = np.zeros(n.shape, dtype=np.int64)
        prom = {k: np.full(n.shape, np.nan) for k in _percent_with_interval("promoters", nothing, n, confidence)}
        detr = {k: np.full(n.shape, np.nan) for k in _percent_with_interval("detractors", nothing, n, confidence)}
        out["nps"] = np.full(n.shape, np.nan)
    out["promoters_pct"], out["detractors_pct"] = prom.pop("promoters"), detr.pop("detractors")
    out.update(prom)
    out.update(detr)
    return out


def _percent_with_interval(name: str, hits: np.ndarray, n: np.ndarray, confidence: float) -> dict:
    """``{name: percentage, name_ci_low, name_ci_high}`` (Wilson, in percent; NaN for n = 0)."""
    lo, hi = wilson_interval(hits, n, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 0, 100.0 * hits / np.asarray(n, dtype=float), np.nan)
    return {name: pct, f"{name}_ci_low": 100.0 * lo, f"{name}_ci_high": 100.0 * hi}


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval of a proportion; always inside [0, 1] (NaN where n = 0).

    ``(p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``z`` the normal quantile
    of ``confidence``; equals ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([0, 5]), np.array([5, 5]))
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([0.0, 0.566], [0.434, 1.0])
    """
    k = np.asarray(successes, dtype=float)
    nf = np.asarray(n, dtype=float)
    z = special.ndtri(0.5 + confidence / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / nf
        z2n = z * z / nf
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z * np.sqrt(p * (1.0 - p) / nf + z2n / (4.0 * nf)) / (1.0 + z2n)
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    empty = nf <= 0
    return np.where(empty, np.nan, lo), np.where(empty, np.nan, hi)


def welch_from_moments(n1, s1, ss1, n2, s2, ss2, confidence: float = 0.95) -> dict:
    """Welch's comparison of two means given each group's count, sum and sum of squares.

    Returns a dict of arrays: ``mean1``, ``mean2``, ``diff = mean1 - mean2``, its Welch
    (Satterthwaite) interval ``ci_low``/``ci_high`` and the two-sided p-value of Welch's t test
    ``p`` (as ``scipy.stats.ttest_ind(equal_var=False)``). The interval and p are NaN unless both
    groups have at least two values and some spread; the means are NaN for an empty group.

    Examples
    --------
    >>> out = welch_from_moments(3, 6.0, 14.0, 3, 12.0, 50.0)
    >>> float(out["diff"]), round(float(out["p"]), 4)
    (-2.0, 0.0705)
    """
    n1, s1, ss1, n2, s2, ss2 = (np.asarray(a, dtype=np.float64) for a in (n1, s1, ss1, n2, s2, ss2))
    with np.errstate(invalid="ignore", divide="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        var1 = np.clip(ss1 - n1 * m1 * m1, 0.0, None) / (n1 - 1.0)
        var2 = np.clip(ss2 - n2 * m2 * m2, 0.0, None) / (n2 - 1.0)
        a1, a2 = var1 / n1, var2 / n2
        se = np.sqrt(a1 + a2)
        df = (a1 + a2) ** 2 / (a1 * a1 / (n1 - 1.0) + a2 * a2 / (n2 - 1.0))
        diff = m1 - m2
        half = stats.t.ppf(0.5 + confidence / 2.0, df) * se
        p = 2.0 * stats.t.sf(np.abs(diff) / se, df)
    ok = (n1 >= 2) & (n2 >= 2) & (se > 0)
    return {
        "mean1": np.where(n1 > 0, m1, np.nan),
        "mean2": np.where(n2 > 0, m2, np.nan),
        "diff": np.where((n1 > 0) & (n2 > 0), diff, np.nan),
        "ci_low": np.where(ok, diff - half, np.nan),
        "ci_high": np.where(ok, diff + half, np.nan),
        "p": np.where(ok, np.minimum(p, 1.0), np.nan),
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
    # every answer on one point: no spread, whatever the rounding of effective (weighted) counts
    # leaves in s (a tiny positive or NaN), so every table builder gives the same answer
    spread = (pooled > 0).sum(axis=-1) > 1
    p = np.where((s > 0) & spread, p, tied_p)
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
    if not corr > 0 or (pooled > 0).sum() < 2:  # every answer on one point (exactly, whatever the rounding)
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
        raise SurveyError(_("The p-value correction {method!r} is not one of {methods}.").format(
            method=method, methods=", ".join(CORRECTIONS)))
