"""Input checks shared by the statistics modules.

Each ``validate_<what>`` raises :class:`cycle_analytics.errors.SurveyError` with one plain sentence
when its input cannot be used, and returns nothing (or the input in the form the statistics use,
where that is said). Checks that only one module needs stay in that module as ``_validate_<what>``.

Examples
--------
>>> validate_alpha(0.05)
>>> validate_alpha(5)
Traceback (most recent call last):
...
cycle_analytics.errors.SurveyError: The significance level alpha must lie between 0 and 1, not 5.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import NP_, pgettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import CORRECTIONS, OutcomeTable

__all__ = [
    "CHOICE_NAMES",
    "validate_ratings_table",
    "validate_responses",
    "validate_scale",
    "validate_min_n",
    "validate_confidence",
    "validate_alpha",
    "validate_choice",
    "validate_correction",
    "validate_score_inputs",
    "validate_outcome_vector",
    "validate_outcome_table",
    "validate_driver_inputs",
]


def validate_ratings_table(ratings: pd.DataFrame) -> None:
    """The tidy ratings table: a DataFrame with ``response_id`` (category), ``stage`` (ordered
    category) and ``score``."""
    if not isinstance(ratings, pd.DataFrame):
        raise SurveyError(_("The ratings must be a table (DataFrame) with response_id, stage and score."))
    missing = {"response_id", "stage", "score"} - set(ratings.columns)
    if missing:
        raise SurveyError(_("The ratings table lacks the column(s) {items}.").format(items=', '.join(sorted(missing))))
    if not isinstance(ratings["stage"].dtype, pd.CategoricalDtype):
        raise SurveyError(_("The ratings table's 'stage' column must be an ordered category."))
    if not isinstance(ratings["response_id"].dtype, pd.CategoricalDtype):
        raise SurveyError(_("The ratings table's 'response_id' column must be a category."))


def validate_responses(responses: pd.DataFrame, ratings: pd.DataFrame) -> None:
    """The responses table (after :func:`validate_ratings_table`): a DataFrame with one row per
    respondent the ratings name."""
    if not isinstance(responses, pd.DataFrame):
        raise SurveyError(_("The responses must be a table (DataFrame) with one row per respondent."))
    if len(responses) != len(ratings["response_id"].cat.categories):
        raise SurveyError(
            _("The responses table has {n} rows but the ratings name {n2} respondents.").format(n=len(responses), n2=len(ratings['response_id'].cat.categories))
        )


def validate_scale(scale: Scale) -> None:
    """A rating scale (:class:`cycle_analytics.scales.Scale`)."""
    if not isinstance(scale, Scale):
        raise SurveyError(_("The scale must be a Scale such as Scale(1, 5), not {scale!r}.").format(scale=scale))


def validate_min_n(min_n: int) -> None:
    """The small-sample threshold: a whole number of at least 0."""
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 0:
        raise SurveyError(_("The minimum count min_n must be a whole number of at least 0, not {min_n!r}.").format(min_n=min_n))


def validate_confidence(confidence: float) -> None:
    """A confidence level strictly between 0 and 1."""
    if not (isinstance(confidence, numbers.Real) and 0 < confidence < 1):
        raise SurveyError(_("The confidence level must be between 0 and 1 (for example 0.95), not {confidence!r}.").format(confidence=confidence))


def validate_alpha(alpha: float) -> None:
    """A significance level strictly between 0 and 1."""
    if not (isinstance(alpha, numbers.Real) and 0 < alpha < 1):
        raise SurveyError(_("The significance level alpha must lie between 0 and 1, not {alpha!r}.").format(alpha=alpha))


#: The options :func:`validate_choice` names, in the context "setting name" (a noun phrase that
#: reads right in the sentence in every language; another name is shown as given).
CHOICE_NAMES = (NP_("setting name", "importance method"), NP_("setting name", "factor basis"))


def validate_choice(value: object, choices: tuple[str, ...], what: str) -> None:
    """``value`` must be one of ``choices``; ``what`` (one of :data:`CHOICE_NAMES`) names the option
    in the sentence.

    >>> validate_choice("rest", ("middle", "rest"), "factor basis")
    >>> validate_choice("top", ("middle", "rest"), "factor basis")
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: The factor basis 'top' is not one of middle, rest.
    """
    if value not in choices:
        raise SurveyError(_("The {what} {value!r} is not one of {items}.").format(
            what=pgettext("setting name", what), value=value, items=", ".join(choices)))


def validate_correction(correction: str) -> None:
    """A multiple-comparison correction of :func:`cycle_analytics.stats.kernel.adjust_pvalues`."""
    validate_choice(correction, CORRECTIONS, "p-value correction")


def validate_score_inputs(
    ratings: pd.DataFrame, scale: Scale | None = None, *, min_n: int = 0, confidence: float = 0.95
) -> None:
    """The inputs of the score statistics: the ratings table, the scale (when given) and the options."""
    validate_ratings_table(ratings)
    if scale is not None:
        validate_scale(scale)
    validate_min_n(min_n)
    validate_confidence(confidence)


def validate_outcome_vector(y: np.ndarray, ratings: pd.DataFrame | None = None) -> np.ndarray:
    """One outcome per rating (numbers, NaN = no outcome); returned as a float64 array."""
    arr = np.asarray(y)
    if arr.dtype.kind not in "fiub":
        raise SurveyError(_("The outcome vector must hold numbers (NaN for no outcome)."))
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 1:
        raise SurveyError(_("The outcome vector must be one-dimensional."))
    if ratings is not None and len(arr) != len(ratings):
        raise SurveyError(
            _("The outcome vector has {n} values but there are {n2} ratings; use rating_outcomes() to get one outcome per rating.").format(n=len(arr), n2=len(ratings))
        )
    return arr


def validate_outcome_table(table: OutcomeTable, ratings: pd.DataFrame, scale: Scale | None) -> None:
    """A prebuilt :func:`cycle_analytics.stats.drivers.outcome_table` must belong to these ratings and this scale."""
    if not isinstance(table, OutcomeTable):
        raise SurveyError(_("The prebuilt table must come from outcome_table()."))
    if scale is not None and table.scale != scale:
        raise SurveyError(_("The prebuilt table was counted on the {label} scale, not {label2}.").format(label=table.scale.label(), label2=scale.label()))
    if list(table.stage_dtype.categories) != list(ratings["stage"].cat.categories):
        raise SurveyError(_("The prebuilt table was counted for other stages than these ratings."))


def validate_driver_inputs(ratings: pd.DataFrame, y: np.ndarray, *, correction: str = "holm", confidence: float = 0.95) -> np.ndarray:
    """What every driver statistic takes: the ratings table, one outcome per rating, the p-value
    correction and the confidence level; returns ``y`` as float64."""
    validate_ratings_table(ratings)
    validate_correction(correction)
    validate_confidence(confidence)
    return validate_outcome_vector(y, ratings)
