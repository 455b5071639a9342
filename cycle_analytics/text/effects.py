"""Which theme hurts: the outcome of customers who mention a theme against those who do not.

For each theme of a set of comments (a :class:`~cycle_analytics.text.themes.Themes`), the
respondents who wrote those comments and have an outcome value are split in two: those with at
least one comment mentioning the theme (:attr:`~cycle_analytics.text.themes.Themes.mentions`)
and the others. The contrast is the same
as a stage's penalty (:func:`cycle_analytics.stats.drivers.penalty.compare_groups`, the one
implementation): ``penalty = mean outcome of those who do not - mean outcome of those who do``
(positive = the theme goes with a lower outcome), a Welch interval, a two-sided Mann-Whitney U
test (normal approximation, tie and continuity corrected) and the rank-biserial correlation
``P(without > with) - P(with > without)``. The p-values are corrected over the family of themes
shown together (:func:`cycle_analytics.stats.kernel.adjust_pvalues`).

The comparison stays among the commenters of the same set: comparing with customers who wrote
nothing would mix the theme with the habit of writing a comment (mostly done after a bad
experience) and, for a stage, with the bad rating that selected the comments.

Examples
--------
>>> mentions = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 0]], dtype=bool)
>>> out = theme_effects(list("abcdef"), mentions, pd.Series([1.0, 2, 1, 4, 5, 4], index=list("abcdef")))
>>> out[["theme", "n_with", "n_without", "penalty"]].values.tolist()
[[1.0, 3.0, 3.0, 3.0], [2.0, 2.0, 4.0, -2.5]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.drivers.penalty import compare_groups
from cycle_analytics.stats.kernel import adjust_pvalues, discretise
from cycle_analytics.stats.validation import validate_confidence, validate_correction, validate_min_n
from cycle_analytics.i18n import gettext as _
from cycle_analytics.text import messages as M

__all__ = ["EFFECT_COLUMNS", "theme_effects"]

#: The columns of :func:`theme_effects` (after ``theme``).
EFFECT_COLUMNS = ("n_with", "n_without", "mean_outcome_with", "mean_outcome_without", "penalty", "penalty_ci_low",
                  "penalty_ci_high", "u_statistic", "p_value", "p_adjusted", "rank_biserial", "small_sample", "correction")


def _validate_effect_inputs(response_ids, mentions: np.ndarray, outcome: pd.Series, themes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids as text, the mentions as a boolean comments x themes matrix and the theme numbers."""
    ids = np.asarray(pd.Series(list(response_ids), dtype="object").astype(str))
    m = np.asarray(mentions)
    if m.ndim != 2 or m.shape[0] != len(ids) or (m.size and not np.isin(m, (0, 1)).all()):
        raise SurveyError(_(M.BAD_MENTIONS))
    if not isinstance(outcome, pd.Series):
        raise SurveyError(_(M.BAD_EFFECT_OUTCOME))
    numbers = np.arange(1, m.shape[1] + 1) if themes is None else np.asarray(list(themes), dtype=np.int64)
    if numbers.shape != (m.shape[1],):
        raise SurveyError(_(M.BAD_THEME_NUMBERS))
    return ids, m.astype(bool), numbers


def theme_effects(response_ids, mentions: np.ndarray, outcome: pd.Series, *, themes=None, correction: str = "holm",
                  confidence: float = 0.95, min_n: int = 30) -> pd.DataFrame:
    """The outcome contrast of every theme (see the module docstring).

    Parameters
    ----------
    response_ids : sequence
        The writer of each comment.
    mentions : array of bool, comments x themes
        Which themes each comment mentions; its columns are the family corrected together.
    outcome : Series
        One outcome value per respondent, indexed by ``response_id`` (as text); NaN = none.
    themes : sequence of int, optional
        The theme number of each column (default 1, 2, ...).
    correction, confidence, min_n
        p-value correction (``holm``, ``fdr_bh``, ``bonferroni``, ``none``), interval level, and
        the fewest respondents mentioning a theme before ``small_sample`` is false.

    Returns
    -------
    DataFrame
        ``theme`` then :data:`EFFECT_COLUMNS`; ``u_statistic`` is U of those who mention the theme.
        A theme with nobody on one side has NaN statistics and stays out of the correction.
    """
    ids, m, numbers = _validate_effect_inputs(response_ids, mentions, outcome, themes)
    validate_correction(correction)
    validate_confidence(confidence)
    validate_min_n(min_n)
    codes, writers = pd.factorize(ids, sort=False)
    k = m.shape[1]
    per_writer = np.zeros((len(writers), k), dtype=bool)
    np.logical_or.at(per_writer, codes, m)
    y = pd.to_numeric(pd.Series(outcome.to_numpy(), index=outcome.index.astype(str)), errors="coerce")
    y = y[~y.index.duplicated()].reindex(writers).to_numpy(dtype=np.float64)
    keep = np.isfinite(y)
    value_codes, values = discretise(y[keep])
    per_writer = per_writer[keep]
    n_values = len(values)
    total = np.bincount(value_codes, minlength=n_values).astype(np.float64)
    with_theme = np.zeros((k, n_values))
    for t in range(k):
        with_theme[t] = np.bincount(value_codes[per_writer[:, t]], minlength=n_values)
    c = compare_groups(with_theme, total[None, :] - with_theme, values, confidence)
    return pd.DataFrame({
        "theme": numbers,
        "n_with": c["n1"].astype(np.int64),
        "n_without": c["n2"].astype(np.int64),
        "mean_outcome_with": c["mean_g"],
        "mean_outcome_without": c["mean_rest"],
        "penalty": -c["diff"],
        "penalty_ci_low": -c["ci_high"],
        "penalty_ci_high": -c["ci_low"],
        "u_statistic": c["u"],
        "p_value": c["p"],
        "p_adjusted": adjust_pvalues(c["p"], correction),
        "rank_biserial": -c["rb"],
        "small_sample": c["n1"] < min_n,
        "correction": correction,
    })
