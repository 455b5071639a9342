"""Segment comparisons: each segment value against the rest, per stage, and a test across values.

Everything is computed from one stage x segment-value x scale-point count table.

Definitions
-----------
* The *rest* of a value are the respondents with another value of the same segment; respondents
  without a value of the segment are left out of both sides and of the Kruskal-Wallis test.
* ``p_value``: two-sided Mann-Whitney U of the value's ratings against the rest's, tie-corrected
  normal approximation with continuity correction (identical to
  ``scipy.stats.mannwhitneyu(x, rest, method="asymptotic")``).
* ``p_adjusted``: p-values corrected over the whole stage x value table of the segment (the
  family a manager scans for "which group differs where"; :func:`flag_segments` corrects several
  segments' tables together, as :func:`cycle_analytics.stats.analysis.analyze` does for the list of
  weak segments) with
  :func:`cycle_analytics.stats.kernel.adjust_pvalues` (Holm by default, Benjamini-Hochberg with
  ``correction="fdr_bh"``, ``"bonferroni"``, ``"none"`` to skip); only values with ``n >= min_n``
  take part. Where a stage has exactly two values with answers, "A vs the rest" and "B vs the
  rest" are one and the same test, so that stage contributes one hypothesis, not two.
* ``flag``: ``"below"`` / ``"above"`` when ``p_adjusted < alpha`` and the value's mean is below /
  above the rest's; empty otherwise.
* ``too_few``: ``n < min_n``. Such rows keep ``n`` but their ``mean``, ``score_100``,
  ``rest_mean``, ``diff_vs_rest`` and p-values are NaN and the flag is empty: the app shows
  "too few responses" instead.
* Values nobody in the survey carries (unused categories) give no rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import (
    adjust_pvalues,
    count_table,
    group_codes,
    kruskal_from_counts,
    mann_whitney_from_counts,
    scale_values,
    summary_from_counts,
)
from cycle_analytics.stats.tables import WeightedCounts
from cycle_analytics.stats.validation import (
    validate_alpha,
    validate_correction,
    validate_min_n,
    validate_responses,
    validate_scale,
    validate_score_inputs,
)
from cycle_analytics.stats.weights import effective_counts

COMPARISON_COLUMNS = (
    "segment", "value", "stage", "n", "mean", "score_100", "rest_mean", "diff_vs_rest", "p_value", "p_adjusted", "flag", "too_few",
)
TEST_COLUMNS = ("segment", "stage", "statistic", "p_value", "n_groups")


def _validate_segment_inputs(ratings, responses, segment, scale=None, *, min_n=30, correction="holm", alpha=0.05) -> None:
    """Raise :class:`SurveyError` unless the tables, the segment column and the options can be used."""
    validate_score_inputs(ratings, scale, min_n=min_n)
    validate_responses(responses, ratings)
    if not isinstance(segment, str) or segment not in responses.columns:
        raise SurveyError(_("The responses table has no segment column {segment!r}.").format(segment=segment))
    if segment in ("response_id", "date"):
        raise SurveyError(_("The column {segment!r} cannot be used as a segment.").format(segment=segment))
    validate_correction(correction)
    validate_alpha(alpha)


def _segment_counts(ratings: pd.DataFrame, responses: pd.DataFrame, segment: str, scale: Scale):
    """``(counts[stage, value, point], labels)`` of one segment (values nobody carries dropped)."""
    codes, labels = group_codes(responses[segment])
    return count_table(ratings, scale, codes, len(labels))[:, :-1, :], labels


def _is_ordered(source: pd.Series) -> bool:
    """Whether a segment column's values have an order of their own (an ordered categorical)."""
    return isinstance(source.dtype, pd.CategoricalDtype) and bool(source.dtype.ordered)


def segment_comparison(
    ratings: pd.DataFrame,
    responses: pd.DataFrame,
    segment: str,
    scale: Scale,
    *,
    min_n: int = 30,
    correction: str = "holm",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each value of a segment against the rest of the segment, per stage.

    Parameters
    ----------
    ratings, responses : DataFrame
        The tidy survey tables (``responses`` rows = respondent codes).
    segment : str
        A segment column of ``responses``.
    scale : Scale
        The rating scale.
    min_n : int, default 30
        Values with fewer ratings of a stage are reported as too few (figures NaN).
    correction : {"holm", "fdr_bh", "bonferroni", "none"}
        Multiple-comparison correction over the whole stage x value table.
    alpha : float, default 0.05
        Significance level of the flag.

    Returns
    -------
    DataFrame
        ``segment, value, stage, n, mean, score_100, rest_mean, diff_vs_rest, p_value,
        p_adjusted, flag, too_few``, one row per stage x value (stage-major, cycle order), then
        ``rest_n``, ``u_statistic`` (the value's Mann-Whitney U) and ``correction`` (the method).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c", "d"]),
    ...     "stage": pd.Categorical(["X"] * 4, ordered=True), "score": [1.0, 2.0, 4.0, 5.0]})
    >>> resp = pd.DataFrame({"response_id": r.response_id.cat.categories,
    ...     "region": pd.Categorical(["N", "N", "S", "S"])})
    >>> segment_comparison(r, resp, "region", Scale(1, 5), min_n=2)[["value", "mean", "rest_mean", "flag"]].to_dict("list")
    {'value': ['N', 'S'], 'mean': [1.5, 4.5], 'rest_mean': [4.5, 1.5], 'flag': ['', '']}
    """
    _validate_segment_inputs(ratings, responses, segment, scale, min_n=min_n, correction=correction, alpha=alpha)
    c, labels = _segment_counts(ratings, responses, segment, scale)
    return _comparison_from_counts(c, labels, ratings["stage"].cat.categories, segment, scale, min_n, correction, alpha,
                                   _is_ordered(responses[segment]))


def flag_segments(comparison: pd.DataFrame, correction: str = "holm", alpha: float = 0.05) -> pd.DataFrame:
    """Correct the p-values of a comparison table as one family and set the flags (returns a copy).

    ``comparison`` is :func:`segment_comparison`'s table, or several of them stacked (one per
    segment column): the family is every row with a p-value. Where a (segment, stage) has exactly
    two values with answers, "A vs the rest" and "B vs the rest" are one and the same test: only the
    first enters the family and both get its result. Sets ``p_adjusted``, ``flag`` and ``correction``.

    Examples
    --------
    >>> t = pd.DataFrame({"segment": ["g"] * 3, "stage": ["X", "X", "Y"], "value": ["a", "b", "a"],
    ...     "n": [50, 50, 40], "p_value": [0.01, 0.01, 0.02], "diff_vs_rest": [-0.3, 0.3, 0.1]})
    >>> flag_segments(t)[["p_adjusted", "flag"]].to_dict("list")
    {'p_adjusted': [0.02, 0.02, 0.02], 'flag': ['below', 'above', 'above']}
    """
    validate_correction(correction)
    validate_alpha(alpha)
    out = comparison.copy()
    p = out["p_value"].to_numpy(dtype=np.float64)
    family = p.copy()
    cell = pd.MultiIndex.from_arrays([out["segment"].astype(str), out["stage"].astype(str)])
    codes = pd.factorize(cell)[0]
    tested = ~np.isnan(p)
    answered = out["n"].to_numpy() > 0
    for key in np.unique(codes):  # one (segment, stage) cell at a time: a few dozen
        rows = np.flatnonzero(codes == key)
        if answered[rows].sum() == 2 and tested[rows].sum() == 2:
            twins = rows[tested[rows]]
            family[twins[1]] = np.nan
    adjusted = adjust_pvalues(family, correction)
    for key in np.unique(codes):
        rows = np.flatnonzero(codes == key)
        if answered[rows].sum() == 2 and tested[rows].sum() == 2:
            twins = rows[tested[rows]]
            adjusted[twins[1]] = adjusted[twins[0]]
    diff = out["diff_vs_rest"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        sig = adjusted < alpha
    out["p_adjusted"] = adjusted
    out["flag"] = pd.array(np.where(sig & (diff < 0), "below", np.where(sig & (diff > 0), "above", "")), dtype="str")
    out["correction"] = pd.array([correction] * len(out), dtype="str")
    return out


def _comparison_from_counts(c, labels, stages, segment, scale, min_n, correction, alpha, ordered, rest=None) -> pd.DataFrame:
    n_s, n_g, _ = c.shape
    values = scale_values(scale)
    rest = c.sum(axis=1, keepdims=True) - c if rest is None else rest
    own = summary_from_counts(c, values, scale)
    other = summary_from_counts(rest, values, scale)
    u1, p = mann_whitney_from_counts(c, rest)
    n = own["n"]
    too_few = n < min_n
    mean = np.where(too_few, np.nan, own["mean"])
    rest_mean = np.where(too_few, np.nan, other["mean"])
    p = np.where(too_few, np.nan, p)
    u1 = np.where(too_few, np.nan, u1)
    diff = mean - rest_mean
    cats = list(stages)
    table = pd.DataFrame(
        {
            "segment": pd.array([segment] * (n_s * n_g), dtype="str"),
            "value": pd.Categorical(list(labels) * n_s, categories=list(labels), ordered=ordered),
            "stage": pd.Categorical.from_codes(np.repeat(np.arange(n_s), n_g), categories=cats, ordered=True),
            "n": n.reshape(-1).astype(np.int64),
            "mean": mean.reshape(-1),
            "score_100": np.asarray(scale.to_100(mean), dtype=float).reshape(-1),
            "rest_mean": rest_mean.reshape(-1),
            "diff_vs_rest": diff.reshape(-1),
            "p_value": p.reshape(-1),
            "p_adjusted": np.full(n_s * n_g, np.nan),
            "flag": pd.array([""] * (n_s * n_g), dtype="str"),
            "too_few": too_few.reshape(-1),
            "rest_n": other["n"].reshape(-1).astype(np.int64),
            "u_statistic": u1.reshape(-1),
            "correction": pd.array([correction] * (n_s * n_g), dtype="str"),
        }
    )
    return flag_segments(table, correction, alpha)


def segment_tests(
    ratings: pd.DataFrame, responses: pd.DataFrame, segment: str, *, min_n: int = 30, scale: Scale | None = None
) -> pd.DataFrame:
    """Kruskal-Wallis test across the values of a segment, per stage.

    Only values with at least ``min_n`` ratings of the stage take part; with fewer than two such
    values (or no spread at all) the statistic and p-value are NaN. ``scale`` is optional (the
    ranks do not depend on it); passing it saves a pass over the scores.

    Returns
    -------
    DataFrame
        ``segment, stage, statistic, p_value, n_groups`` (values that took part), one row per stage.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(list("abcdefgh")),
    ...     "stage": pd.Categorical(["X"] * 8, ordered=True), "score": [1.0, 1, 1, 2, 2, 3, 3, 3]})
    >>> resp = pd.DataFrame({"response_id": r.response_id.cat.categories,
    ...     "region": pd.Categorical(list("NNNNSSSS"))})
    >>> segment_tests(r, resp, "region", min_n=2)[["statistic", "n_groups"]].round(3).to_dict("list")
    {'statistic': [5.25], 'n_groups': [2]}
    """
    _validate_segment_inputs(ratings, responses, segment, scale, min_n=min_n)
    if scale is None:
        # the scale only sets the count table's points: any whole-number range covering the scores will do
        scores = ratings["score"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            lo, hi = (np.nanmin(scores), np.nanmax(scores)) if len(scores) and not np.isnan(scores).all() else (0.0, 1.0)
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise SurveyError(_("A score is not a finite number."))
        scale = Scale(int(np.floor(lo)), max(int(np.ceil(hi)), int(np.floor(lo)) + 1))
    c, _names = _segment_counts(ratings, responses, segment, scale)
    return _tests_from_counts(c, ratings["stage"].cat.categories, segment, min_n)


def _tests_from_counts(c, stages, segment, min_n) -> pd.DataFrame:
    rows = []
    for s in range(c.shape[0]):
        keep = c[s].sum(axis=1) >= max(min_n, 1)
        h, p = kruskal_from_counts(c[s][keep])
        rows.append((h, p, int(keep.sum())))
    cats = list(stages)
    arr = np.array(rows, dtype=float).reshape(-1, 3)
    return pd.DataFrame(
        {
            "segment": pd.array([segment] * len(rows), dtype="str"),
            "stage": pd.Categorical.from_codes(np.arange(len(rows)), categories=cats, ordered=True),
            "statistic": arr[:, 0],
            "p_value": arr[:, 1],
            "n_groups": arr[:, 2].astype(np.int64),
        }
    )


def segment_tables(
    ratings: pd.DataFrame, responses: pd.DataFrame, segment: str, scale: Scale, *,
    min_n: int = 30, correction: str = "holm", alpha: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(segment_comparison(...), segment_tests(...))`` from a single pass over the ratings (same options).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b"]),
    ...     "stage": pd.Categorical(["X", "X"], ordered=True), "score": [1.0, 2.0]})
    >>> resp = pd.DataFrame({"response_id": r.response_id.cat.categories, "g": pd.Categorical(["u", "v"])})
    >>> [len(t) for t in segment_tables(r, resp, "g", Scale(1, 5))]
    [2, 1]
    """
    _validate_segment_inputs(ratings, responses, segment, scale, min_n=min_n, correction=correction, alpha=alpha)
    c, labels = _segment_counts(ratings, responses, segment, scale)
    return segment_tables_from_counts(c, labels, segment, ratings["stage"].cat.categories, scale, min_n=min_n,
                                      correction=correction, alpha=alpha, ordered=_is_ordered(responses[segment]))


def segment_tables_from_counts(
    counts: np.ndarray, labels, segment: str, stages, scale: Scale, *, min_n: int = 30, correction: str = "holm",
    alpha: float = 0.05, ordered: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(segment_comparison, segment_tests)`` from the stage x value x point count table (same columns).

    ``counts[s, g, a]``: ratings of stage ``stages[s]`` with the ``a``-th point of ``scale`` by
    respondents whose segment value is ``labels[g]`` (no column for respondents without a value);
    ``ordered``: the values have an order of their own (kept in the ``value`` categorical).

    Examples
    --------
    >>> c = np.array([[[10, 5, 0, 0, 0], [0, 0, 0, 5, 10]]])
    >>> comp, tests = segment_tables_from_counts(c, ["N", "S"], "region", ["X"], Scale(1, 5), min_n=5)
    >>> comp["flag"].tolist(), int(tests["n_groups"].iloc[0])
    (['below', 'above'], 2)
    """
    validate_scale(scale)
    validate_min_n(min_n)
    validate_correction(correction)
    validate_alpha(alpha)
    c = np.asarray(counts, dtype=np.int64)
    return (
        _comparison_from_counts(c, tuple(labels), stages, segment, scale, min_n, correction, alpha, ordered),
        _tests_from_counts(c, stages, segment, min_n),
    )


def weighted_segment_tables_from_counts(
    table: WeightedCounts, labels, segment: str, stages, scale: Scale, *, min_n: int = 30, correction: str = "holm",
    alpha: float = 0.05, ordered: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`segment_tables_from_counts` of a weighted count table (stage x value x point).

    Every figure is computed from effective counts (:func:`cycle_analytics.stats.weights.effective_counts`):
    those of the value's ratings, and those of the rest's (from the rest's own sums of weights), so
    the means are weighted and the Mann-Whitney and Kruskal-Wallis tests count Kish's effective n
    of each side. ``n`` and ``rest_n`` are the real counts, ``n_eff`` the value's effective n;
    ``too_few`` is ``n_eff < min_n``. With every weight 1 the tables equal the unweighted ones
    (plus ``n_eff``).

    Examples
    --------
    >>> c = np.array([[[10, 5, 0, 0, 0], [0, 0, 0, 5, 10]]])
    >>> t = WeightedCounts(c, c * 2.0, c * 4.0)
    >>> comp, tests = weighted_segment_tables_from_counts(t, ["N", "S"], "region", ["X"], Scale(1, 5), min_n=5)
    >>> comp["flag"].tolist(), comp["n_eff"].tolist()
    (['below', 'above'], [15.0, 15.0])
    """
    validate_scale(scale)
    validate_min_n(min_n)
    validate_correction(correction)
    validate_alpha(alpha)
    counts = np.asarray(table.counts, dtype=np.int64)
    weights, squares = (np.asarray(a, dtype=np.float64) for a in (table.weights, table.squares))
    own, n_eff = effective_counts(table)
    rest_table = WeightedCounts(counts.sum(axis=1, keepdims=True) - counts, weights.sum(axis=1, keepdims=True) - weights,
                                squares.sum(axis=1, keepdims=True) - squares)
    rest, _ = effective_counts(rest_table)
    comparison = _comparison_from_counts(own, tuple(labels), stages, segment, scale, min_n, correction, alpha, ordered,
                                         rest=rest)
    comparison["n"] = counts.sum(axis=-1).reshape(-1)
    comparison["rest_n"] = rest_table.counts.sum(axis=-1).reshape(-1)
    comparison.insert(comparison.columns.get_loc("n") + 1, "n_eff", n_eff.reshape(-1))
    return comparison, _tests_from_counts(own, stages, segment, min_n)
