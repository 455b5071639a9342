"""Survey weights: Kish's effective sample size and the weighted figures of the count tables.

A survey weighted to its population gives every respondent a weight ``w`` (non-negative; a
respondent without a usable weight counts with ``w = 0``). The weighted figures read the sums of
the weights where the unweighted ones read counts (:class:`cycle_analytics.stats.tables.WeightedCounts`),
and their uncertainty uses Kish's effective sample size.

Definitions (over the ratings of one stage, or one cell)
---------------------------------------------------------
* ``n``: the real number of ratings (what a manager counts); ``n_eff``: Kish's effective sample
  size ``(sum w)**2 / sum w**2`` (equal to ``n`` when every weight is the same).
* **Effective counts** of the scale points: ``c_a = W_a * n_eff / W`` with ``W_a`` the sum of the
  weights of the ratings with the ``a``-th point and ``W = sum W_a``: the weighted distribution
  scaled to ``n_eff`` answers. Every unweighted formula of
  :func:`cycle_analytics.stats.kernel.summary_from_counts` applied to them gives the weighted figure:
  the weighted mean ``sum w y / sum w``, the weighted shares (top and bottom box, promoters,
  detractors, NPS) ``sum of w in the box / sum w``, the sd ``sqrt(sum w (y - mean)**2 / sum w *
  n_eff / (n_eff - 1))``, the t-interval of the mean with ``n_eff - 1`` degrees of freedom and
  standard error ``sd / sqrt(n_eff)``, and Wilson intervals with ``n_eff`` trials. These equal
  ``statsmodels.stats.weightstats.DescrStatsW`` with the weights rescaled to sum to ``n_eff``.
* The weighted median: the smallest point whose cumulative weight share reaches one half (the
  mean of it and the next answered point when the share is exactly one half).
* With every weight 1, ``n_eff = n`` and the effective counts are the counts: every figure equals
  the unweighted one exactly (the scaling factor ``n_eff / W`` is exactly 1.0).

Examples
--------
>>> kish_effective_n(np.array([1.0, 1.0, 2.0, 2.0]))
3.6
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import scale_values, summary_from_counts
from cycle_analytics.stats.tables import WeightedCounts

__all__ = [
    "kish_effective_n", "kish_from_sums", "effective_counts", "weighted_median_from_counts", "weighted_summary",
    "weighted_mean_sd", "respondent_weights", "validate_weights", "WeightUse", "NEFF_SHOWN_BEYOND",
]

#: The effective n is shown beside the real n when they differ by more than this share of n.
NEFF_SHOWN_BEYOND = 0.10


def validate_weights(weights, n: int | None = None) -> np.ndarray:
    """The weights as float64, checked: one-dimensional, finite, none negative (and ``n`` of them).

    >>> validate_weights([1, 0.5]).tolist()
    [1.0, 0.5]
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        raise SurveyError(_("The weights must be one number per respondent."))
    if n is not None and len(w) != n:
        raise SurveyError(_("There must be one weight per respondent ({n}), not {given}.").format(
            n=format_number(n), given=format_number(len(w))))
    if not np.isfinite(w).all():
        raise SurveyError(_("Every weight must be a number (a missing weight counts as 0)."))
    if (w < 0).any():
        raise SurveyError(_("A survey weight cannot be negative."))
    return w


def respondent_weights(values) -> tuple[np.ndarray, int]:
    """The weight of each respondent from a weight column: ``(weights, unusable)`` where a missing
    or negative value becomes 0 and ``unusable`` counts those respondents.

    >>> w, bad = respondent_weights(pd.Series([1.5, None, -1.0, 0.5]))
    >>> w.tolist(), bad
    ([1.5, 0.0, 0.0, 0.5], 2)
    """
    w = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(w) | (w < 0)
    return np.where(bad, 0.0, w), int(bad.sum())


def kish_effective_n(weights) -> float:
    """Kish's effective sample size ``(sum w)**2 / sum w**2`` of a set of weights (0 without weight).

    >>> kish_effective_n(np.ones(5))
    5.0
    """
    w = validate_weights(weights)
    return float(kish_from_sums(w.sum(), (w * w).sum()))


def kish_from_sums(sums, squares) -> np.ndarray:
    """Kish's effective n from the sums of the weights and of their squares (0 where both are 0).

    >>> kish_from_sums(np.array([8.0, 0.0]), np.array([22.0, 0.0])).round(4).tolist()
    [2.9091, 0.0]
    """
    s = np.asarray(sums, dtype=np.float64)
    q = np.asarray(squares, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(q > 0, s * s / np.where(q > 0, q, 1.0), 0.0)


def effective_counts(table: WeightedCounts) -> tuple[np.ndarray, np.ndarray]:
    """``(effective counts, n_eff)`` of a weighted count table: per cell ``W_a * n_eff / W`` over
    the last axis (the scale points); ``n_eff`` has the table's shape without that axis.

    >>> t = WeightedCounts(np.array([[1, 1]]), np.array([[1.0, 3.0]]), np.array([[1.0, 9.0]]))
    >>> c, n_eff = effective_counts(t)
    >>> c.round(6).tolist(), n_eff.tolist()
    ([[0.4, 1.2]], [1.6])
    """
    w = np.asarray(table.weights, dtype=np.float64)
    total = w.sum(axis=-1)
    n_eff = kish_from_sums(total, np.asarray(table.squares, dtype=np.float64).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(total > 0, n_eff / np.where(total > 0, total, 1.0), 0.0)
    return w * factor[..., None], n_eff


def weighted_median_from_counts(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The weighted median of each row of point weights (NaN without weight): the smallest point whose
    cumulative share reaches one half; the mean of it and the next point when it is exactly one half.
    With whole counts it is :func:`numpy.median` of the answers.

    >>> float(weighted_median_from_counts(np.array([1.0, 0.0, 1.0, 0.0]), np.arange(4.0)))
    1.0
    >>> float(weighted_median_from_counts(np.array([1.0, 0.0, 3.0, 0.0]), np.arange(4.0)))
    2.0
    """
    w = np.asarray(weights, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    total = w.sum(axis=-1)
    twice = 2.0 * np.cumsum(w, axis=-1)
    k_lo = np.argmax(twice >= total[..., None], axis=-1)
    k_hi = np.argmax(twice > total[..., None], axis=-1)
    return np.where(total > 0, (v[k_lo] + v[k_hi]) / 2.0, np.nan)


def weighted_summary(table: WeightedCounts, scale: Scale, *, confidence: float = 0.95) -> dict:
    """:func:`cycle_analytics.stats.kernel.summary_from_counts` of a weighted count table: every
    figure weighted (module docstring), ``n`` the real count (int64) and ``n_eff`` beside it.

    Examples
    --------
    >>> t = WeightedCounts(np.array([1, 0, 0, 0, 1]), np.array([3.0, 0, 0, 0, 1.0]), np.array([9.0, 0, 0, 0, 1.0]))
    >>> out = weighted_summary(t, Scale(1, 5))
    >>> int(out["n"]), float(out["n_eff"]), float(out["mean"]), float(out["top_box_pct"])
    (2, 1.6, 2.0, 25.0)
    """
    counts, n_eff = effective_counts(table)
    values = scale_values(scale)
    out = summary_from_counts(counts, values, scale, confidence=confidence)
    out["median"] = weighted_median_from_counts(table.weights, values)
    out["n"] = np.asarray(table.counts, dtype=np.int64).sum(axis=-1)
    out["n_eff"] = n_eff
    return out


def weighted_mean_sd(y, weights) -> tuple[float, float, float]:
    """``(weighted mean, weighted sd, n_eff)`` of raw values, as the stage scores define them
    (module docstring): the sd with the ``n_eff / (n_eff - 1)`` correction.

    >>> m, sd, n_eff = weighted_mean_sd([1.0, 3.0], [1.0, 1.0])
    >>> m, round(sd, 6), n_eff
    (2.0, 1.414214, 2.0)
    """
    y = np.asarray(y, dtype=np.float64)
    w = validate_weights(weights, len(y))
    total = w.sum()
    if total <= 0:
        return float("nan"), float("nan"), 0.0
    n_eff = kish_effective_n(w)
    mean = float((w * y).sum() / total)
    if n_eff <= 1:
        return mean, float("nan"), n_eff
    var = float((w * (y - mean) ** 2).sum() / total * n_eff / (n_eff - 1.0))
    return mean, float(np.sqrt(var)), n_eff


@dataclass(frozen=True)
class WeightUse:
    """Which survey weight an analysis applied: ``column`` (``None``: unweighted), the respondents
    analysed, those without a usable weight (counted with weight 0), and Kish's effective n of all
    the analysed respondents."""

    column: str | None
    respondents: int = 0
    unusable: int = 0
    n_eff: float = float("nan")

    @property
    def active(self) -> bool:
        return self.column is not None

    def caption(self) -> str:
        """The line every page and report shows: ``"weighted by WEIGHT"`` (empty when unweighted).

        >>> WeightUse("WEIGHT", 100, 0, 80.0).caption()
        'weighted by WEIGHT (effective n 80 of 100 respondents)'
        """
        if not self.active:
            return ""
        if self.respondents and abs(self.n_eff - self.respondents) > NEFF_SHOWN_BEYOND * self.respondents:
            return ngettext("weighted by {column} (effective n {n_eff} of {n} respondent)",
                            "weighted by {column} (effective n {n_eff} of {n} respondents)", int(self.respondents)).format(
                column=self.column, n_eff=format_number(self.n_eff), n=format_number(self.respondents))
        return _("weighted by {column}").format(column=self.column)

    def as_dict(self) -> dict:
        """The JSON form (the command line's ``weight`` object; all null but ``column`` when unweighted)."""
        if not self.active:
            return {"column": None, "respondents": None, "without_weight": None, "n_eff": None}
        return {"column": self.column, "respondents": int(self.respondents), "without_weight": int(self.unusable),
                "n_eff": None if not np.isfinite(self.n_eff) else round(float(self.n_eff), 3)}
