"""Stage scores, answer distributions, NPS and stage-to-stage change along the cycle.

Every figure is computed from the count tables of :mod:`cycle_analytics.stats.kernel` (stage x group x
scale point, :func:`~cycle_analytics.stats.kernel.count_table`), built in one vectorised pass, so the
cost after that pass does not depend on the number of ratings.

Definitions
-----------
* ``n``: ratings of the stage (N/A answers are not ratings).
* ``mean``, ``sd`` (ddof=1), ``median`` (the mean of the two middle answers when ``n`` is even, as
  :func:`numpy.median`), ``ci_low``/``ci_high``: the ``confidence`` t-interval of the mean,
  ``mean -/+ t(1-(1-confidence)/2, n-1) * sd / sqrt(n)``, cut at the ends of the scale (the mean
  cannot lie outside them; on large samples the cut never bites).
* ``score_100``: :meth:`Scale.to_100` of the mean. ``top_box_pct``/``bottom_box_pct``: percentage
  of the stage's ratings in :attr:`Scale.top_box` / :attr:`Scale.bottom_box`.
* ``nps``: on a 0-10 scale only, percentage of promoters (9-10) minus percentage of detractors
  (0-6); NaN on other scales.
* Intervals of percentages (``top_box_ci_low`` ... ``bottom_box_ci_high``, and on a 0-10 scale
  ``promoters_ci_*`` / ``detractors_ci_*`` beside ``promoters_pct`` / ``detractors_pct``): Wilson
  score intervals (:func:`cycle_analytics.stats.kernel.wilson_interval`), which never leave 0-100.
* ``small_sample``: ``n < min_n``; a flag only, the figures are still given.
* A stage without ratings gives a row with ``n = 0``, NaN figures and ``small_sample`` true; with
  ``n = 1`` the mean is defined but ``sd`` and the interval are NaN.
* ``stage_changes``: consecutive stages in cycle order, over the respondents who rated both;
  the Wilcoxon signed-rank test on the differences ``to - from`` (zero differences dropped; the
  p-value equals :func:`scipy.stats.wilcoxon` with its defaults: exact without ties and zeros up
  to 50 pairs, the exact sign-flip distribution up to 13 pairs, else the tie-corrected normal
  approximation without continuity correction) and the matched-pairs rank-biserial correlation
  ``(R+ - R-) / (R+ + R-)`` (positive: the later stage is rated higher). ``p_value`` is NaN when
  fewer than 2 pairs or no non-zero difference.
* Weighted ``stage_changes`` (a weighted pair table; ``n_eff``, Kish's effective n of the paired
  respondents, after ``n_pairs``): weighted means; the signed-rank statistic
  ``T = sum w_i sign(d_i) r_i`` over the non-zero differences, with the weights scaled to sum to
  their number ``m`` and ``r_i`` the weighted midrank of ``|d_i|`` (the scaled weight of the smaller
  ``|d|`` plus half that of its own, plus 1/2), ``R+``/``R-`` the weighted sums of the positive and
  negative ranks (``T = R+ - R-``), and the two-sided normal p-value of ``T / sqrt(sum w_i**2 r_i**2)``
  (the sign-flip variance; with every weight 1 it is the tie-corrected normal approximation above).
  Equal weights within a pair of stages give exactly the unweighted test, small-sample exact
  p-values included; unequal weights always use the normal approximation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import (
    count_table,
    group_codes,
    midranks,
    scale_values,
    score_matrix,
    summary_from_counts,
    tie_term,
)
from cycle_analytics.stats.tables import StagePairs, WeightedCounts
from cycle_analytics.stats.validation import validate_confidence, validate_min_n, validate_scale, validate_score_inputs
from cycle_analytics.stats.weights import kish_from_sums, weighted_summary

#: Wilson intervals (percent) of the box percentages.
BOX_INTERVAL_COLUMNS = ("top_box_ci_low", "top_box_ci_high", "bottom_box_ci_low", "bottom_box_ci_high")
#: The NPS parts with their Wilson intervals (percent; NaN unless the scale is 0-10).
NPS_PART_COLUMNS = (
    "promoters_pct", "promoters_ci_low", "promoters_ci_high", "detractors_pct", "detractors_ci_low", "detractors_ci_high",
)
STAGE_SCORE_COLUMNS = (
    "stage", "order", "n", "mean", "sd", "median", "ci_low", "ci_high", "score_100",
    "top_box_pct", "bottom_box_pct", "nps", "small_sample", *BOX_INTERVAL_COLUMNS, *NPS_PART_COLUMNS,
)
GROUPED_COLUMNS = (
    "stage", None, "n", "mean", "ci_low", "ci_high", "score_100", "top_box_pct", "bottom_box_pct", "small_sample",
    *BOX_INTERVAL_COLUMNS,
)
DISTRIBUTION_COLUMNS = ("stage", "score", "count", "pct")
CHANGE_COLUMNS = (
    "stage_from", "stage_to", "n_pairs", "mean_from", "mean_to", "mean_change", "statistic", "p_value", "effect_size",
)

# scipy.stats.wilcoxon's default ("auto") method: up to 50 pairs an exact p-value when there are
# no ties and no zero differences, an exhaustive sign-flip permutation p-value up to 13 pairs
# otherwise; the tie-corrected normal approximation in every other case. stage_changes follows the
# same rules (so its p-values equal scipy's), but computes the exact null distribution of R+ by
# convolution of the (doubled, integer) midranks, which is instant where scipy's permutation test
# takes seconds at 13 pairs.
_WILCOXON_SMALL_MAX = 50
_WILCOXON_PERMUTATION_MAX = 13


def stage_categorical(stages, categories) -> pd.Categorical:
    """Stage labels as the ordered categorical of the cycle (``categories`` in cycle order)."""
    return pd.Categorical(list(stages), categories=list(categories), ordered=True)


# --------------------------------------------------------------------------------------------
# public tables


def _stage_scores_from_counts(tot: np.ndarray, cats, scale: Scale, min_n: int, confidence: float) -> pd.DataFrame:
    out = summary_from_counts(tot, scale_values(scale), scale, confidence=confidence)
    n_s = tot.shape[0]
    df = pd.DataFrame(
        {
            "stage": pd.Categorical.from_codes(np.arange(n_s), categories=list(cats), ordered=True),
            "order": np.arange(1, n_s + 1, dtype=np.int64),
        }
    )
    for col in STAGE_SCORE_COLUMNS[2:]:
        df[col] = out["n"] < min_n if col == "small_sample" else out[col]
    df["n"] = df["n"].astype(np.int64)
    return df


def _distribution_from_counts(tot: np.ndarray, cats, scale: Scale) -> pd.DataFrame:
    n = tot.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 0, 100.0 * tot / np.maximum(n, 1), np.nan)
    n_s, k = tot.shape
    return pd.DataFrame(
        {
            "stage": pd.Categorical.from_codes(np.repeat(np.arange(n_s), k), categories=list(cats), ordered=True),
            "score": np.tile(scale_values(scale), n_s),
            "count": tot.reshape(-1).astype(np.int64),
            "pct": pct.reshape(-1),
        }
    )


def stage_scores(ratings: pd.DataFrame, scale: Scale, *, min_n: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """Per-stage n, mean, sd, median, t-interval, ``score_100``, box percentages and NPS.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table (``response_id``, ``stage``, ``score``).
    scale : Scale
        The rating scale.
    min_n : int, default 30
        Stages with fewer ratings are flagged ``small_sample`` (never hidden).
    confidence : float, default 0.95
        Confidence level of the t-interval of the mean.

    Returns
    -------
    DataFrame
        One row per stage in cycle order: ``stage, order`` (1 = first stage), ``n, mean, sd,
        median, ci_low, ci_high, score_100, top_box_pct, bottom_box_pct, nps`` (NaN unless the
        scale is 0-10), ``small_sample``, then the Wilson intervals of the boxes and the NPS parts
        (:data:`BOX_INTERVAL_COLUMNS`, :data:`NPS_PART_COLUMNS`).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c"]),
    ...     "stage": pd.Categorical(["X", "X", "X"], categories=["X", "Y"], ordered=True),
    ...     "score": [5.0, 4.0, 3.0]})
    >>> stage_scores(r, Scale(1, 5))[["stage", "n", "mean", "top_box_pct"]].to_dict("list")
    {'stage': ['X', 'Y'], 'n': [3, 0], 'mean': [4.0, nan], 'top_box_pct': [66.66666666666667, nan]}
    """
    validate_score_inputs(ratings, scale, min_n=min_n, confidence=confidence)
    tot = count_table(ratings, scale)[:, 0, :]
    return _stage_scores_from_counts(tot, ratings["stage"].cat.categories, scale, min_n, confidence)


def score_distribution(ratings: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Count and percentage of every scale point per stage (zero counts included).

    ``pct`` is the percentage of the stage's ratings (NaN for a stage without ratings).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b"]),
    ...     "stage": pd.Categorical(["X", "X"], ordered=True), "score": [1.0, 3.0]})
    >>> score_distribution(r, Scale(1, 3))[["score", "count", "pct"]].to_dict("list")
    {'score': [1.0, 2.0, 3.0], 'count': [1, 0, 1], 'pct': [50.0, 0.0, 50.0]}
    """
    validate_score_inputs(ratings, scale)
    tot = count_table(ratings, scale)[:, 0, :]
    return _distribution_from_counts(tot, ratings["stage"].cat.categories, scale)


def score_tables(
    ratings: pd.DataFrame, scale: Scale, *, min_n: int = 30, confidence: float = 0.95
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(stage_scores(...), score_distribution(...))`` from a single pass over the ratings.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a"]),
    ...     "stage": pd.Categorical(["X"], ordered=True), "score": [2.0]})
    >>> [len(t) for t in score_tables(r, Scale(1, 5))]
    [1, 5]
    """
    validate_score_inputs(ratings, scale, min_n=min_n, confidence=confidence)
    tot = count_table(ratings, scale)[:, 0, :]
    return score_tables_from_counts(tot, ratings["stage"].cat.categories, scale, min_n=min_n, confidence=confidence)


def score_tables_from_counts(
    counts: np.ndarray, stages, scale: Scale, *, min_n: int = 30, confidence: float = 0.95
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(stage_scores, score_distribution)`` from the stage x point count table (same columns).

    ``counts[s, a]``: ratings of stage ``stages[s]`` with the ``a``-th point of ``scale``
    (:meth:`cycle_analytics.stats.tables.ScorePatterns.score_table`, or
    :func:`~cycle_analytics.stats.kernel.count_table` without groups).

    Examples
    --------
    >>> t, d = score_tables_from_counts(np.array([[0, 1, 0, 0, 2]]), ["X"], Scale(1, 5))
    >>> float(t["mean"].iloc[0]), d["count"].tolist()
    (4.0, [0, 1, 0, 0, 2])
    """
    validate_scale(scale)
    validate_min_n(min_n)
    validate_confidence(confidence)
    tot = np.asarray(counts, dtype=np.int64)
    cats = list(stages)
    return (_stage_scores_from_counts(tot, cats, scale, min_n, confidence), _distribution_from_counts(tot, cats, scale))


def weighted_score_tables(
    table: WeightedCounts, stages, scale: Scale, *, min_n: int = 30, confidence: float = 0.95
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`score_tables_from_counts` of a weighted count table (:mod:`cycle_analytics.stats.weights`).

    The stage table has the same columns with every figure weighted, ``n`` the real count and
    ``n_eff`` (Kish's effective n) after it; ``small_sample`` is ``n_eff < min_n``. The
    distribution's ``count`` is the real count, ``weight`` the sum of the weights and ``pct`` the
    weighted percentage. With every weight 1 both tables equal the unweighted ones (plus ``n_eff``
    equal to ``n`` and ``weight`` equal to ``count``).

    Examples
    --------
    >>> t = WeightedCounts(np.array([[1, 0, 0, 0, 1]]), np.array([[3.0, 0, 0, 0, 1.0]]), np.array([[9.0, 0, 0, 0, 1.0]]))
    >>> st, d = weighted_score_tables(t, ["X"], Scale(1, 5))
    >>> st[["n", "n_eff", "mean"]].to_dict("records"), d["pct"].tolist()
    ([{'n': 2, 'n_eff': 1.6, 'mean': 2.0}], [75.0, 0.0, 0.0, 0.0, 25.0])
    """
    validate_scale(scale)
    validate_min_n(min_n)
    validate_confidence(confidence)
    cats = list(stages)
    out = weighted_summary(table, scale, confidence=confidence)
    n_s = len(cats)
    df = pd.DataFrame({"stage": pd.Categorical.from_codes(np.arange(n_s), categories=cats, ordered=True),
                       "order": np.arange(1, n_s + 1, dtype=np.int64)})
    for col in STAGE_SCORE_COLUMNS[2:]:
        df[col] = out["n_eff"] < min_n if col == "small_sample" else out[col]
    df["n"] = df["n"].astype(np.int64)
    df.insert(df.columns.get_loc("n") + 1, "n_eff", out["n_eff"])
    weights = np.asarray(table.weights, dtype=np.float64)
    distribution = _distribution_from_counts(np.asarray(table.counts, dtype=np.int64), cats, scale)
    total = weights.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # the same expression as the unweighted pct
        pct = np.where(total > 0, 100.0 * weights / np.where(total > 0, total, 1.0), np.nan)
    distribution["pct"] = pct.reshape(-1)
    distribution.insert(distribution.columns.get_loc("count") + 1, "weight", weights.reshape(-1))
    return df, distribution


def grouped_stage_scores(
    ratings: pd.DataFrame,
    groups,
    scale: Scale,
    *,
    name: str,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Stage scores per stage and group (segment value, period, ...).

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table.
    groups : array-like
        One label per respondent, aligned with the ``responses`` rows (= the categories of
        ``ratings.response_id``). Respondents with a missing label are left out. Labels nobody
        carries (unused categories) give no rows; a label whose respondents did not rate a stage
        gives a row with ``n = 0``.
    scale : Scale
        The rating scale.
    name : str
        Name of the group column in the result.
    min_n : int, default 30
        Cells with fewer ratings are flagged ``small_sample``.
    confidence : float, default 0.95
        Confidence level of the t-interval.

    Returns
    -------
    DataFrame
        ``stage, <name>, n, mean, ci_low, ci_high, score_100, top_box_pct, bottom_box_pct,
        small_sample, top_box_ci_low, top_box_ci_high, bottom_box_ci_low, bottom_box_ci_high``
        sorted by stage, then group (category order, else sorted labels). The
        group column is categorical when ``groups`` is.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c"]),
    ...     "stage": pd.Categorical(["X", "X", "X"], ordered=True), "score": [5.0, 4.0, 3.0]})
    >>> grouped_stage_scores(r, ["m", "m", "f"], Scale(1, 5), name="sex")[["sex", "n", "mean"]].to_dict("list")
    {'sex': ['f', 'm'], 'n': [1, 2], 'mean': [3.0, 4.5]}
    """
    validate_score_inputs(ratings, scale, min_n=min_n, confidence=confidence)
    if not isinstance(name, str) or not name or name in GROUPED_COLUMNS:
        raise SurveyError(_("The group column needs a name other than the result's own columns, not {name!r}.").format(
            name=name))
    n_resp = len(ratings["response_id"].cat.categories)
    if np.ndim(groups) != 1 or len(groups) != n_resp:
        raise SurveyError(_("There must be one group label per respondent ({n}), not {given}.").format(
            n=format_number(n_resp), given=format_number(len(groups) if np.ndim(groups) else 1)))
    codes, labels = group_codes(groups)
    c = count_table(ratings, scale, codes, len(labels))[:, :-1, :]
    out = summary_from_counts(c, scale_values(scale), scale, confidence=confidence)
    n_s, n_g = c.shape[:2]
    cats = list(ratings["stage"].cat.categories)
    dtype = getattr(groups, "dtype", None)
    if isinstance(dtype, pd.CategoricalDtype):
        group_col = pd.Categorical.from_codes(np.tile(np.arange(n_g), n_s), categories=list(labels), ordered=dtype.ordered)
    else:
        group_col = pd.Index(list(labels)).take(np.tile(np.arange(n_g), n_s)) if n_g else pd.Index([], dtype=object)
        group_col = group_col.to_numpy()
    df = pd.DataFrame(
        {
            "stage": pd.Categorical.from_codes(np.repeat(np.arange(n_s), n_g), categories=cats, ordered=True),
            name: group_col,
        }
    )
    for col in GROUPED_COLUMNS[2:]:
        df[col] = out["n"].reshape(-1) < min_n if col == "small_sample" else out[col].reshape(-1)
    df["n"] = df["n"].astype(np.int64)
    return df


def _wilcoxon_from_diff_counts(dc: np.ndarray) -> tuple[float, float, float]:
    """Wilcoxon signed-rank (scipy's asymptotic method, no continuity correction) from counts of |d|.

    ``dc[0, m]`` / ``dc[1, m]`` = number of negative / positive differences of size ``m + 1``.
    Returns ``(statistic = min(R+, R-), p, rank-biserial)``.
    """
    neg, pos = dc[0].astype(float), dc[1].astype(float)
    pooled = neg + pos
    cnt = pooled.sum()
    r = midranks(pooled)
    r_plus, r_minus = float((pos * r).sum()), float((neg * r).sum())
    mn = cnt * (cnt + 1.0) / 4.0
    se = np.sqrt((cnt * (cnt + 1.0) * (2.0 * cnt + 1.0) - tie_term(pooled) / 2.0) / 24.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (r_plus - mn) / se
    p = float(np.clip(2.0 * special.ndtr(-abs(z)), 0.0, 1.0)) if se > 0 else float("nan")
    return min(r_plus, r_minus), p, (r_plus - r_minus) / (r_plus + r_minus)


def _wilcoxon_small_p(dc: np.ndarray, n_pairs: int) -> float:
    """Two-sided p of the signed-rank test for at most 50 pairs, as scipy.stats.wilcoxon's "auto" method.

    ``dc`` holds the counts of negative / positive non-zero differences by size (see
    :func:`_wilcoxon_from_diff_counts`); ``n_pairs`` counts the zero differences too.
    """
    neg, pos = dc[0].astype(np.int64), dc[1].astype(np.int64)
    pooled = neg + pos
    m = int(pooled.sum())
    has_ties = bool((pooled > 1).any())
    has_zeros = n_pairs > m
    if (has_ties or has_zeros) and n_pairs > _WILCOXON_PERMUTATION_MAX:
        return _wilcoxon_from_diff_counts(dc)[1]
    # doubled midranks are integers; the null distribution of 2 R+ is the convolution over the
    # non-zero differences of {0, 2 r_i}, each sign equally likely
    below = np.cumsum(pooled) - pooled
    w2 = 2 * below + pooled + 1  # 2 x midrank of each difference size
    ranks2 = np.repeat(w2, pooled)
    dist = np.zeros(int(ranks2.sum()) + 1)
    dist[0] = 1.0
    top = 0
    for w in ranks2:
        dist[w : top + w + 1] += dist[: top + 1].copy()
        top += int(w)
    dist /= dist.sum()
    obs = int((pos * w2).sum())
    p_ge = dist[obs:].sum()
    p_le = dist[: obs + 1].sum()
    return float(min(1.0, 2.0 * min(p_ge, p_le)))


def stage_changes(ratings: pd.DataFrame, *, pairs: StagePairs | None = None, scale: Scale | None = None) -> pd.DataFrame:
    """Change between consecutive stages of the cycle, on the respondents who rated both.

    The ratings form of :func:`stage_changes_from_pairs` (same columns).

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table; each respondent rates a stage at most once.
    pairs : StagePairs, optional
        The prebuilt consecutive-stage pair table of these ratings (skips the pass that counts it).
    scale : Scale, optional
        The rating scale (default: the range of the scores).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "b", "b", "c", "c"]),
    ...     "stage": pd.Categorical(["X", "Y"] * 3, ordered=True), "score": [1.0, 3.0, 2.0, 5.0, 4.0, 3.0]})
    >>> stage_changes(r)[["n_pairs", "mean_change", "effect_size"]].round(3).to_dict("list")
    {'n_pairs': [3], 'mean_change': [1.333], 'effect_size': [0.667]}
    """
    validate_score_inputs(ratings, scale)
    cats = [str(c) for c in ratings["stage"].cat.categories]
    if pairs is None:
        pairs = _pair_table(ratings, cats, scale)
    return stage_changes_from_pairs(pairs)


def _pair_table(ratings: pd.DataFrame, cats: list[str], scale: Scale | None) -> StagePairs:
    """The consecutive-stage pair table of the ratings (on ``scale``, else the range of the scores)."""
    if scale is None:
        score = ratings["score"].to_numpy(dtype=float)
        if not np.isfinite(score).all():
            raise SurveyError(_("A rating has no score (a missing value in the ratings table's score column)."))
        if len(score) and not (np.floor(score) == score).all():
            raise SurveyError(_("Stage scores must be whole points of the scale."))
        lo, hi = (float(score.min()), float(score.max())) if len(score) else (1.0, 2.0)
        scale = Scale(int(lo), int(max(hi, lo + 1)))
    k, n_pairs = scale.points, max(len(cats) - 1, 0)
    counts = np.zeros((n_pairs, k, k), dtype=np.int64)
    if n_pairs and len(ratings):
        mat = score_matrix(ratings, scale)
        for a in range(n_pairs):  # one bincount per pair of stages
            both = (mat[:, a] >= 0) & (mat[:, a + 1] >= 0)
            flat = mat[both, a].astype(np.int64) * k + mat[both, a + 1]
            counts[a] = np.bincount(flat, minlength=k * k).reshape(k, k)
    return StagePairs(tuple(cats), scale, counts)


def stage_changes_from_pairs(pairs: StagePairs) -> pd.DataFrame:
    """Change between consecutive stages of the cycle from the pair table (see the module docstring).

    Parameters
    ----------
    pairs : StagePairs
        ``counts[p, a, b]``: respondents who rated stage ``p`` with the ``a``-th point and stage
        ``p + 1`` with the ``b``-th (:meth:`cycle_analytics.stats.tables.ScorePatterns.stage_pairs`).

    Returns
    -------
    DataFrame
        One row per consecutive pair of stages: ``stage_from, stage_to, n_pairs, mean_from,
        mean_to`` (means over the paired respondents), ``mean_change`` (``mean_to - mean_from``),
        ``statistic`` (Wilcoxon: the smaller of the signed-rank sums), ``p_value`` (two-sided) and
        ``effect_size`` (matched-pairs rank-biserial correlation, positive when the later stage is
        rated higher). See the module docstring for the conventions. A weighted pair table gives
        the weighted figures with ``n_eff`` (Kish's effective n of the paired respondents) after
        ``n_pairs``.

    Examples
    --------
    >>> counts = np.zeros((1, 5, 5), dtype=np.int64)
    >>> counts[0, 0, 2], counts[0, 3, 1] = 2, 1  # two respondents 1 -> 3, one 4 -> 2
    >>> weights = counts * np.array([1.0, 1.0, 1.0, 3.0, 1.0])[None, :, None]  # the 4 -> 2 one weighs 3
    >>> out = stage_changes_from_pairs(StagePairs(("X", "Y"), Scale(1, 5), counts, weights, weights * weights / counts.clip(1)))
    >>> out[["n_pairs", "n_eff", "mean_change"]].to_dict("records")
    [{'n_pairs': 3, 'n_eff': 2.272727272727273, 'mean_change': -0.4}]
    """
    cats = list(pairs.stages)
    weighted = pairs.weights is not None
    rows = []
    for a in range(len(cats) - 1):
        row = {"stage_from": cats[a], "stage_to": cats[a + 1]}
        if weighted:
            row.update(_weighted_pair_change(pairs.counts[a], pairs.weights[a], pairs.squares[a], float(pairs.scale.minimum)))
        else:
            row.update(_pair_change(pairs.counts[a], float(pairs.scale.minimum)))
        rows.append(row)
    columns = list(CHANGE_COLUMNS)
    if weighted:
        columns.insert(columns.index("n_pairs") + 1, "n_eff")
    df = pd.DataFrame(rows, columns=columns)
    df["stage_from"] = stage_categorical(df["stage_from"], cats)
    df["stage_to"] = stage_categorical(df["stage_to"], cats)
    df["n_pairs"] = df["n_pairs"].astype(np.int64)
    for col in columns[3:]:
        df[col] = df[col].astype(float)
    return df


def _pair_change(table: np.ndarray, lo: float) -> dict:
    """The figures of one consecutive pair of stages from its ``table[code from, code to]`` counts
    (codes are 0-based points; ``lo`` the lowest point). NaN where there is nothing to compute."""
    row = {"n_pairs": 0, "mean_from": np.nan, "mean_to": np.nan, "mean_change": np.nan, "statistic": np.nan,
           "p_value": np.nan, "effect_size": np.nan}
    table = np.asarray(table, dtype=np.int64)
    n_pairs = int(table.sum())
    row["n_pairs"] = n_pairs
    if not n_pairs:
        return row
    span = table.shape[0] - 1
    codes = np.arange(span + 1, dtype=np.float64)
    d_of_cell = codes[None, :] - codes[:, None]  # to - from
    row["mean_from"] = float(table.sum(axis=1) @ codes) / n_pairs + lo
    row["mean_to"] = float(table.sum(axis=0) @ codes) / n_pairs + lo
    row["mean_change"] = float((table * d_of_cell).sum()) / n_pairs
    sizes = np.abs(d_of_cell).astype(np.int64)
    positive = d_of_cell > 0
    negative = d_of_cell < 0
    if not (positive.any() or negative.any()) or not table[positive | negative].any():
        row["statistic"] = 0.0
        return row
    # counts of |d| by sign -> signed-rank statistic and effect size
    dc = np.zeros((2, max(span, 1)), dtype=np.int64)
    np.add.at(dc[0], sizes[negative] - 1, table[negative])
    np.add.at(dc[1], sizes[positive] - 1, table[positive])
    stat, p, eff = _wilcoxon_from_diff_counts(dc)
    row["statistic"], row["effect_size"] = stat, eff
    if n_pairs >= 2:
        if n_pairs <= _WILCOXON_SMALL_MAX:
            p = _wilcoxon_small_p(dc, n_pairs)
        row["p_value"] = p
    return row


def _weighted_pair_change(table: np.ndarray, weights: np.ndarray, squares: np.ndarray, lo: float) -> dict:
    """:func:`_pair_change` of a weighted pair table (``weights``/``squares``: the sums of the survey
    weights and of their squares per cell; the weighted test of the module docstring). Equal weights
    give :func:`_pair_change` exactly (with ``n_eff`` equal to ``n_pairs``)."""
    table = np.asarray(table, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    q = np.asarray(squares, dtype=np.float64)
    n_pairs, total = int(table.sum()), float(w.sum())
    n_eff = float(kish_from_sums(total, q.sum()))
    if n_pairs and total > 0 and np.isclose(n_eff, n_pairs, rtol=1e-12, atol=0.0):
        return {**_pair_change(table, lo), "n_eff": n_eff}  # equal weights: the unweighted test
    row = {"n_pairs": n_pairs, "n_eff": n_eff, "mean_from": np.nan, "mean_to": np.nan, "mean_change": np.nan,
           "statistic": np.nan, "p_value": np.nan, "effect_size": np.nan}
    if total <= 0:
        return row
    codes = np.arange(table.shape[0], dtype=np.float64)
    d_of_cell = codes[None, :] - codes[:, None]  # to - from
    row["mean_from"] = float(w.sum(axis=1) @ codes) / total + lo
    row["mean_to"] = float(w.sum(axis=0) @ codes) / total + lo
    row["mean_change"] = float((w * d_of_cell).sum()) / total
    nonzero = (d_of_cell != 0) & (w > 0)
    if not nonzero.any():
        row["statistic"] = 0.0
        return row
    stat, p, eff = _weighted_signed_rank(table, w, q, d_of_cell, nonzero)
    row["statistic"], row["effect_size"] = stat, eff
    if n_pairs >= 2:
        row["p_value"] = p
    return row


def _weighted_signed_rank(table: np.ndarray, w: np.ndarray, q: np.ndarray, d_of_cell: np.ndarray,
                          nonzero: np.ndarray) -> tuple[float, float, float]:
    """``(min(R+, R-), two-sided normal p, (R+ - R-) / (R+ + R-))`` of the weighted signed-rank test
    over the cells with a non-zero difference (weights scaled to sum to the number of those pairs)."""
    m = float(table[nonzero].sum())
    scale = m / float(w[nonzero].sum())
    sizes = np.abs(d_of_cell).astype(np.int64)
    span = max(int(sizes.max()), 1)
    by_sign = np.zeros((2, span))  # scaled weights of the negative / positive differences by size
    squared = np.zeros(span)
    for sign, cells in ((0, nonzero & (d_of_cell < 0)), (1, nonzero & (d_of_cell > 0))):
        np.add.at(by_sign[sign], sizes[cells] - 1, w[cells] * scale)
        np.add.at(squared, sizes[cells] - 1, q[cells] * scale * scale)
    r = midranks(by_sign[0] + by_sign[1])
    r_plus, r_minus = float(by_sign[1] @ r), float(by_sign[0] @ r)
    var = float(squared @ (r * r))
    p = float(np.clip(2.0 * special.ndtr(-abs(r_plus - r_minus) / np.sqrt(var)), 0.0, 1.0)) if var > 0 else float("nan")
    return min(r_plus, r_minus), p, (r_plus - r_minus) / (r_plus + r_minus)
