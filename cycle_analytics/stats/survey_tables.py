"""The count tables of an imported survey, built with numpy: the in-memory table source.

:class:`SurveyTables` answers the questions of :class:`cycle_analytics.stats.tables.TableSource`
for a :class:`~cycle_analytics.dataset.Survey` held in memory, as the query engine
(:class:`cycle_analytics.engine.SurveyEngine`) answers them with SQL for a survey held in a
database, in Parquet files or on Spark. :func:`cycle_analytics.stats.analysis.analyze` reads either
one, so every figure is computed by one code path from the same tables.

It also holds what an outcome column is for an imported survey (:func:`outcome_spec`,
:func:`default_outcome`).

Example
-------
>>> from cycle_analytics.ingest.importer import import_survey
>>> s = import_survey(b"id,wait,pay,overall\\nA,4,5,5\\nB,2,3,2\\nC,5,5,4\\n", file_name="x.csv")
>>> t = SurveyTables(s)
>>> t.score_patterns(t.default_outcome()).counts.tolist(), t.respondent_counts().ratings
([1, 1, 1], 6)
>>> t.score_counts().array()[:, 0].tolist()
[[0, 1, 0, 1, 1], [0, 0, 1, 0, 2]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cycle_analytics.dataset import PROXY_OUTCOME, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.stats.drivers.outcomes import (
    outcome_spec_from_values,
    outcome_values,
    patterns_from_codes,
    rating_outcomes,
)
from cycle_analytics.stats.filters import NO_FILTERS, Filters
from cycle_analytics.stats.kernel import count_table, group_codes, score_matrix
from cycle_analytics.stats.tables import (
    OutcomeCounts,
    RespondentCounts,
    ScoreCounts,
    ScorePatterns,
    sorted_values,
    stage_dtype,
)
from cycle_analytics.stats.trends import FREQS, choose_period, period_codes
from cycle_analytics.stats.weights import WeightUse, kish_effective_n, respondent_weights

__all__ = ["SurveyTables", "outcome_spec", "default_outcome", "column_label", "BY_OUTCOME", "BY_PERIOD"]

BY_OUTCOME = "outcome"
BY_PERIOD = "period"


def column_label(column: str) -> str:
    """The label of an outcome column: its name with spaces for underscores.

    >>> column_label("overall_satisfaction")
    'overall satisfaction'
    """
    return str(column).replace("_", " ").strip()


def outcome_spec(survey: Survey, column: str | None, *, positive: str | None = None) -> OutcomeSpec:
    """Describe the outcome column ``column`` of ``survey`` (``None`` = the proxy).

    A numeric column is a rating outcome on the scale inferred from its values (a 0-1 column is
    binary); a text column is binary with ``positive`` (or the survey's chosen positive label) as 1
    (:func:`cycle_analytics.stats.drivers.outcomes.outcome_spec_from_values`).
    """
    if column is None:
        return PROXY_OUTCOME
    responses = survey.responses
    if column not in responses.columns:
        raise SurveyError((_("The outcome column {column!r} is not in the survey; the candidates are: {columns}.")
                           if survey.info.outcome_candidates else
                           _("The outcome column {column!r} is not in the survey, which has no outcome column.")).format(
            column=column, columns=", ".join(survey.info.outcome_candidates)))
    values = responses[column]
    numeric = pd.api.types.is_numeric_dtype(values)
    counts = values.value_counts(dropna=True, sort=False)
    return outcome_spec_from_values(column, counts.index.tolist(), counts.to_numpy(), numeric=numeric,
                                    positive=positive or survey.info.source.get("positive"), label=column_label(column))


def default_outcome(survey: Survey) -> OutcomeSpec:
    """The survey's default outcome (``info.outcome``) as an :class:`OutcomeSpec`, else the proxy."""
    return outcome_spec(survey, survey.info.outcome)


class SurveyTables:
    """The tables of :mod:`cycle_analytics.stats.tables` for an imported survey, with numpy.

    Parameters
    ----------
    survey : Survey
    filters : Filters, optional
        Filters applied to every table (per-call filters narrow them further).
    """

    def __init__(self, survey: Survey, filters: Filters | None = None) -> None:
        if not isinstance(survey, Survey):
            raise SurveyError(_("SurveyTables needs an imported Survey, not a {type}.").format(type=type(survey).__name__))
        if filters is not None and not isinstance(filters, Filters):
            raise SurveyError(_("The filters must be a Filters, not a {type}.").format(type=type(filters).__name__))
        self.survey = survey
        self.base = (filters or NO_FILTERS).apply(survey)
        self._filtered: dict[Filters, Survey] = {}

    # ------------------------------------------------------------------ what the survey is

    @property
    def stages(self) -> tuple[str, ...]:
        return self.survey.stages

    @property
    def scale(self):
        return self.survey.scale

    @property
    def cycle(self):
        return self.survey.cycle

    @property
    def segment_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.survey.info.segments if c in self.survey.responses.columns)

    @property
    def ordered_segments(self) -> tuple[str, ...]:
        """The segment columns whose values have an order of their own (ordered categoricals)."""
        resp = self.survey.responses
        return tuple(c for c in self.segment_columns
                     if isinstance(resp[c].dtype, pd.CategoricalDtype) and bool(resp[c].dtype.ordered))

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.survey.info.outcome_candidates if c in self.survey.responses.columns)

    @property
    def has_dates(self) -> bool:
        return "date" in self.survey.responses.columns

    @property
    def weight_column(self) -> str | None:
        """The survey-weight column the tables apply (``info.weight_column``; ``None``: unweighted)."""
        column = self.survey.info.weight_column
        return column if column is not None and column in self.survey.responses.columns else None

    def weight_use(self, *, filters: Filters | None = None) -> WeightUse:
        """Which weight the tables apply, over the (filtered) respondents, with Kish's effective n."""
        if self.weight_column is None:
            return WeightUse(None)
        s = self._survey(filters)
        w, unusable = respondent_weights(s.responses[self.weight_column])
        return WeightUse(self.weight_column, len(w), unusable, kish_effective_n(w))

    def outcome_spec(self, column: str | None, *, positive: str | None = None) -> OutcomeSpec:
        """:func:`outcome_spec` of the survey."""
        return outcome_spec(self.survey, column, positive=positive)

    def default_outcome(self) -> OutcomeSpec:
        """:func:`default_outcome` of the survey."""
        return default_outcome(self.survey)

    def _survey(self, filters: Filters | None) -> Survey:
        """The survey under the base filters and ``filters`` (the last few are kept)."""
        if filters is None or filters.is_empty:
            return self.base
        if filters not in self._filtered:
            if len(self._filtered) >= 4:
                self._filtered.pop(next(iter(self._filtered)))
            self._filtered[filters] = filters.apply(self.base)
        return self._filtered[filters]

    # ------------------------------------------------------------------ the tables

    def score_patterns(self, outcome: OutcomeSpec | None = None, *, filters: Filters | None = None) -> ScorePatterns:
        """The respondent pattern table (the respondents' outcome unless ``outcome`` is ``None`` or the proxy)."""
        s = self._survey(filters)
        y = None if outcome is None or outcome.is_proxy else outcome_values(s.responses, outcome)
        w = None if self.weight_column is None else respondent_weights(s.responses[self.weight_column])[0]
        return patterns_from_codes(self.stages, self.scale, score_matrix(s.ratings, self.scale), y, w)

    def score_counts(self, by=(), *, outcome: OutcomeSpec | None = None, filters: Filters | None = None,
                     freq: str | None = None) -> ScoreCounts:
        """Ratings by stage and score, optionally by ``"outcome"`` (the rating's outcome: the
        respondent's, or for the proxy the mean of their other stages), ``"period"`` (``freq``,
        default :func:`~cycle_analytics.stats.trends.choose_period` of the dates) or one segment column."""
        by = (by,) if isinstance(by, str) else tuple(by)
        if len(by) > 1:
            raise SurveyError(_("The in-memory tables count by one column at a time."))
        s = self._survey(filters)
        if not by:
            return _counts_frame(self.stages, self.scale, (), count_table(s.ratings, self.scale), ())
        name = by[0]
        if name == BY_OUTCOME:
            if outcome is None:
                raise SurveyError(_("Counting by outcome needs the outcome (an OutcomeSpec)."))
            y = rating_outcomes(s.ratings, s.responses, outcome)
            has = np.isfinite(y)
            values = np.unique(y[has])
            codes = np.full(len(y), -1, dtype=np.int64)
            codes[has] = np.searchsorted(values, y[has])
            arr = count_table(s.ratings, self.scale, codes, len(values), per_rating=True)
            return _counts_frame(self.stages, self.scale, by, arr, tuple(values.tolist()),
                                 sums=self._weight_sums(s, codes, len(values), per_rating=True))
        if name == BY_PERIOD:
            return self._period_counts(s, freq)
        if name not in self.segment_columns:
            raise SurveyError(self._no_segment_message(name))
        codes, labels = group_codes(s.responses[name])
        arr = count_table(s.ratings, self.scale, codes, len(labels))
        return _counts_frame(self.stages, self.scale, by, arr, tuple(labels), order={name: tuple(labels)},
                             sums=self._weight_sums(s, codes, len(labels)))

    def _no_segment_message(self, name: object) -> str:
        """The sentence for a segment column the survey does not have (naming those it has)."""
        if self.segment_columns:
            return _("There is no segment column {name!r}; the segments are: {columns}.").format(
                name=name, columns=", ".join(self.segment_columns))
        return _("There is no segment column {name!r}; the survey has no segment column.").format(name=name)

    def _weight_sums(self, s: Survey, codes: np.ndarray, n_groups: int, *,
                     per_rating: bool = False) -> tuple[np.ndarray, np.ndarray] | None:
        """The sums of the respondents' weights and of their squares per count cell (None unweighted)."""
        if self.weight_column is None:
            return None
        w = respondent_weights(s.responses[self.weight_column])[0]
        return tuple(count_table(s.ratings, self.scale, codes, n_groups, per_rating=per_rating, weights=v) for v in (w, w * w))

    def _period_counts(self, s: Survey, freq: str | None) -> ScoreCounts:
        """Ratings by stage, period start (NaT without a date) and score."""
        if not self.has_dates:
            raise SurveyError(_("The survey has no date column, so there are no periods."))
        dates = pd.to_datetime(s.responses["date"])
        if freq is not None:
            freq = str(freq).strip().upper()[:1]
            if freq not in FREQS:
                raise SurveyError(_("The trend period must be W (week), M (month) or Q (quarter), not {freq!r}.").format(
                    freq=freq))
        freq = freq or choose_period(dates)
        if not dates.notna().any():
            codes = np.full(len(dates), -1, dtype=np.int64)
            arr = count_table(s.ratings, self.scale, codes, 0)
            out = _counts_frame(self.stages, self.scale, (BY_PERIOD,), arr, (), sums=self._weight_sums(s, codes, 0))
        else:
            codes, starts, _labels = period_codes(dates, freq)
            arr = count_table(s.ratings, self.scale, codes, len(starts))
            out = _counts_frame(self.stages, self.scale, (BY_PERIOD,), arr, tuple(starts),
                                sums=self._weight_sums(s, codes, len(starts)))
        out.frame.attrs["freq"] = freq
        return out

    def respondent_counts(self, *, filters: Filters | None = None) -> RespondentCounts:
        """Respondents, ratings, respondents with a rating and with a date, and the date span (days)."""
        s = self._survey(filters)
        rated = np.bincount(s.ratings["response_id"].cat.codes.to_numpy(), minlength=len(s.responses)) > 0
        first = last = None
        dated = 0
        if self.has_dates:
            dates = pd.to_datetime(s.responses["date"])
            if getattr(dates.dtype, "tz", None) is not None:
                dates = dates.dt.tz_convert(None)
            dated = int(dates.notna().sum())
            if dated:
                first, last = dates.min().normalize(), dates.max().normalize()
        return RespondentCounts(len(s.responses), len(s.ratings), int(rated.sum()), dated, first, last)

    def outcome_counts(self, outcome: OutcomeSpec, *, filters: Filters | None = None) -> OutcomeCounts:
        """The outcome's distribution over the (filtered) respondents."""
        s = self._survey(filters)
        y = outcome_values(s.responses, outcome)
        has = np.isfinite(y)
        values, inverse, n = np.unique(y[has], return_inverse=True, return_counts=True)
        sums = None
        if self.weight_column is not None:  # the sum of the respondents' weights per value
            w = respondent_weights(s.responses[self.weight_column])[0][has]
            sums = np.bincount(inverse.ravel(), weights=w, minlength=len(values))
        return OutcomeCounts(str(outcome.column), values, n.astype(np.int64), int((~has).sum()), sums)

    def raw_outcome_values(self, column: str) -> pd.DataFrame:
        """``value, n``: the distinct values of an outcome column over all respondents."""
        if column not in self.outcome_columns:
            raise SurveyError(_("The outcome column {column!r} is not one of the survey's outcome columns.").format(
                column=column))
        counts = self.base.responses[column].value_counts(dropna=False, sort=False)
        return pd.DataFrame({"value": counts.index.tolist(), "n": counts.to_numpy().astype(np.int64)})

    def segment_values(self, segment: str) -> tuple:
        """The values of a segment column (category order, else sorted), for a filter's choices."""
        if segment not in self.segment_columns:
            raise SurveyError(self._no_segment_message(segment))
        values = self.survey.responses[segment]
        if isinstance(values.dtype, pd.CategoricalDtype):
            return tuple(values.cat.categories)
        return sorted_values(values)

    def comments(self, stage: str, *, limit: int = 50, bottom_box_only: bool = True, filters: Filters | None = None,
                 column: str = "comment") -> pd.DataFrame:
        """Up to ``limit`` comments of respondents who rated ``stage`` (in its bottom box by
        default): ``respondent, score, comment``, worst score first, then by respondent id."""
        if stage not in self.stages:
            raise SurveyError(_("The stage {stage!r} is not a stage of the survey; the stages are: {stages}.").format(
                stage=stage, stages=", ".join(self.stages)))
        if not isinstance(limit, (int, np.integer)) or limit < 1:
            raise SurveyError(_("The number of comments must be a whole number of at least 1, not {limit!r}.").format(
                limit=limit))
        empty = pd.DataFrame({"respondent": pd.Series([], dtype="str"), "score": pd.Series([], dtype="int64"),
                              "comment": pd.Series([], dtype="str")})
        s = self._survey(filters)
        if column not in s.responses.columns:
            return empty
        r = s.ratings
        keep = r["stage"].cat.codes.to_numpy() == self.stages.index(stage)
        if bottom_box_only:
            keep &= np.isin(r["score"].to_numpy(), np.asarray(self.scale.bottom_box, dtype=float))
        rows = r["response_id"].cat.codes.to_numpy()[keep]
        text = pd.Series(s.responses[column].to_numpy()[rows], dtype="str")
        has = (text.notna() & (text.str.strip().str.len() > 0)).to_numpy()
        out = pd.DataFrame({"respondent": s.responses["response_id"].astype("str").to_numpy()[rows[has]],
                            "score": r["score"].to_numpy()[keep][has].astype(np.int64), "comment": text.to_numpy()[has]})
        return out.sort_values(["score", "respondent"], kind="stable").head(int(limit)).reset_index(drop=True)


def _counts_frame(stages, scale, by: tuple[str, ...], arr: np.ndarray, labels: tuple, order: dict | None = None,
                  sums: tuple[np.ndarray, np.ndarray] | None = None) -> ScoreCounts:
    """A :class:`ScoreCounts` from a count array ``(stages, groups + 1, points)`` (the last group:
    no value) or ``(stages, 1, points)`` without ``by``; only cells with ratings become rows.
    ``sums``: the arrays of the sums of the weights and of their squares (a weighted table)."""
    s_idx, g_idx, a_idx = np.nonzero(arr)
    frame = pd.DataFrame({"stage": pd.Categorical.from_codes(s_idx, dtype=stage_dtype(stages))})
    if by:
        values = np.empty(len(labels) + 1, dtype=object)
        values[: len(labels)] = list(labels)
        values[len(labels)] = None
        column = pd.Series(values[g_idx], dtype=object)
        if by[0] == BY_PERIOD:
            column = pd.to_datetime(column).astype("datetime64[ns]")
        elif by[0] == BY_OUTCOME:
            column = column.astype(np.float64)
        frame[by[0]] = column.to_numpy()
    frame["score"] = (a_idx + scale.minimum).astype(np.int64)
    frame["n"] = arr[s_idx, g_idx, a_idx].astype(np.int64)
    if sums is not None:
        frame["weight"], frame["weight_sq"] = (a[s_idx, g_idx, a_idx] for a in sums)
    return ScoreCounts(tuple(stages), scale, by, frame, order or {})
