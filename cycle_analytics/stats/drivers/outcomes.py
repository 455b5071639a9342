"""Outcome vectors and the stage x outcome value x score count table.

* :func:`outcome_values` - one outcome value per respondent (rating or binary outcome).
* :func:`rating_outcomes` - one outcome value per rating (also for the proxy, the mean of the
  respondent's other stages).
* :func:`outcome_table` - the :class:`~cycle_analytics.stats.kernel.OutcomeTable` every one-stage
  driver statistic is computed from.
* :func:`respondent_patterns` - the respondent pattern table
  (:class:`~cycle_analytics.stats.tables.ScorePatterns`: distinct score vectors with the
  respondent's outcome and their counts) the multi-stage statistics start from: the stage
  changes, the penalty-reward model, relative weights with their bootstrap and the halo diagnostic;
  :func:`patterns_from_codes` builds it from a respondent x stage matrix.
* :func:`outcome_spec_from_values` - what kind of outcome a column is, from its distinct values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale, infer_scale_from_counts
from cycle_analytics.stats.kernel import OutcomeTable, count_table, discretise, pattern_sums, respondent_codes, score_matrix
from cycle_analytics.stats.tables import ScorePatterns, score_patterns
from cycle_analytics.stats.validation import (
    validate_outcome_vector,
    validate_ratings_table,
    validate_responses,
)

__all__ = [
    "outcome_values", "rating_outcomes", "outcome_table", "patterns_from_codes", "respondent_patterns", "respondent_outcomes",
    "outcome_spec_from_values", "guess_positive",
]


def _norm_label(x: object) -> str:
    """A label compared without regard to case and runs of spaces."""
    return " ".join(str(x).split()).casefold()


def outcome_values(responses: pd.DataFrame, spec: OutcomeSpec) -> np.ndarray:
    """One outcome value per respondent (float64; NaN = no outcome).

    * ``kind="rating"``: the column as numbers; values that are not whole points of
      ``spec.scale`` (and text that is not a number) become NaN. Without a scale the numbers are
      taken as they are.
    * ``kind="binary"``: text columns give 1 for ``spec.positive`` and 0 for any other non-empty
      label (case and spaces ignored), NaN for empty cells; numeric (or boolean) 0/1 columns are
      taken as they are.
    * ``kind="proxy"`` has no per-respondent value: use :func:`rating_outcomes`.

    Examples
    --------
    >>> resp = pd.DataFrame({"ok": ["Yes", " yes", "No", None]})
    >>> outcome_values(resp, OutcomeSpec("ok", kind="binary", positive="YES")).tolist()
    [1.0, 1.0, 0.0, nan]
    """
    _validate_outcome_spec(responses, spec)
    col = responses[spec.column]
    is_num = pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype)
    if spec.kind == "rating":
        return _rating_values(col, is_num, spec)
    if is_num:
        return _binary_numbers(col, spec)
    return _binary_labels(col, spec)


def _validate_outcome_spec(responses: pd.DataFrame, spec: OutcomeSpec) -> None:
    """The outcome must have one value per respondent and its column must be in ``responses``."""
    if spec.is_proxy:
        raise SurveyError(
            _("The proxy outcome (mean of the other stages) has no single value per respondent; use rating_outcomes() for one value per rating.")
        )
    if spec.kind not in ("rating", "binary"):
        raise SurveyError(_("The outcome kind {kind!r} is not one of rating, binary or proxy.").format(kind=spec.kind))
    if spec.column is None or spec.column not in responses.columns:
        raise SurveyError(_("The outcome column {column!r} is not in the responses table.").format(column=spec.column))


def _rating_values(col: pd.Series, is_num: bool, spec: OutcomeSpec) -> np.ndarray:
    """A rating outcome as numbers; off-scale values and text that is not a number become NaN."""
    if is_num:
        v = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        v = pd.to_numeric(col.astype("str").str.strip(), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if spec.scale is not None:
        v = np.where(spec.scale.contains(v), v, np.nan)
    return v.astype(np.float64, copy=False)


def _binary_numbers(col: pd.Series, spec: OutcomeSpec) -> np.ndarray:
    """A numeric binary outcome: 1 for the positive number (if one is named), else the 0/1 values."""
    v = col.to_numpy(dtype=np.float64, na_value=np.nan)
    if spec.positive is not None and str(spec.positive).strip():
        try:
            pos = float(str(spec.positive).strip())
        except ValueError:
            raise SurveyError(
                _("The binary outcome column {column!r} holds numbers, so its positive value must be a number, not {positive!r}.").format(column=spec.column, positive=spec.positive)
            ) from None
        return np.where(np.isnan(v), np.nan, (v == pos).astype(np.float64))
    bad = ~np.isnan(v) & (v != 0) & (v != 1)
    if bad.any():
        raise SurveyError(
            _("The binary outcome column {column!r} holds the value {v:g}; a binary outcome must be 0/1 or text with a positive label.").format(column=spec.column, v=v[bad][0])
        )
    return v


def _binary_labels(col: pd.Series, spec: OutcomeSpec) -> np.ndarray:
    """A text binary outcome: 1 for the positive label, 0 for other labels, NaN for empty cells.

    Works on the distinct labels only (a categorical pass), not on every row.
    """
    cat = pd.Categorical(col)
    labels = [_norm_label(c) for c in cat.categories]
    codes = np.asarray(cat.codes, dtype=np.int64)
    if spec.positive is None or not str(spec.positive).strip():
        if set(labels) <= {"0", "1"}:
            lut = np.array([1.0 if lab == "1" else 0.0 for lab in labels] + [np.nan])
            return lut[codes]
        raise SurveyError(_("The binary outcome column {column!r} needs the label that counts as positive.").format(column=spec.column))
    pos = _norm_label(spec.positive)
    if pos not in labels:
        raise SurveyError(
            _("The positive label {positive!r} does not occur in the outcome column {column!r}.").format(positive=spec.positive, column=spec.column)
        )
    lut = np.array([np.nan if lab == "" else (1.0 if lab == pos else 0.0) for lab in labels] + [np.nan])
    return lut[codes]  # code -1 (missing) picks the trailing NaN


def rating_outcomes(ratings: pd.DataFrame, responses: pd.DataFrame, spec: OutcomeSpec) -> np.ndarray:
    """One outcome value per rating (float64, aligned with ``ratings`` rows).

    For a rating or binary outcome, the respondent's :func:`outcome_values`. For the proxy, the mean
    of the respondent's *other* stages, ``(sum - score) / (count - 1)``, NaN when the respondent
    rated only that stage (computed with ``np.bincount``, no row loop).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "a", "b"]),
    ...                   "stage": pd.Categorical(["X", "Y", "Z", "X"], categories=["X", "Y", "Z"], ordered=True),
    ...                   "score": [5.0, 3.0, 1.0, 4.0]})
    >>> from cycle_analytics.dataset import PROXY_OUTCOME
    >>> rating_outcomes(r, pd.DataFrame({"response_id": ["a", "b"]}), PROXY_OUTCOME).tolist()
    [2.0, 3.0, 4.0, nan]
    """
    validate_ratings_table(ratings)
    codes = respondent_codes(ratings)
    if spec.is_proxy:
        return _proxy_outcomes(ratings, codes)
    validate_responses(responses, ratings)
    return outcome_values(responses, spec)[codes]


def _proxy_outcomes(ratings: pd.DataFrame, codes: np.ndarray) -> np.ndarray:
    """Per rating, the mean of the respondent's other stages (NaN when they rated only this one)."""
    n_resp = len(ratings["response_id"].cat.categories)
    score = ratings["score"].to_numpy(dtype=np.float64)
    total = np.bincount(codes, weights=score, minlength=n_resp)
    count = np.bincount(codes, minlength=n_resp)
    others = (count[codes] - 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (total[codes] - score) / others
    out[others == 0] = np.nan
    return out


def _scale_of_scores(ratings: pd.DataFrame) -> Scale:
    """The whole-number range of the scores (1-5 without any score), for a table without a scale."""
    s = ratings["score"].to_numpy(dtype=np.float64)
    if len(s) == 0:
        return Scale(1, 5)
    lo, hi = float(np.nanmin(s)), float(np.nanmax(s))
    if not (np.isfinite(lo) and lo == np.floor(lo) and hi == np.floor(hi)):
        raise SurveyError(_("The ratings' scores must be whole numbers of a rating scale."))
    return Scale(int(lo), int(max(hi, lo + 1)))


def outcome_table(ratings: pd.DataFrame, y: np.ndarray, scale: Scale | None = None) -> OutcomeTable:
    """Build the stage x outcome value x score count table in one vectorised pass.

    Parameters
    ----------
    ratings : DataFrame
        The tidy ratings table.
    y : array of float
        One outcome per rating (:func:`rating_outcomes`); NaN = no outcome (counted in ``missing``).
    scale : Scale, optional
        The rating scale (default: the range of the scores).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c"]),
    ...                   "stage": pd.Categorical(["X", "X", "X"], categories=["X"], ordered=True),
    ...                   "score": [1.0, 2.0, 2.0]})
    >>> t = outcome_table(r, np.array([3.0, 5.0, np.nan]), Scale(1, 5))
    >>> t.outcomes.tolist(), t.counts[0].tolist(), t.missing[0].tolist()
    ([3.0, 5.0], [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]], [0, 1, 0, 0, 0])
    """
    validate_ratings_table(ratings)
    y = validate_outcome_vector(y, ratings)
    if scale is None:
        scale = _scale_of_scores(ratings)
    codes, values = discretise(y)
    n_b = len(values)
    # one group per outcome value; the extra last group holds the ratings with no outcome
    counts = count_table(ratings, scale, codes, n_b, per_rating=True)
    return OutcomeTable(
        stage_dtype=ratings["stage"].dtype,
        scale=scale,
        scores=np.asarray(scale.values, dtype=np.float64),
        outcomes=np.asarray(values, dtype=np.float64),
        counts=np.ascontiguousarray(counts[:, :n_b, :]),
        missing=np.ascontiguousarray(counts[:, n_b, :]),
    )


def patterns_from_codes(stages, scale: Scale, codes: np.ndarray, y: np.ndarray | None,
                        weights: np.ndarray | None = None) -> ScorePatterns:
    """The respondent pattern table of a respondent x stage matrix of score codes and one outcome
    per respondent (``None``: no outcome), in one vectorised pass; ``weights`` (one survey weight
    per respondent) makes it a weighted table (the weight is part of each row's key).

    ``codes[i, j]``: respondent ``i``'s score of stage ``j`` as a 0-based point of ``scale``
    (-1 = not rated), as :func:`~cycle_analytics.stats.kernel.score_matrix` gives it.

    Examples
    --------
    >>> codes = np.array([[4, 2], [0, -1], [4, 2]], dtype=np.int8)
    >>> p = patterns_from_codes(("X", "Y"), Scale(1, 5), codes, np.array([5.0, np.nan, 5.0]))
    >>> p.scores.tolist(), p.outcome.tolist(), p.counts.tolist()
    ([[1.0, nan], [5.0, 3.0]], [nan, 5.0], [1, 2])
    """
    codes = np.asarray(codes)
    n_resp, n_st = codes.shape
    if y is None:
        y = np.full(n_resp, np.nan)
    y = np.asarray(y, dtype=np.float64)
    has = np.isfinite(y)
    values = np.unique(y[has])
    y_code = np.full(n_resp, len(values), dtype=np.int64)
    y_code[has] = np.searchsorted(values, y[has])
    base = max(scale.points + 1, len(values) + 1)
    if weights is not None:
        weight_values, weight_code = np.unique(np.asarray(weights, dtype=np.float64), return_inverse=True)
        base = max(base, len(weight_values))
    keyed = np.empty((n_resp, n_st + 1 + (weights is not None)), dtype=np.int64 if base > 127 else np.int8)
    keyed[:, :n_st] = codes + 1
    keyed[:, n_st] = y_code
    if weights is not None:
        keyed[:, n_st + 1] = weight_code.ravel()
    rows, counts, _, _ = pattern_sums(keyed, base, np.zeros(n_resp))
    scores = np.where(rows[:, :n_st] > 0, rows[:, :n_st] - 1 + scale.minimum, np.nan).astype(np.float64)
    outcome = np.append(values, np.nan)[rows[:, n_st]]
    row_weights = None if weights is None else weight_values[rows[:, n_st + 1]]
    return score_patterns(stages, scale, scores, outcome, np.rint(counts).astype(np.int64), row_weights)


def respondent_patterns(
    ratings: pd.DataFrame, y: np.ndarray, scale: Scale, *, per_respondent: np.ndarray | None = None
) -> ScorePatterns:
    """The respondent pattern table (:class:`~cycle_analytics.stats.tables.ScorePatterns`) of the
    ratings and one outcome per rating (:func:`rating_outcomes`).

    ``per_respondent`` (:func:`outcome_values` of the responses) skips deriving the respondents'
    outcomes from ``y``. For the proxy, whose value differs from stage to stage, the table holds
    no outcome (NaN). Respondents without a rating are in the table (all stages NaN).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "a", "b"]),
    ...                   "stage": pd.Categorical(["X", "Y", "X"], ordered=True), "score": [5.0, 3.0, 1.0]})
    >>> p = respondent_patterns(r, np.array([4.0, 4.0, np.nan]), Scale(1, 5))
    >>> p.scores.tolist(), p.outcome.tolist()
    ([[1.0, nan], [5.0, 3.0]], [nan, 4.0])
    """
    validate_ratings_table(ratings)
    y = validate_outcome_vector(y, ratings)
    if per_respondent is None:
        per_respondent = respondent_outcomes(ratings, y)
    else:
        per_respondent = np.asarray(per_respondent, dtype=np.float64)
        if per_respondent.shape != (len(ratings["response_id"].cat.categories),):
            raise SurveyError(_("There must be one outcome per respondent."))
    stages = tuple(str(c) for c in ratings["stage"].cat.categories)
    return patterns_from_codes(stages, scale, score_matrix(ratings, scale), per_respondent)


def respondent_outcomes(ratings: pd.DataFrame, y: np.ndarray) -> np.ndarray | None:
    """One outcome per respondent from one per rating; ``None`` when a respondent's ratings carry
    different outcomes (the proxy). Respondents without ratings get NaN."""
    resp = respondent_codes(ratings)
    y_resp = np.full(len(ratings["response_id"].cat.categories), np.nan)
    y_resp[resp] = y
    back = y_resp[resp]
    differs = ~((back == y) | (np.isnan(back) & np.isnan(y)))
    return None if differs.any() else y_resp


def outcome_spec_from_values(column: str, values, counts=None, *, positive: str | None = None, label: str = "",
                             numeric: bool | None = None) -> OutcomeSpec:
    """Describe the outcome column ``column`` from its distinct values (and their respondent counts).

    A column whose values are numbers (at least 90% of the answers, the importer's rule; text
    numbers such as ``"4"`` count) is numeric: a 0-1 column is binary, any other a rating outcome
    on the scale inferred from its values (every answer on the scale first, so that a single 0
    makes a recommend question 0-10; the stages' 99% rule second). A text column is binary with
    ``positive`` (or the one label that reads as positive, :func:`guess_positive`) as 1.
    ``numeric`` settles the kind where the column's type already says it (an imported survey's
    float column, a database's numeric column).

    Examples
    --------
    >>> outcome_spec_from_values("overall", [1.0, 3.0, 5.0], [4, 5, 6]).scale
    Scale(minimum=1, maximum=5)
    >>> outcome_spec_from_values("ok", ["Satisfied", "Neutral or dissatisfied"]).positive
    'Satisfied'
    """
    raw = pd.Series(list(values), dtype=object)
    n = np.ones(len(raw), dtype=np.float64) if counts is None else np.asarray(counts, dtype=np.float64)
    present = raw.notna().to_numpy() & (raw.astype("str").str.strip().to_numpy() != "")
    numbers = pd.to_numeric(raw.where(present).astype("str").str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    numbers = np.where(present, numbers, np.nan)
    answered = float(n[present].sum())
    if numeric is None:
        numeric = bool(answered) and float(n[~np.isnan(numbers)].sum()) >= 0.9 * answered
    if numeric:
        ok = ~np.isnan(numbers)
        found: dict[float, int] = {}
        for v, c in zip(numbers[ok].tolist(), n[ok].tolist()):
            found[v] = found.get(v, 0) + int(c)
        if found and set(found) <= {0.0, 1.0}:
            return OutcomeSpec(column=column, kind="binary", positive="1", label=label)
        scale = infer_scale_from_counts(found, coverage=1.0) or infer_scale_from_counts(found)
        if scale is None:
            raise SurveyError(_("The outcome column {column!r} does not hold ratings on a 1-5, 1-7, 1-10 or 0-10 scale.").format(column=column))
        return OutcomeSpec(column=column, kind="rating", scale=scale, label=label)
    labels = [str(x) for x, p in zip(raw.tolist(), present) if p]
    pos = positive if positive is not None else guess_positive(labels)
    if pos is None:
        raise SurveyError(
            _("The outcome column {column!r} holds text; name the label that counts as a good outcome (one of: {items}).").format(column=column, items=', '.join(sorted(labels)[:6]))
        )
    return OutcomeSpec(column=column, kind="binary", positive=str(pos), label=label)


def guess_positive(labels: list[str]) -> str | None:
    """A positive label when exactly one label reads as positive (e.g. 'satisfied' vs 'neutral or dissatisfied').

    >>> guess_positive(["Yes", "No"]), guess_positive(["Good", "Very good"])
    ('Yes', None)
    """
    positive = [lab for lab in dict.fromkeys(labels)
                if re.fullmatch(r"\s*(very\s+)?(satisfied|yes|happy|promoter|positive|good)\s*", lab, re.I)]
    return positive[0] if len(positive) == 1 else None
