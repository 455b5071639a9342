"""Halo diagnostic: how much of the stage ratings is one general impression.

Customers who are unhappy tend to rate *every* stage lower (the halo effect, Thorndike 1920), so
one-stage comparisons credit every stage with that general impression. Two figures measure it,
both from the Pearson correlations of the stage ratings, each pair over the respondents who rated
both stages (pairwise deletion; a stage rated with a single value, or by fewer than 3 respondents,
is left out):

* ``first_component_share``: the largest eigenvalue of the stages' correlation matrix divided by
  the number of stages - the share of the ratings' (standardised) variance the first principal
  component explains. Pairs with fewer than 3 common respondents count as uncorrelated there.
* ``mean_correlation``: the mean of the correlations between different stages.

``warning`` is true when the first component's share exceeds ``threshold`` (0.5): one impression
then explains more than half of the differences between the stage ratings. The share is never
below the mean correlation (the largest eigenvalue is at least the mean of the matrix times its
size), so a mean correlation above 0.5 always warns too.

On a weighted survey (a weighted pattern table) the correlations are weighted: each pair's means,
variances and covariance are weighted by the respondents' survey weights (as
``statsmodels.stats.weightstats.DescrStatsW(...).corrcoef`` over the respondents who rated both);
the counts of respondents (the 3-respondent floor, ``n_respondents``) stay real counts. With every
weight 1 the figures are the unweighted ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from cycle_analytics.stats.kernel import pairwise_correlations
from cycle_analytics.stats.tables import ScorePatterns
from cycle_analytics.i18n import format_decimal, format_percent, gettext as _

__all__ = ["HALO_THRESHOLD", "HaloDiagnostic", "halo_diagnostic", "stage_correlations"]

#: First-component share above which the halo warning is shown.
HALO_THRESHOLD = 0.5


@dataclass(frozen=True)
class HaloDiagnostic:
    """The halo figures of a survey (see the module docstring); NaN with fewer than two stages."""

    first_component_share: float
    mean_correlation: float
    n_stages: int
    n_respondents: int
    threshold: float = HALO_THRESHOLD

    @property
    def warning(self) -> bool:
        return bool(np.isfinite(self.first_component_share) and self.first_component_share > self.threshold)

    def message(self) -> str:
        """One plain sentence for the page: the warning, or why there is none."""
        if not np.isfinite(self.first_component_share):
            return _("The halo effect cannot be measured: fewer than two stages were rated with more than one score.")
        fields = {"share": format_percent(self.first_component_share),
                  "correlation": format_decimal(self.mean_correlation, 2)}
        if self.warning:
            return _(
                "Strong halo: one general impression explains {share} of the differences between the stage ratings "
                "(average correlation between stages {correlation}). Unhappy customers rate every stage lower, so the "
                "raw one-stage penalties overstate each stage; the verdicts use the penalties with every other stage "
                "held fixed."
            ).format(**fields)
        return _(
            "Halo under control: one general impression explains {share} of the differences between the stage "
            "ratings (average correlation between stages {correlation})."
        ).format(**fields)

    def as_dict(self) -> dict:
        return {
            "first_component_share": _finite_or_none(self.first_component_share),
            "mean_correlation": _finite_or_none(self.mean_correlation),
            "n_stages": self.n_stages,
            "n_respondents": self.n_respondents,
            "threshold": self.threshold,
            "warning": self.warning,
        }


def _finite_or_none(x: float):
    return float(x) if np.isfinite(x) else None


def stage_correlations(patterns: ScorePatterns) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise Pearson correlations of the stage ratings and the number of respondents behind each.

    Computed from the respondent pattern table (:func:`~cycle_analytics.stats.kernel.pairwise_correlations`:
    cost independent of the number of respondents). Cells with fewer than 3 common
    respondents, or without spread on either side, are NaN; the diagonal is 1 for stages with spread.
    A weighted pattern table gives the weighted correlations (module docstring) beside the real counts.

    Examples
    --------
    >>> from cycle_analytics.scales import Scale
    >>> from cycle_analytics.stats.tables import score_patterns
    >>> p = score_patterns(("A", "B"), Scale(1, 5), np.array([[1, 2], [2, 3], [3, 3], [4, np.nan]]),
    ...                    np.full(4, np.nan), np.ones(4, dtype=int))
    >>> r, n = stage_correlations(p)
    >>> round(float(r[0, 1]), 3), n.tolist()
    (0.866, [[4, 3], [3, 3]])
    """
    codes = patterns.codes()
    w = patterns.counts.astype(np.float64)
    if patterns.weights is not None:  # each row's respondents count with their survey weight
        w = w * patterns.weights
    return pairwise_correlations(np.maximum(codes, 0), codes >= 0, w, patterns.counts)


def halo_diagnostic(patterns: ScorePatterns, *, threshold: float = HALO_THRESHOLD) -> HaloDiagnostic:
    """The first principal component's share and the mean inter-stage correlation (module docstring).

    Examples
    --------
    >>> from cycle_analytics.scales import Scale
    >>> from cycle_analytics.stats.drivers.outcomes import patterns_from_codes
    >>> rng = np.random.default_rng(0)
    >>> g = rng.normal(size=(500, 1))
    >>> codes = np.clip(np.rint(2 + g + 0.5 * rng.normal(size=(500, 4))), 0, 4).astype(np.int8)
    >>> h = halo_diagnostic(patterns_from_codes(tuple("ABCD"), Scale(1, 5), codes, None))
    >>> h.warning, round(h.first_component_share, 2) > round(h.mean_correlation, 2)
    (True, True)
    """
    corr, _ = stage_correlations(patterns)
    usable = np.isfinite(np.diag(corr))
    sub = corr[np.ix_(usable, usable)]
    k = int(usable.sum())
    n_resp = int(patterns.counts[(patterns.codes()[:, usable] >= 0).sum(axis=1) >= 2].sum()) if k else 0
    if k < 2:
        return HaloDiagnostic(float("nan"), float("nan"), k, n_resp, threshold)
    off = sub[~np.eye(k, dtype=bool)]
    mean_corr = float(np.nanmean(off)) if np.isfinite(off).any() else float("nan")
    share = float(np.linalg.eigvalsh(np.where(np.isfinite(sub), sub, 0.0))[-1] / k)
    return HaloDiagnostic(share, mean_corr, k, n_resp, threshold)
