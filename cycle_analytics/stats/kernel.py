"""Count tables: the compact form every statistic is computed from.

Ratings are discrete, so a stage's scores (and their joint distribution with an outcome, a segment
or a period) are fully described by small count tables. They are built in one vectorised pass with
``np.bincount`` over combined integer codes, so the cost is linear in the number of ratings and the
statistics afterwards cost nothing that depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale


@dataclass(frozen=True)
class StageCounts:
    """``counts[s, g, k]`` = number of ratings of stage ``s`` in group ``g`` with score ``values[k]``.

    ``groups`` labels the middle axis (a single ``"all"`` group when ungrouped).
    """

    stages: tuple[str, ...]
    groups: tuple
    values: np.ndarray  # the scale's points, float
    counts: np.ndarray  # int64, shape (n_stages, n_groups, n_points)

    def total(self) -> np.ndarray:
        """Counts summed over groups: shape (n_stages, n_points)."""
        return self.counts.sum(axis=1)


def _check_ratings(ratings: pd.DataFrame) -> None:
    missing = {"response_id", "stage", "score"} - set(ratings.columns)
    if missing:
        raise SurveyError(f"The ratings table lacks the column(s) {', '.join(sorted(missing))}.")
    if not isinstance(ratings["stage"].dtype, pd.CategoricalDtype):
        raise SurveyError("The ratings table's 'stage' column must be an ordered category.")


def _check_ratings_table(ratings: pd.DataFrame) -> None:
    """The analytics modules' shared ratings check: a DataFrame with ``response_id`` (category),
    ``stage`` (ordered category) and ``score``."""
    if not isinstance(ratings, pd.DataFrame):
        raise SurveyError("The ratings must be a table (DataFrame) with response_id, stage and score.")
    _check_ratings(ratings)
    if not isinstance(ratings["response_id"].dtype, pd.CategoricalDtype):
        raise SurveyError("The ratings table's 'response_id' column must be a category.")


def _check_responses(responses: pd.DataFrame, ratings: pd.DataFrame) -> None:
    """The shared responses check (after :func:`_check_ratings_table`): a DataFrame with one row
    per respondent the ratings name."""
    if not isinstance(responses, pd.DataFrame):
        raise SurveyError("The responses must be a table (DataFrame) with one row per respondent.")
    if len(responses) != len(ratings["response_id"].cat.categories):
        raise SurveyError(
            f"The responses table has {len(responses)} rows but the ratings name "
            f"{len(ratings['response_id'].cat.categories)} respondents."
        )


def score_codes(scores: np.ndarray, scale: Scale) -> np.ndarray:
    """Scores as 0-based point indexes on ``scale`` (int64). Raises if a score is off the scale."""
    s = np.asarray(scores, dtype=float)
    codes = s - scale.minimum
    bad = ~scale.contains(s)
    if bad.any():
        raise SurveyError(f"A score of {s[bad][0]:g} is not a point of the {scale.label()} scale.")
    return codes.astype(np.int64)


def stage_counts(
    ratings: pd.DataFrame,
    scale: Scale,
    *,
    group_codes: np.ndarray | None = None,
    groups: tuple | None = None,
) -> StageCounts:
    """Build the stage x group x score count table.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table (``response_id``, ``stage``, ``score``).
    scale : Scale
        The rating scale; its points are the last axis.
    group_codes : array of int, optional
        One group code per *rating* (``0..len(groups)-1``; negative = leave the rating out), e.g. a
        respondent's segment code taken through ``ratings.response_id.cat.codes``.
    groups : tuple, optional
        The labels of the group codes.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "b"]),
    ...                   "stage": pd.Categorical(["X", "Y", "X"], categories=["X", "Y"], ordered=True),
    ...                   "score": [5.0, 3.0, 4.0]})
    >>> stage_counts(r, Scale(1, 5)).total().tolist()
    [[0, 0, 0, 1, 1], [0, 0, 1, 0, 0]]
    """
    _check_ratings(ratings)
    stages = tuple(str(c) for c in ratings["stage"].cat.categories)
    n_stages, n_points = len(stages), scale.points
    stage_code = ratings["stage"].cat.codes.to_numpy().astype(np.int64)
    k = score_codes(ratings["score"].to_numpy(), scale)
    if group_codes is None:
        n_groups, groups = 1, ("all",)
        flat = stage_code * n_points + k
        keep = stage_code >= 0
    else:
        if groups is None:
            raise SurveyError("Grouped counts need the group labels.")
        n_groups = len(groups)
        g = np.asarray(group_codes, dtype=np.int64)
        if g.shape != stage_code.shape:
            raise SurveyError("There must be one group code per rating.")
        keep = (g >= 0) & (stage_code >= 0)
        flat = (stage_code * n_groups + g) * n_points + k
    flat = flat[keep] if not keep.all() else flat
    counts = np.bincount(flat, minlength=n_stages * n_groups * n_points).reshape(n_stages, n_groups, n_points)
    return StageCounts(stages=stages, groups=tuple(groups), values=np.asarray(scale.values, dtype=float), counts=counts)


def respondent_codes(ratings: pd.DataFrame) -> np.ndarray:
    """The respondent row index (into ``responses``) of every rating."""
    return ratings["response_id"].cat.codes.to_numpy().astype(np.int64)


def codes_of(values: pd.Series | np.ndarray) -> tuple[np.ndarray, tuple]:
    """Integer codes and labels of a per-respondent column (missing values get code -1)."""
    cat = pd.Categorical(values)
    return np.asarray(cat.codes, dtype=np.int64), tuple(cat.categories)
