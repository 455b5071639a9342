"""The small tables every analysis reduces to, and what may build them.

A survey of any size reduces to a handful of count tables whose size depends on the stages and the
scale, not on the number of respondents. Two builders produce them - with numpy from an imported
:class:`~cycle_analytics.dataset.Survey` (:class:`cycle_analytics.stats.survey_tables.SurveyTables`)
and with SQL on a database, Parquet files or Spark (:class:`cycle_analytics.engine.SurveyEngine`) -
and every statistic of :mod:`cycle_analytics.stats` is computed from them once, whoever built them.

=========================== ==================================================================
:class:`ScoreCounts`        ratings by stage and score, optionally by the outcome value of the
                            rating, a segment value or a period; :meth:`~ScoreCounts.array`
                            gives the array of :func:`cycle_analytics.stats.kernel.count_table`,
                            :meth:`~ScoreCounts.outcome_table` the
                            :class:`~cycle_analytics.stats.kernel.OutcomeTable`
:class:`ScorePatterns`      the **respondent pattern table**: distinct full score vectors (with
                            the respondent's outcome) and how many respondents hold each - the
                            input of every statistic that needs a respondent's answers side by
                            side (stage changes, the penalty-reward model, relative weights and
                            their bootstrap, the halo diagnostic)
:class:`StagePairs`         per consecutive pair of stages, the counts of (score, next score)
:class:`RespondentCounts`   respondents, ratings, dated respondents, the first and last date
:class:`OutcomeCounts`      an outcome's distribution over respondents
=========================== ==================================================================

Every array is indexed by the stages in cycle order and the scale's points in order.

Survey weights fit the same design: a weighted pattern table keys each row by the respondents'
weight too (:attr:`ScorePatterns.weights`, one weight per row, so the rows keep every respondent's
weight for the bootstrap), and a weighted count table (:class:`WeightedCounts`) holds the sums of
``w`` and ``w**2`` per cell beside the counts; the weighted statistics of
:mod:`cycle_analytics.stats.weights` read those sums where the others read counts.

A builder (a :class:`TableSource`) answers these questions, with optional
:class:`~cycle_analytics.stats.filters.Filters`:

* ``score_patterns(outcome, filters=)`` - :class:`ScorePatterns` (``outcome`` ``None`` or the
  proxy: no outcome column, ``outcome`` all NaN);
* ``score_counts(by, outcome=, filters=, freq=)`` - :class:`ScoreCounts` by ``"outcome"`` (the
  proxy's per-rating outcome), ``"period"`` or a segment column;
* ``respondent_counts(filters=)`` - :class:`RespondentCounts`;
* ``outcome_spec(column, positive=)`` / ``default_outcome()`` - the
  :class:`~cycle_analytics.dataset.OutcomeSpec` of an outcome column;
* ``comments(stage, limit=, bottom_box_only=, filters=)`` and ``segment_values(segment)``;
* the attributes ``stages``, ``scale``, ``segment_columns``, ``outcome_columns``, ``has_dates``;
* optionally ``weight_column`` and ``weight_use(filters=)``
  (:class:`~cycle_analytics.stats.weights.WeightUse`): a source that applies survey weights builds
  weighted tables (the in-memory tables and the query engine both do); a source with a
  ``weight_column`` but no ``weight_use`` is refused by :func:`~cycle_analytics.stats.analysis.analyze`.

Examples
--------
>>> from cycle_analytics.scales import Scale
>>> p = score_patterns(("A", "B"), Scale(1, 5), np.array([[5.0, np.nan], [1.0, 2.0], [5.0, np.nan]]),
...                    np.array([4.0, 2.0, 4.0]), np.array([1, 1, 2]))
>>> p.scores.tolist(), p.counts.tolist(), p.respondents
([[1.0, 2.0], [5.0, nan]], [1, 3], 4)
>>> p.score_table().tolist()
[[1, 0, 0, 0, 3], [0, 1, 0, 0, 0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import OutcomeTable

__all__ = [
    "ScoreCounts", "ScorePatterns", "StagePairs", "RespondentCounts", "OutcomeCounts", "TableSource", "score_patterns",
    "WeightedCounts",
    "PERIODS", "period_range", "period_start", "period_labels", "stage_dtype", "sorted_values",
]

#: Trend periods: weeks start on Monday, months and quarters on their first day.
PERIODS = {"W": "W-MON", "M": "MS", "Q": "QS-JAN"}


def stage_dtype(stages: Sequence[str]) -> pd.CategoricalDtype:
    """The ordered categorical type of the stage column (cycle order), as the importer makes it."""
    return pd.CategoricalDtype(pd.Index(list(stages), dtype="str"), ordered=True)


def _validate_freq(freq: str) -> None:
    if freq not in PERIODS:
        raise SurveyError(_("The trend period must be W (week), M (month) or Q (quarter), not {freq!r}.").format(freq=freq))


def period_start(day, freq: str) -> pd.Timestamp:
    """The first day of the period (``"W"``, ``"M"`` or ``"Q"``) holding ``day``.

    >>> period_start(pd.Timestamp("2026-03-05"), "W").date(), period_start(pd.Timestamp("2026-03-05"), "Q").date()
    (datetime.date(2026, 3, 2), datetime.date(2026, 1, 1))
    """
    _validate_freq(freq)
    ts = pd.Timestamp(day).normalize()
    if freq == "W":
        return ts - pd.Timedelta(days=ts.day_of_week)
    if freq == "M":
        return ts.replace(day=1)
    return ts.replace(month=3 * ((ts.month - 1) // 3) + 1, day=1)


def period_range(first, last, freq: str) -> pd.DatetimeIndex:
    """Every period start from ``first`` to ``last`` (both period starts), gaps included.

    >>> period_range(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-19"), "W").strftime("%m-%d").tolist()
    ['01-05', '01-12', '01-19']
    """
    _validate_freq(freq)
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq=PERIODS[freq]).as_unit("ns")


def period_labels(starts: pd.DatetimeIndex, freq: str) -> list[str]:
    """Labels of period starts: ISO weeks ``"2026-W11"``, months ``"2026-03"``, quarters ``"2026-Q1"``.

    >>> period_labels(pd.DatetimeIndex(["2026-03-09", "2026-03-16"]), "W")
    ['2026-W11', '2026-W12']
    """
    _validate_freq(freq)
    idx = pd.DatetimeIndex(starts)
    if freq == "W":
        iso = idx.isocalendar()
        return [f"{y}-W{w:02d}" for y, w in zip(iso["year"].to_numpy(), iso["week"].to_numpy())]
    if freq == "M":
        return [f"{y}-{m:02d}" for y, m in zip(idx.year, idx.month)]
    return [f"{y}-Q{(m - 1) // 3 + 1}" for y, m in zip(idx.year, idx.month)]


def sorted_values(values) -> tuple:
    """The distinct non-missing values, sorted (text as text, numbers as numbers; mixed as text).

    >>> sorted_values(pd.Series(["b", None, "a", "b"]))
    ('a', 'b')
    """
    present = pd.Series(values).dropna().unique().tolist()
    try:
        return tuple(sorted(present))
    except TypeError:
        return tuple(sorted(present, key=str))


# --------------------------------------------------------------------------------------------
# count tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCounts:
    """Ratings counted by stage, score and the ``by`` columns (only cells with ratings).

    ``frame``: ``stage`` (ordered categorical, cycle order), the ``by`` columns (``outcome``: the
    outcome value of the rating; a segment column: its value; ``period``: the period start), then
    ``score`` (int64) and ``n`` (int64); a weighted table adds ``weight`` and ``weight_sq`` (the
    sums of the ratings' survey weights and of their squares). A missing ``by`` value (no outcome,
    no segment value, no date) is NaN / NaT / None. ``order``: an explicit order of a ``by`` column's values (a
    categorical's order), else they are sorted.
    """

    stages: tuple[str, ...]
    scale: Scale
    by: tuple[str, ...]
    frame: pd.DataFrame
    order: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return int(self.frame["n"].sum())

    def groups(self, column: str) -> tuple:
        """The distinct values of a ``by`` column that hold ratings (in ``order``, else sorted)."""
        self._validate_by(column)
        present = sorted_values(self.frame[column])
        if column in self.order:
            have = set(present)
            return tuple(v for v in self.order[column] if v in have)
        return present

    def _validate_by(self, column: str) -> None:
        if column not in self.by:
            raise SurveyError((_("The counts are not grouped by {column!r}; they are grouped by: {columns}.") if self.by else
                               _("The counts are not grouped by {column!r}; they are not grouped at all.")).format(
                column=column, columns=", ".join(self.by)))

    def array(self, groups: Sequence | None = None) -> np.ndarray:
        """The counts as :func:`~cycle_analytics.stats.kernel.count_table` returns them.

        Without ``by``: ``(n_stages, 1, n_points)``. With one ``by`` column: ``(n_stages,
        n_groups + 1, n_points)``, groups in the order of ``groups`` (default: :meth:`groups`)
        and a last group holding the ratings without a value.
        """
        flat, shape = self._cells(groups)
        n = self.frame["n"].to_numpy().astype(np.int64)
        return np.bincount(flat, weights=n, minlength=int(np.prod(shape))).astype(np.int64).reshape(shape)

    @property
    def is_weighted(self) -> bool:
        """Whether the frame holds the sums of the survey weights (``weight``, ``weight_sq``)."""
        return "weight" in self.frame.columns

    def weighted_array(self, groups: Sequence | None = None) -> WeightedCounts:
        """:meth:`array` with the sums of the weights and of their squares per cell (a
        :class:`WeightedCounts`; unweighted counts give sums equal to the counts)."""
        counts = self.array(groups)
        if not self.is_weighted:
            return WeightedCounts(counts, counts.astype(np.float64), counts.astype(np.float64))
        flat, shape = self._cells(groups)
        size = int(np.prod(shape))
        sums = [np.bincount(flat, weights=self.frame[c].to_numpy(dtype=np.float64), minlength=size).reshape(shape)
                for c in ("weight", "weight_sq")]
        return WeightedCounts(counts, *sums)

    def _cells(self, groups: Sequence | None) -> tuple[np.ndarray, tuple[int, int, int]]:
        """The flat cell index of every frame row in the :meth:`array` shape, and that shape."""
        points = self.scale.points
        stage = self.frame["stage"].cat.codes.to_numpy().astype(np.int64)
        score = self.frame["score"].to_numpy().astype(np.int64) - self.scale.minimum
        if not self.by:
            return stage * points + score, (len(self.stages), 1, points)
        if len(self.by) != 1:
            raise SurveyError(_("Only counts grouped by one column have the array form; use the frame."))
        column = self.by[0]
        labels = tuple(self.groups(column) if groups is None else groups)
        group = _group_positions(self.frame[column], labels)
        n_groups = len(labels) + 1
        return (stage * n_groups + group) * points + score, (len(self.stages), n_groups, points)

    def outcome_table(self, dtype: pd.CategoricalDtype | None = None) -> OutcomeTable:
        """The :class:`~cycle_analytics.stats.kernel.OutcomeTable` of counts grouped by ``outcome``.

        ``dtype``: the stage column's type (default: the stages, ordered).
        """
        self._validate_by("outcome")
        if len(self.by) != 1:
            raise SurveyError(_("The outcome table needs counts grouped by the outcome only."))
        values = np.asarray(self.groups("outcome"), dtype=np.float64)
        dtype = dtype if dtype is not None else stage_dtype(self.stages)
        if self.is_weighted:  # the sums of the weights per cell (a weighted outcome table)
            table = self.weighted_array(tuple(values))
            return _outcome_table(dtype, self.scale, values, table.counts, (table.weights, table.squares))
        return _outcome_table(dtype, self.scale, values, self.array(tuple(values)))


def _outcome_table(dtype: pd.CategoricalDtype, scale: Scale, values: np.ndarray, counts: np.ndarray,
                   sums: tuple[np.ndarray, np.ndarray] | None = None) -> OutcomeTable:
    """An :class:`OutcomeTable` from ``counts[stage, value (+ a last "no outcome" group), point]``
    (``sums``: the sums of the weights and of their squares in the same shape, a weighted table)."""
    n_b = len(values)
    weights, squares = (None, None) if sums is None else (np.ascontiguousarray(a[:, :n_b, :]) for a in sums)
    return OutcomeTable(
        stage_dtype=dtype,
        scale=scale,
        scores=np.asarray(scale.values, dtype=np.float64),
        outcomes=np.asarray(values, dtype=np.float64),
        counts=np.ascontiguousarray(counts[:, :n_b, :]),
        missing=np.ascontiguousarray(counts[:, n_b, :]),
        weights=weights,
        squares=squares,
    )


def _group_positions(values: pd.Series, labels: tuple) -> np.ndarray:
    """Each row's position in ``labels`` (``len(labels)`` for a missing value); raises for a value not listed."""
    missing = values.isna().to_numpy()
    lookup = {v: i for i, v in enumerate(labels)}
    codes = np.full(len(values), len(labels), dtype=np.int64)
    for i, v in enumerate(values.tolist()):  # one entry per (stage, group, score) cell, not per rating
        if missing[i]:
            continue
        if v not in lookup:
            raise SurveyError(_("The value {value!r} is not one of the groups asked for.").format(value=v))
        codes[i] = lookup[v]
    return codes


@dataclass(frozen=True)
class StagePairs:
    """``counts[p, a, b]``: respondents who rated stage ``p`` with the ``a``-th point and stage ``p + 1`` with the ``b``-th.

    A weighted table also holds ``weights[p, a, b]`` and ``squares[p, a, b]``: the sums of those
    respondents' survey weights and of their squares (``None`` unweighted)."""

    stages: tuple[str, ...]
    scale: Scale
    counts: np.ndarray
    weights: np.ndarray | None = None
    squares: np.ndarray | None = None

    def differences(self, p: int) -> np.ndarray:
        """Counts of ``score(p + 1) - score(p)`` for pair ``p``, index ``d + points - 1`` for difference ``d``."""
        k = self.scale.points
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        return np.bincount((b - a + k - 1).ravel(), weights=self.counts[p].ravel(), minlength=2 * k - 1).astype(np.int64)


@dataclass(frozen=True)
class WeightedCounts:
    """A weighted count table: ``counts[..., k]`` ratings (real counts), ``weights[..., k]`` the sum
    of their respondents' weights and ``squares[..., k]`` the sum of the squared weights, per cell
    (last axis: the scale's points). Unweighted, ``weights`` and ``squares`` equal ``counts``."""

    counts: np.ndarray
    weights: np.ndarray
    squares: np.ndarray


@dataclass(frozen=True)
class RespondentCounts:
    """Headline counts: respondents, ratings, respondents with a rating and with a date, date span."""

    respondents: int
    ratings: int
    rated_respondents: int
    dated_respondents: int
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None


@dataclass(frozen=True)
class OutcomeCounts:
    """An outcome over respondents: ``values`` (sorted), ``counts`` per value, ``missing`` respondents
    without one; for a weighted survey ``weights`` per value, the sum of those respondents' survey weights."""

    column: str
    values: np.ndarray
    counts: np.ndarray
    missing: int
    weights: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def mean(self) -> float:
        """The mean outcome (NaN without any)."""
        return float((self.values * self.counts).sum() / self.n) if self.n else float("nan")

    def share(self, values) -> float:
        """Percentage of the respondents with an outcome whose value is one of ``values`` (NaN without any)."""
        if not self.n:
            return float("nan")
        hit = np.isin(self.values, np.asarray(values, dtype=np.float64))
        return float(self.counts[hit].sum() / self.n * 100.0)


# --------------------------------------------------------------------------------------------
# the respondent pattern table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePatterns:
    """Distinct full score vectors (with the outcome), one row per vector, in canonical order.

    ``scores[p, j]``: the score of stage ``j`` (NaN = not rated); ``outcome[p]``: the respondent's
    outcome (NaN = none, or no outcome asked for); ``counts[p]``: respondents with that row. Rows
    are sorted by the scores in stage order, then the outcome (NaN last), so every builder gives
    the same table row for row: the bootstrap, which lists respondents in this order, draws the
    same resamples from the same seed on every backend. Build it with :func:`score_patterns`.
    """

    stages: tuple[str, ...]
    scale: Scale
    scores: np.ndarray
    outcome: np.ndarray
    counts: np.ndarray
    # the survey weight of each respondent of the row (part of the row's key), None = unweighted
    weights: np.ndarray | None = None

    @property
    def respondents(self) -> int:
        return int(self.counts.sum())

    @property
    def is_weighted(self) -> bool:
        return self.weights is not None

    def weighted_score_table(self) -> WeightedCounts:
        """``(n_stages, n_points)`` ratings of each stage by score with the sums of the weights and of
        their squares (every weight 1 for an unweighted table: then the sums equal the counts)."""
        codes = self.codes()
        k = self.scale.points
        w = np.ones(len(self.counts)) if self.weights is None else self.weights
        shape = (len(self.stages), k)
        counts, sums, squares = np.zeros(shape, dtype=np.int64), np.zeros(shape), np.zeros(shape)
        for j in range(len(self.stages)):  # one bincount per stage
            rated = codes[:, j] >= 0
            n = self.counts[rated]
            counts[j] = np.bincount(codes[rated, j], weights=n, minlength=k).astype(np.int64)
            sums[j] = np.bincount(codes[rated, j], weights=n * w[rated], minlength=k)
            squares[j] = np.bincount(codes[rated, j], weights=n * w[rated] ** 2, minlength=k)
        return WeightedCounts(counts, sums, squares)

    def respondent_weights(self) -> np.ndarray:
        """The weight of every respondent, in :meth:`respondent_rows` order (all 1 when unweighted)."""
        if self.weights is None:
            return np.ones(self.respondents)
        return np.repeat(self.weights, self.counts)

    @property
    def has_outcome(self) -> bool:
        """Whether any respondent has an outcome (``False`` without an outcome column)."""
        return bool(np.isfinite(self.outcome).any())

    def codes(self) -> np.ndarray:
        """Scores as 0-based points of the scale (-1 = not rated), the narrowest integer type."""
        dtype = np.int8 if self.scale.points <= 127 else np.int16
        return np.where(np.isnan(self.scores), -1, self.scores - self.scale.minimum).astype(dtype)

    def ratings(self) -> int:
        """The number of ratings (rated stages over all respondents)."""
        return int((~np.isnan(self.scores)).sum(axis=1) @ self.counts)

    def score_table(self) -> np.ndarray:
        """``(n_stages, n_points)``: ratings of each stage by score (the ungrouped count table)."""
        codes = self.codes()
        k = self.scale.points
        out = np.zeros((len(self.stages), k), dtype=np.int64)
        for j in range(len(self.stages)):  # one bincount per stage
            rated = codes[:, j] >= 0
            out[j] = np.bincount(codes[rated, j], weights=self.counts[rated], minlength=k).astype(np.int64)
        return out

    def outcome_table(self, dtype: pd.CategoricalDtype | None = None) -> OutcomeTable:
        """The stage x outcome value x score :class:`~cycle_analytics.stats.kernel.OutcomeTable` of
        the respondents' own outcome (each rating counted with its respondent's outcome)."""
        codes = self.codes()
        has = np.isfinite(self.outcome)
        values = np.unique(self.outcome[has])
        group = np.full(len(self.counts), len(values), dtype=np.int64)
        group[has] = np.searchsorted(values, self.outcome[has])
        n_g, k = len(values) + 1, self.scale.points
        out = np.zeros((len(self.stages), n_g, k), dtype=np.int64)
        sums = None if self.weights is None else (np.zeros(out.shape), np.zeros(out.shape))
        for j in range(len(self.stages)):  # one bincount per stage
            rated = codes[:, j] >= 0
            flat = group[rated] * k + codes[rated, j]
            out[j] = np.bincount(flat, weights=self.counts[rated], minlength=n_g * k).astype(np.int64).reshape(n_g, k)
            if sums is not None:  # the sums of the weights and of their squares per cell
                n, w = self.counts[rated], self.weights[rated]
                sums[0][j] = np.bincount(flat, weights=n * w, minlength=n_g * k).reshape(n_g, k)
                sums[1][j] = np.bincount(flat, weights=n * w * w, minlength=n_g * k).reshape(n_g, k)
        return _outcome_table(dtype if dtype is not None else stage_dtype(self.stages), self.scale, values, out, sums)

    def outcome_counts(self, column: str) -> OutcomeCounts:
        """The distribution of the respondents' outcome (every respondent of the table)."""
        has = np.isfinite(self.outcome)
        values, inverse = np.unique(self.outcome[has], return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=self.counts[has], minlength=len(values)).astype(np.int64)
        return OutcomeCounts(str(column), values, counts, int(self.counts[~has].sum()))

    def stage_pairs(self) -> StagePairs:
        """The (score, next score) counts of every consecutive pair of stages (with the sums of the
        weights and of their squares when the table is weighted)."""
        codes = self.codes()
        k, n_pairs = self.scale.points, len(self.stages) - 1
        out = np.zeros((max(n_pairs, 0), k, k), dtype=np.int64)
        sums = None if self.weights is None else (np.zeros(out.shape), np.zeros(out.shape))
        for p in range(max(n_pairs, 0)):  # one bincount per pair of stages
            both = (codes[:, p] >= 0) & (codes[:, p + 1] >= 0)
            flat = codes[both, p].astype(np.int64) * k + codes[both, p + 1]
            out[p] = np.bincount(flat, weights=self.counts[both], minlength=k * k).astype(np.int64).reshape(k, k)
            if sums is not None:
                n, w = self.counts[both], self.weights[both]
                sums[0][p] = np.bincount(flat, weights=n * w, minlength=k * k).reshape(k, k)
                sums[1][p] = np.bincount(flat, weights=n * w * w, minlength=k * k).reshape(k, k)
        if sums is None:
            return StagePairs(self.stages, self.scale, out)
        return StagePairs(self.stages, self.scale, out, *sums)

    def complete(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the respondents who rated every kept stage and have an outcome, merged.

        Returns ``(rows, counts)``: ``rows`` is ``(k, n_kept + 1)`` (kept stages' scores, then the
        outcome) ordered by outcome, then by the scores in stage order. The rows of a weighted table
        merge whatever their weights (the counts are real counts).
        """
        keep = np.asarray(keep, dtype=bool)
        x = self.scores[:, keep]
        ok = ~np.isnan(x).any(axis=1) & ~np.isnan(self.outcome)
        if not ok.any():
            return np.empty((0, int(keep.sum()) + 1)), np.empty(0, dtype=np.int64)
        keyed = np.column_stack([self.outcome[ok], x[ok]])  # outcome first: np.unique sorts by it first
        uniq, inverse = np.unique(keyed, axis=0, return_inverse=True)
        merged = np.bincount(inverse.ravel(), weights=self.counts[ok], minlength=len(uniq)).astype(np.int64)
        return np.column_stack([uniq[:, 1:], uniq[:, 0]]), merged

    def respondent_rows(self) -> np.ndarray:
        """The pattern of every respondent, in table order (each pattern's respondents together)."""
        return np.repeat(np.arange(len(self.counts), dtype=np.int64), self.counts)


def score_patterns(stages: Sequence[str], scale: Scale, scores: np.ndarray, outcome: np.ndarray, counts: np.ndarray,
                   weights: np.ndarray | None = None) -> ScorePatterns:
    """The :class:`ScorePatterns` of rows that may repeat and come in any order (merged, sorted).

    Parameters
    ----------
    stages : sequence of str
        The stages in cycle order.
    scale : Scale
    scores : array (k, n_stages)
        Scores (whole points of ``scale``; NaN = not rated).
    outcome : array (k,)
        The outcome of each row (NaN = none).
    counts : array (k,)
        Respondents per row (rows with 0 are dropped).
    weights : array (k,), optional
        The survey weight of each row's respondents (a weighted table: rows with different weights
        stay apart; sorted by weight after the outcome).
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(len(counts), len(stages))
    outcome = np.asarray(outcome, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.int64)
    used = counts > 0
    scores, outcome, counts = scores[used], outcome[used], counts[used]
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)[used]
    packed = _packed_row_keys(scores, outcome, weights, scale)
    if packed is not None:  # one integer per row: one sort instead of a sort per column
        order = np.argsort(packed, kind="stable")
        keys = packed[order][:, None]
    else:
        columns = [np.where(np.isnan(scores), np.inf, scores), np.where(np.isnan(outcome), np.inf, outcome)]
        if weights is not None:
            columns.append(weights)
        keys = np.column_stack(columns)
        order = np.lexsort(keys.T[::-1]) if len(keys) else np.empty(0, dtype=np.int64)
        keys = keys[order]
    scores, outcome, counts = scores[order], outcome[order], counts[order]
    if weights is not None:
        weights = weights[order]
    if len(keys) > 1:
        new = np.empty(len(keys), dtype=bool)
        new[0] = True
        np.any(keys[1:] != keys[:-1], axis=1, out=new[1:])
        if not new.all():  # merge the repeated rows
            starts = np.flatnonzero(new)
            counts = np.add.reduceat(counts, starts)
            scores, outcome = scores[starts], outcome[starts]
            if weights is not None:
                weights = weights[starts]
    return ScorePatterns(tuple(str(s) for s in stages), scale, scores, outcome, counts, weights)


def _packed_row_keys(scores: np.ndarray, outcome: np.ndarray, weights: np.ndarray | None, scale: Scale) -> np.ndarray | None:
    """One int64 per row that sorts the rows as :func:`score_patterns` orders them (the scores in
    stage order, not rated last; then the outcome, none last; then the weight): the scores as
    points of the scale, the outcome and the weight as their ranks, in mixed radix. ``None`` when
    a score is not a whole point of the scale or the key would not fit in 62 bits (then the rows
    are sorted column by column)."""
    points = scale.points
    codes = np.where(np.isnan(scores), points, scores - scale.minimum)
    if not ((codes >= 0) & (codes <= points) & (codes == np.floor(codes))).all():
        return None
    y_values, y_rank = np.unique(np.where(np.isnan(outcome), np.inf, outcome), return_inverse=True)
    radices = [points + 1] * scores.shape[1] + [max(len(y_values), 1)]
    ranks = [codes[:, j].astype(np.int64) for j in range(scores.shape[1])] + [y_rank.ravel()]
    if weights is not None:
        w_values, w_rank = np.unique(weights, return_inverse=True)
        radices.append(max(len(w_values), 1))
        ranks.append(w_rank.ravel())
    if float(np.prod(np.asarray(radices, dtype=np.float64))) >= 2.0**62:
        return None
    key = np.zeros(len(scores), dtype=np.int64)
    for radix, rank in zip(radices, ranks):
        key = key * radix + rank
    return key


# --------------------------------------------------------------------------------------------
# what builds the tables
# --------------------------------------------------------------------------------------------


class TableSource(Protocol):
    """What :func:`cycle_analytics.stats.analysis.analyze` reads a survey through (module docstring)."""

    stages: tuple[str, ...]
    scale: Scale
    segment_columns: tuple[str, ...]
    outcome_columns: tuple[str, ...]
    has_dates: bool

    def score_patterns(self, outcome=None, *, filters=None) -> ScorePatterns: ...

    def score_counts(self, by=(), *, outcome=None, filters=None, freq=None) -> ScoreCounts: ...

    def respondent_counts(self, *, filters=None) -> RespondentCounts: ...

    def outcome_spec(self, column, *, positive=None): ...

    def default_outcome(self): ...
