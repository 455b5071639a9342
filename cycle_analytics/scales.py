"""Rating scales: inference, N/A codes, top and bottom boxes, rescaling to 0-100.

Definitions (documented in docs/statistics.md and used by every module):

* A scale is a closed integer range ``min..max``; the candidates are 1-5, 1-7, 1-10 and 0-10.
* Inference: the smallest candidate (fewest points; 1-10 before 0-10) holding at least 99% of the
  numeric values of the stage columns, after N/A codes are removed.
* Top box / bottom box: on scales of up to 7 points the top two and bottom two points (on 2- and
  3-point scales the end points only, so the boxes never overlap); on 0-10 and 1-10 scales the
  answers 9-10 (top) and 6 or below (bottom), as in NPS practice.
* ``score_100``: a mean rescaled so that the scale's minimum is 0 and its maximum 100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from cycle_analytics.errors import SurveyError


@dataclass(frozen=True)
class Scale:
    """An integer rating scale ``minimum..maximum``.

    Examples
    --------
    >>> Scale(1, 5).top_box
    (4, 5)
    >>> Scale(0, 10).bottom_box
    (0, 1, 2, 3, 4, 5, 6)
    >>> Scale(1, 5).to_100(3.0)
    50.0
    """

    minimum: int
    maximum: int

    def __post_init__(self) -> None:
        if not (isinstance(self.minimum, (int, np.integer)) and isinstance(self.maximum, (int, np.integer))):
            raise SurveyError(f"A scale needs whole-number ends, not {self.minimum!r}-{self.maximum!r}.")
        if self.maximum - self.minimum < 1:
            raise SurveyError(f"A scale needs at least two points, not {self.minimum}-{self.maximum}.")

    @property
    def points(self) -> int:
        return self.maximum - self.minimum + 1

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(self.minimum, self.maximum + 1))

    @property
    def is_eleven_or_ten_point(self) -> bool:
        return self.maximum == 10 and self.minimum in (0, 1)

    @property
    def top_box(self) -> tuple[int, ...]:
        if self.is_eleven_or_ten_point:
            return (9, 10)
        if self.points <= 3:
            # On 2- and 3-point scales two points per box would overlap (the middle in both).
            return (self.maximum,)
        if self.points <= 7:
            return (self.maximum - 1, self.maximum)
        # Other long scales: the top fifth of the points, at least two.
        k = max(2, round(self.points / 5))
        return tuple(range(self.maximum - k + 1, self.maximum + 1))

    @property
    def bottom_box(self) -> tuple[int, ...]:
        if self.is_eleven_or_ten_point:
            return tuple(range(self.minimum, 7))
        if self.points <= 3:
            return (self.minimum,)
        if self.points <= 7:
            return (self.minimum, self.minimum + 1)
        k = max(2, round(self.points / 5))
        return tuple(range(self.minimum, self.minimum + k))

    @property
    def supports_nps(self) -> bool:
        return self.minimum == 0 and self.maximum == 10

    def to_100(self, value):
        """Rescale a score (scalar or array) so that ``minimum`` is 0 and ``maximum`` is 100."""
        out = (np.asarray(value, dtype=float) - self.minimum) / (self.maximum - self.minimum) * 100.0
        return float(out) if out.ndim == 0 else out

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask: which values are whole points of this scale."""
        v = np.asarray(values, dtype=float)
        return (v >= self.minimum) & (v <= self.maximum) & (np.floor(v) == v)

    def label(self) -> str:
        return f"{self.minimum}-{self.maximum}"

    def as_list(self) -> list[int]:
        return [int(self.minimum), int(self.maximum)]


CANDIDATE_SCALES: tuple[Scale, ...] = (Scale(1, 5), Scale(1, 7), Scale(1, 10), Scale(0, 10))


def parse_scale(text: str) -> Scale:
    """Parse ``"1-5"`` (or ``"0..10"``, ``"1 to 7"``) into a :class:`Scale`.

    >>> parse_scale("0-10")
    Scale(minimum=0, maximum=10)
    """
    m = re.fullmatch(r"\s*(-?\d+)\s*(?:-|\.\.|to|–)\s*(-?\d+)\s*", str(text))
    if not m:
        raise SurveyError(f"The scale {text!r} is not of the form MIN-MAX, for example 1-5 or 0-10.")
    return Scale(int(m.group(1)), int(m.group(2)))


def infer_scale(values: np.ndarray, *, coverage: float = 0.99) -> Scale | None:
    """The smallest candidate scale holding at least ``coverage`` of the numeric ``values``.

    NaN values are ignored. Returns ``None`` when no candidate fits (for example ids or ages).

    >>> infer_scale(np.array([1, 2, 5, 4, 3]))
    Scale(minimum=1, maximum=5)
    >>> infer_scale(np.array([0, 10, 7, 9]))
    Scale(minimum=0, maximum=10)
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return None
    for scale in CANDIDATE_SCALES:
        if scale.contains(v).mean() >= coverage:
            return scale
    return None


def infer_scale_from_counts(counts: dict[float, int], *, coverage: float = 0.99) -> Scale | None:
    """Like :func:`infer_scale` but from a value -> count mapping (what a dictionary-encoded column gives)."""
    if not counts:
        return None
    vals = np.fromiter(counts.keys(), dtype=float)
    cnt = np.fromiter(counts.values(), dtype=float)
    keep = ~np.isnan(vals)
    vals, cnt = vals[keep], cnt[keep]
    total = cnt.sum()
    if total == 0:
        return None
    for scale in CANDIDATE_SCALES:
        if cnt[scale.contains(vals)].sum() / total >= coverage:
            return scale
    return None
