"""The small tables the engine returns (frozen dataclasses of numpy arrays and tidy frames).

=========================== ==================================================================
:class:`ScoreCounts`        ratings by stage and score, optionally by outcome value, segment
                            value or period; :meth:`~ScoreCounts.array` gives the array of
                            :func:`cycle_analytics.stats.kernel.count_table`,
                            :meth:`~ScoreCounts.outcome_table` the
                            :class:`~cycle_analytics.stats.kernel.OutcomeTable`
:class:`BoxPatterns`        distinct patterns of boxes (bottom / middle / top / not rated) over
                            the stages, with count, sum and sum of squares of the outcome
:class:`ScorePatterns`      distinct full score vectors (with the outcome) and their counts
:class:`StagePairs`         per consecutive pair of stages, the counts of (score, next score)
:class:`RespondentCounts`   respondents, ratings, dated respondents, the first and last date
:class:`OutcomeCounts`      an outcome's distribution over respondents
=========================== ==================================================================

Every array is indexed by the stages in cycle order and the scale's points in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import OutcomeTable

__all__ = [
    "ScoreCounts", "BoxPatterns", "ScorePatterns", "StagePairs", "RespondentCounts", "OutcomeCounts",
    "BOX_NOT_RATED", "BOX_BOTTOM", "BOX_MIDDLE", "BOX_TOP", "PERIODS", "period_range", "stage_dtype",
]

#: Box codes of :class:`BoxPatterns`.
BOX_NOT_RATED, BOX_BOTTOM, BOX_MIDDLE, BOX_TOP = 0, 1, 2, 3
#: Trend periods (as :mod:`cycle_analytics.stats.trends`): weeks start on Monday, months and quarters on their first day.
PERIODS = {"W": "W-MON", "M": "MS", "Q": "QS-JAN"}


def stage_dtype(stages: Sequence[str]) -> pd.CategoricalDtype:
    """The ordered categorical type of the stage column (cycle order), as the importer makes it."""
    return pd.CategoricalDtype(list(stages), ordered=True)


def period_range(first, last, freq: str) -> pd.DatetimeIndex:
    """Every period start from ``first`` to ``last`` (both period starts), gaps included.

    >>> period_range(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-19"), "W").strftime("%m-%d").tolist()
    ['01-05', '01-12', '01-19']
    """
    if freq not in PERIODS:
        raise SurveyError(f"The trend period must be W (week), M (month) or Q (quarter), not {freq!r}.")
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq=PERIODS[freq]).as_unit("ns")


def _sorted_values(values: pd.Series) -> tuple:
    """The distinct non-missing values of a column, sorted (text as text, numbers as numbers)."""
    present = values.dropna().unique().tolist()
    try:
        return tuple(sorted(present))
    except TypeError:
        return tuple(sorted(present, key=str))


@dataclass(frozen=True)
class ScoreCounts:
    """Ratings counted by stage, score and the ``by`` columns (only cells with ratings).

    ``frame``: ``stage`` (ordered categorical, cycle order), the ``by`` columns (``outcome``: the
    outcome value of the rating; a segment column: its value; ``period``: the period start), then
    ``score`` (int64) and ``n`` (int64). A missing ``by`` value (no outcome, no segment value, no
    date) is NaN / NaT.
    """

    stages: tuple[str, ...]
    scale: Scale
    by: tuple[str, ...]
    frame: pd.DataFrame

    @property
    def total(self) -> int:
        return int(self.frame["n"].sum())

    def groups(self, column: str) -> tuple:
        """The distinct values of a ``by`` column that hold ratings, sorted."""
        self._validate_by(column)
        return _sorted_values(self.frame[column])

    def _validate_by(self, column: str) -> None:
        if column not in self.by:
            raise SurveyError(f"The counts are not grouped by {column!r}; they are grouped by: {', '.join(self.by) or 'nothing'}.")

    def array(self, groups: Sequence | None = None) -> np.ndarray:
        """The counts as :func:`~cycle_analytics.stats.kernel.count_table` returns them.

        Without ``by``: ``(n_stages, 1, n_points)``. With one ``by`` column: ``(n_stages,
        n_groups + 1, n_points)``, groups in the order of ``groups`` (default: :meth:`groups`)
        and a last group holding the ratings without a value.
        """
        points = self.scale.points
        stage = self.frame["stage"].cat.codes.to_numpy().astype(np.int64)
        score = self.frame["score"].to_numpy().astype(np.int64) - self.scale.minimum
        n = self.frame["n"].to_numpy().astype(np.int64)
        if not self.by:
            flat = stage * points + score
            return np.bincount(flat, weights=n, minlength=len(self.stages) * points).astype(np.int64).reshape(len(self.stages), 1, points)
        if len(self.by) != 1:
            raise SurveyError("Only counts grouped by one column have the array form; use the frame.")
        column = self.by[0]
        labels = tuple(self.groups(column) if groups is None else groups)
        group = self._group_codes(self.frame[column], labels)
        n_groups = len(labels) + 1
        flat = (stage * n_groups + group) * points + score
        size = len(self.stages) * n_groups * points
        return np.bincount(flat, weights=n, minlength=size).astype(np.int64).reshape(len(self.stages), n_groups, points)

    @staticmethod
    def _group_codes(values: pd.Series, labels: tuple) -> np.ndarray:
        """Each row's position in ``labels`` (``len(labels)`` for a missing value); raises for a value not listed."""
        missing = values.isna().to_numpy()
        lookup = {v: i for i, v in enumerate(labels)}
        codes = np.full(len(values), len(labels), dtype=np.int64)
        for i, v in enumerate(values.tolist()):
            if missing[i]:
                continue
            if v not in lookup:
                raise SurveyError(f"The value {v!r} is not one of the groups asked for.")
            codes[i] = lookup[v]
        return codes

    def outcome_table(self, dtype: pd.CategoricalDtype | None = None) -> OutcomeTable:
        """The :class:`~cycle_analytics.stats.kernel.OutcomeTable` of counts grouped by ``outcome``.

        ``dtype``: the stage column's type (default: the stages, ordered).
        """
        self._validate_by("outcome")
        if len(self.by) != 1:
            raise SurveyError("The outcome table needs counts grouped by the outcome only.")
        values = np.asarray(self.groups("outcome"), dtype=np.float64)
        counts = self.array(tuple(values))
        n_b = len(values)
        return OutcomeTable(
            stage_dtype=dtype if dtype is not None else stage_dtype(self.stages),
            scale=self.scale,
            scores=np.asarray(self.scale.values, dtype=np.float64),
            outcomes=values,
            counts=np.ascontiguousarray(counts[:, :n_b, :]),
            missing=np.ascontiguousarray(counts[:, n_b, :]),
        )


@dataclass(frozen=True)
class BoxPatterns:
    """Distinct patterns of boxes over the stages, one row per pattern (sorted).

    ``boxes[p, j]``: :data:`BOX_NOT_RATED`, :data:`BOX_BOTTOM`, :data:`BOX_MIDDLE` or
    :data:`BOX_TOP` of stage ``j`` (boxes of :class:`~cycle_analytics.scales.Scale`). ``n``:
    respondents with the pattern; ``n_outcome``: those with an outcome; ``outcome_sum`` /
    ``outcome_sum_sq``: sum and sum of squares of their outcomes (0 without any).
    """

    stages: tuple[str, ...]
    boxes: np.ndarray
    n: np.ndarray
    n_outcome: np.ndarray
    outcome_sum: np.ndarray
    outcome_sum_sq: np.ndarray

    @property
    def respondents(self) -> int:
        return int(self.n.sum())


@dataclass(frozen=True)
class ScorePatterns:
    """Distinct full score vectors (with the outcome), one row per vector (sorted).

    ``scores[p, j]``: the score of stage ``j`` (NaN = not rated); ``outcome[p]``: the outcome
    (NaN = none, or no outcome asked for); ``counts[p]``: respondents with that row. Resampling
    rows with multinomial counts is the respondent-level bootstrap.
    """

    stages: tuple[str, ...]
    scale: Scale
    scores: np.ndarray
    outcome: np.ndarray
    counts: np.ndarray

    def complete(self, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the respondents who rated every kept stage and have an outcome, merged.

        Returns ``(rows, counts)``: ``rows`` is ``(k, n_kept + 1)`` (kept stages' scores, then the
        outcome) ordered by outcome, then by the scores in stage order - the rows and order of
        :func:`cycle_analytics.stats.drivers.importance.complete_patterns`.
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


@dataclass(frozen=True)
class StagePairs:
    """``counts[p, a, b]``: respondents who rated stage ``p`` with the ``a``-th point and stage ``p + 1`` with the ``b``-th."""

    stages: tuple[str, ...]
    scale: Scale
    counts: np.ndarray

    def differences(self, p: int) -> np.ndarray:
        """Counts of ``score(p + 1) - score(p)`` for pair ``p``, index ``d + points - 1`` for difference ``d``."""
        k = self.scale.points
        a, b = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        return np.bincount((b - a + k - 1).ravel(), weights=self.counts[p].ravel(), minlength=2 * k - 1).astype(np.int64)


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
    """An outcome over respondents: ``values`` (sorted), ``counts`` per value, ``missing`` respondents without one."""

    column: str
    values: np.ndarray
    counts: np.ndarray
    missing: int

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
