"""Outcome vectors, stage importance and the penalty / reward of bad and top-box experiences.

Everything here is computed from one small count table per survey: ``counts[stage, outcome, score]``
(the number of ratings of a stage with a given score whose respondent had a given outcome value),
built in one vectorised pass with :func:`cycle_analytics.stats.kernel.count_table`, grouping ratings by
the code of their outcome value (see :func:`outcome_table`). Ranks with ties, Spearman
correlations, Mann-Whitney U, means, variances and Welch intervals are all closed-form sums over
that table, so their cost does not depend on the number of ratings.

Definitions (also in the function docstrings):

* **Outcome per rating.** A rating or binary outcome is the respondent's value (binary coded 0/1).
  The *proxy* (no outcome chosen) is the mean of the respondent's *other* stages,
  ``(sum - score) / (count - 1)``; NaN when the respondent rated only that stage.
* **Derived importance** (``method="spearman"``): Spearman's rho (ranks with ties averaged)
  between a stage's score and the outcome, over the ratings that have an outcome; p-value from
  Student's t with n - 2 degrees of freedom (as ``scipy.stats.spearmanr``).
* **Relative weights** (``method="relative_weight"``, Johnson 2000): the outcome regressed on all
  stage scores for respondents with *complete data* (every modelled stage rated and an outcome);
  raw weights sum to the model's R-squared. Stages nobody rated, or rated with one value only,
  are left out of the model (weight NaN). Not available for the proxy outcome, whose value
  differs from stage to stage within one respondent.
* **Penalty** of a stage: mean outcome of the *rest* minus mean outcome of respondents who rated
  the stage in the bottom box (positive = bad experiences go with a lower outcome); "the rest" are
  the other respondents who rated that stage (non-raters are not compared), with a Welch
  interval, a two-sided Mann-Whitney U test (normal approximation with tie and continuity
  correction, as ``scipy.stats.mannwhitneyu(method="asymptotic")``) and the rank-biserial
  correlation ``P(rest > bad) - P(bad > rest)``. **Reward**: mean outcome of top-box raters minus
  the rest, same machinery (its rank-biserial is ``P(top > rest) - P(rest > top)``). p-values are
  corrected across stages, penalties and rewards as two separate families.
* **Factor** (``alpha`` = 0.05 on corrected p-values). By default (``factor_basis="middle"``) the
  factor uses the penalty-reward *contrasts* of Brandt (1987): bottom box vs the middle ratings
  (neither bottom nor top box) and top box vs the middle - exactly the coefficients of the outcome
  regressed on a bottom-box and a top-box dummy of the stage - each tested with Mann-Whitney U
  and corrected across stages like the penalty. Against "the rest", a pure basic
  factor would also show a large reward (its rest holds the bad experiences) and be mislabelled
  ``performance``. ``factor_basis="rest"`` uses the ``penalty`` and ``reward`` columns instead.
  Rule, with P and R the two contrasts (negative values count as 0): ``basic`` when P is
  significant, positive and P > 2R; ``delight`` when R is significant, positive and R > 2P;
  ``performance`` when both are significant and positive and neither exceeds twice the other;
  ``unclear`` otherwise (including when a contrast cannot be computed, e.g. nobody in the middle).

The package is cut at its natural seams; every public name is importable from here:

* :mod:`~cycle_analytics.stats.drivers.outcomes` - outcome vectors and the count table;
* :mod:`~cycle_analytics.stats.drivers.importance` - derived and stated importance;
* :mod:`~cycle_analytics.stats.drivers.penalty` - penalty, reward and the factor.
"""

from cycle_analytics.stats.drivers.importance import (
    IMPORTANCE_METHODS,
    derived_importance,
    relative_weights,
    stated_importance,
)
from cycle_analytics.stats.drivers.outcomes import outcome_table, outcome_values, rating_outcomes
from cycle_analytics.stats.drivers.penalty import penalty_reward
from cycle_analytics.stats.kernel import CORRECTIONS, OutcomeTable, adjust_pvalues

__all__ = [
    "OutcomeTable",
    "outcome_values",
    "rating_outcomes",
    "outcome_table",
    "derived_importance",
    "relative_weights",
    "stated_importance",
    "penalty_reward",
    "adjust_pvalues",
    "CORRECTIONS",
    "IMPORTANCE_METHODS",
]
