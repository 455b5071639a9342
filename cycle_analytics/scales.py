"""Rating scales: inference, N/A codes, top and bottom boxes, rescaling to 0-100.

Definitions (documented in docs/statistics.md and used by every module):

* A scale is a closed integer range ``min..max``. The candidates (:data:`CANDIDATE_SCALES`) are the
  common 1-5, 1-7, 1-10 and 0-10 and the less common 1-4, 1-6, 0-5, -2..+2, -3..+3 and 0-100
  (sliders).
* Inference (:func:`infer_scale`): the smallest candidate (fewest points; 1-10 before 0-10)
  holding at least 99% of the numeric values, after N/A codes are removed. A less common
  candidate is only taken when the values show it (:func:`shows_scale`): at least
  ``MIN_ANSWERS_UNCOMMON`` answers that reach both of its ends (a 0-100 slider: near both ends),
  so three answers of 2, 3 and 4 stay on 1-5, and 0-5 data is read on 0-5, never on 0-10.
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
from cycle_analytics.i18n import gettext as _


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
            raise SurveyError(_("A scale needs whole-number ends, not {minimum!r}-{maximum!r}.").format(minimum=self.minimum, maximum=self.maximum))
        if self.maximum - self.minimum < 1:
            raise SurveyError(_("A scale needs at least two points, not {minimum}-{maximum}.").format(minimum=self.minimum, maximum=self.maximum))

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
        """``"1-5"``; a scale with a negative end is written ``"-2..2"`` (which :func:`parse_scale` reads)."""
        if self.minimum < 0:
            return f"{self.minimum}..{self.maximum}"
        return f"{self.minimum}-{self.maximum}"

    def as_list(self) -> list[int]:
        return [int(self.minimum), int(self.maximum)]


#: The scales inference chooses from, fewest points first (1-10 before 0-10 and 1-5 before -2..+2).
CANDIDATE_SCALES: tuple[Scale, ...] = (
    Scale(1, 4), Scale(1, 5), Scale(-2, 2), Scale(0, 5), Scale(1, 6), Scale(1, 7), Scale(-3, 3), Scale(1, 10),
    Scale(0, 10), Scale(0, 100),
)
#: The scales most surveys use: inference takes them without further evidence.
COMMON_SCALES: tuple[Scale, ...] = (Scale(1, 5), Scale(1, 7), Scale(1, 10), Scale(0, 10))
#: Fewest answers for a less common candidate (1-4, 1-6, 0-5, -2..+2, -3..+3, 0-100) to be inferred.
MIN_ANSWERS_UNCOMMON = 30
SLIDER = Scale(0, 100)
SLIDER_TOP_SHARE = 0.01  # answers of 90 or more a 0-100 slider shows, at least


def shows_scale(scale: Scale, counts: dict[float, int]) -> bool:
    """Whether the values ``counts`` (number -> answers) show ``scale`` well enough to infer it.

    A common scale (:data:`COMMON_SCALES`) always does. A less common one needs at least
    :data:`MIN_ANSWERS_UNCOMMON` answers reaching both of its ends; for the 0-100 slider, answers
    within 10 points of each end, at least :data:`SLIDER_TOP_SHARE` of them at 90 or more (ages 18
    to 89, or response rates around 25%, are no slider answers).

    >>> shows_scale(Scale(1, 4), {2.0: 1, 3.0: 1, 4.0: 1}), shows_scale(Scale(1, 4), {1.0: 20, 4.0: 20})
    (False, True)
    """
    if scale in COMMON_SCALES:
        return True
    present = {v for v, k in counts.items() if k > 0}
    if sum(counts.values()) < MIN_ANSWERS_UNCOMMON:
        return False
    if scale == SLIDER:  # answers near both ends, and the top used: rates and ages are no slider ratings
        top = sum(k for v, k in counts.items() if v >= 90)
        return any(v <= 10 for v in present) and top >= SLIDER_TOP_SHARE * sum(counts.values())
    return float(scale.minimum) in present and float(scale.maximum) in present


def parse_scale(text: str) -> Scale:
    """Parse ``"1-5"`` (or ``"0..10"``, ``"1 to 7"``) into a :class:`Scale`.

    >>> parse_scale("0-10"), parse_scale("-2..+2")
    (Scale(minimum=0, maximum=10), Scale(minimum=-2, maximum=2))
    """
    m = re.fullmatch(r"\s*([-+]?\d+)\s*(?:-|\.\.|to|–)\s*([-+]?\d+)\s*", str(text))
    if not m:
        raise SurveyError(_("The scale {text!r} is not of the form MIN-MAX, for example 1-5 or 0-10.").format(text=text))
    return Scale(int(m.group(1)), int(m.group(2)))


def infer_scale(values: np.ndarray, *, coverage: float = 0.99) -> Scale | None:
    """The smallest candidate scale holding at least ``coverage`` of the numeric ``values`` (and
    shown by them, :func:`shows_scale`).

    NaN values are ignored. Returns ``None`` when no candidate fits (for example ids).

    >>> infer_scale(np.array([1, 2, 5, 4, 3]))
    Scale(minimum=1, maximum=5)
    >>> infer_scale(np.array([0, 10, 7, 9]))
    Scale(minimum=0, maximum=10)
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return None
    uniq, cnt = np.unique(v, return_counts=True)
    return infer_scale_from_counts(dict(zip(uniq.tolist(), cnt.tolist())), coverage=coverage)


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
    shown = dict(zip(vals.tolist(), cnt.tolist()))
    for scale in CANDIDATE_SCALES:
        if cnt[scale.contains(vals)].sum() / total >= coverage and shows_scale(scale, shown):
            return scale
    return None
