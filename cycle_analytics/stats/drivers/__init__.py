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
* **Derived importance**, by default **relative weights** (``method="relative_weight"``, Johnson
  2000): the outcome regressed on all stage scores for respondents with *complete data* (every
  modelled stage rated and an outcome); raw weights sum to the model's R-squared, and carry the
  sign of the stage's coefficient in that regression; respondent-level bootstrap intervals.
  Stages nobody rated, or rated with one value only, are left out of the model (weight NaN). Not
  available for the proxy outcome, whose value differs from stage to stage within one respondent.
  ``method="spearman"``: Spearman's rho (ranks with ties averaged) between a stage's score and the
  outcome, over the ratings that have an outcome; p-value from Student's t with n - 2 degrees of
  freedom (as ``scipy.stats.spearmanr``).
* **Adjusted penalty and reward** (:func:`multivariate_penalty_reward`, what the critical-moment
  verdicts use): one regression over all stages with bottom-box, top-box and not-rated dummies per
  stage (middle ratings the reference), OLS with HC3 errors, fitted from the table of distinct
  answer patterns; see :mod:`~cycle_analytics.stats.drivers.contrast`. The one-stage contrasts
  below are its ``raw_*`` columns.
* **Raw (one-stage) penalty** of a stage (:func:`penalty_reward`): mean outcome of the *rest* minus mean outcome of respondents who rated
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

* **Survey weights** (a weighted outcome table or pattern table): the one-stage contrasts compare
  each group's Kish effective counts (:func:`~cycle_analytics.stats.drivers.penalty.compare_weighted_groups`),
  Spearman's rho becomes the weighted correlation of weighted midranks with ``n_eff - 2`` degrees
  of freedom (:func:`~cycle_analytics.stats.drivers.importance.spearman_importance`), the model is
  weighted least squares with HC3 errors and the direct comparison a weighted Welch test on each
  group's ``n_eff``. With every weight 1 each figure is the unweighted one exactly.

Every figure is computed from the count tables (:mod:`cycle_analytics.stats.tables`) by a
``*_from_table(s)`` function, whoever built the tables (numpy from a Survey, or SQL through the
query engine); the functions taking the ratings count the tables with numpy and call those.

The package is cut at its natural seams; every public name is importable from here:

* :mod:`~cycle_analytics.stats.drivers.outcomes` - outcome vectors, the count table and the
  respondent pattern table;
* :mod:`~cycle_analytics.stats.drivers.importance` - derived and stated importance, the bootstrap;
* :mod:`~cycle_analytics.stats.drivers.penalty` - one-stage penalty, reward and the factor rule;
* :mod:`~cycle_analytics.stats.drivers.contrast` - the multivariate penalty-reward model.
"""

from cycle_analytics.stats.drivers.contrast import multivariate_penalty_reward, multivariate_penalty_reward_from_tables
from cycle_analytics.stats.drivers.importance import (
    IMPORTANCE_METHODS,
    ImportanceDraws,
    derived_importance,
    derived_importance_from_tables,
    importance_draws,
    relative_weight_fit,
    relative_weights,
    spearman_importance,
    stated_importance,
)
from cycle_analytics.stats.drivers.outcomes import (
    outcome_spec_from_values,
    outcome_table,
    outcome_values,
    patterns_from_codes,
    rating_outcomes,
    respondent_patterns,
)
from cycle_analytics.stats.drivers.penalty import compare_weighted_groups, penalty_reward, penalty_reward_from_table
from cycle_analytics.stats.kernel import CORRECTIONS, OutcomeTable, adjust_pvalues

__all__ = [
    "OutcomeTable",
    "outcome_values",
    "rating_outcomes",
    "outcome_table",
    "respondent_patterns",
    "patterns_from_codes",
    "outcome_spec_from_values",
    "derived_importance",
    "derived_importance_from_tables",
    "relative_weight_fit",
    "importance_draws",
    "ImportanceDraws",
    "multivariate_penalty_reward",
    "multivariate_penalty_reward_from_tables",
    "relative_weights",
    "spearman_importance",
    "stated_importance",
    "penalty_reward",
    "penalty_reward_from_table",
    "compare_weighted_groups",
    "adjust_pvalues",
    "CORRECTIONS",
    "IMPORTANCE_METHODS",
]
