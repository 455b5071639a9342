"""The query engine: a survey held anywhere, reduced on its backend to the small tables of the analyses.

:class:`SurveyEngine` opens a :class:`~cycle_analytics.engine.sources.Source` with a layout and
runs two passes over it:

1. the answers counted by distinct (stage, cell) - :mod:`cycle_analytics.engine.answers` decides,
   with the importer's rules, which cell is which score and which stage;
2. one row per respondent with every stage's score - :mod:`cycle_analytics.engine.respondents` -
   materialised on the backend (a temporary table; a cached frame on Spark).

Every table is then one query over the respondent table, filtered on the backend, and only the
counts come back to Python: :meth:`~SurveyEngine.score_counts`, :meth:`~SurveyEngine.score_patterns`
(the respondent pattern table, from which the stage changes, the answer patterns of the
penalty model, relative weights and their bootstrap and the halo diagnostic follow),
:meth:`~SurveyEngine.outcome_counts`, :meth:`~SurveyEngine.respondent_counts`,
:meth:`~SurveyEngine.comments`. The same Ibis expressions run on DuckDB, PostgreSQL and Spark
(tested) and on the other SQL backends of Ibis. The engine is a
:class:`~cycle_analytics.stats.tables.TableSource`: :func:`cycle_analytics.stats.analysis.analyze`
reads it as it reads an imported survey.

Examples
--------
>>> import pandas as pd
>>> from cycle_analytics.engine import LongLayout, ScoreRules, SurveyEngine, open_source
>>> answers = pd.DataFrame({"id": ["a", "a", "b", "b"], "stage": ["Wait", "Pay", "Wait", "Pay"],
...                         "score": ["4", "5", "N/A", "2"], "overall": [5, 5, 3, 3]})
>>> engine = SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["Wait", "Pay"],
...                       outcomes=["overall"]), ScoreRules(na_values=["N/A"]))
>>> engine.stages, engine.scale.label(), engine.inventory.ratings
(('Wait', 'Pay'), '1-5', 3)
>>> engine.score_counts().array()[:, 0].tolist()
[[0, 0, 0, 1, 0], [0, 1, 0, 0, 1]]
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from cycle_analytics.cycles import Cycle
from cycle_analytics.dataset import PROXY_OUTCOME, OutcomeSpec
from cycle_analytics.engine.answers import AnswerInventory, classify_answers, inventory_query
from cycle_analytics.engine.filters import filter_predicates
from cycle_analytics.engine.layout import Layout, LongLayout, ScoreRules, validate_layout_columns
from cycle_analytics.engine.progress import ProgressCallback, enable_duckdb_progress, run_with_progress
from cycle_analytics.engine.respondents import date_expression, respondent_columns, respondent_table
from cycle_analytics.engine.sources import Source
from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.drivers.outcomes import outcome_spec_from_values, outcome_values
from cycle_analytics.stats.filters import NO_FILTERS, Filters
from cycle_analytics.stats.survey_tables import BY_OUTCOME, BY_PERIOD, column_label
from cycle_analytics.stats.tables import (
    OutcomeCounts,
    RespondentCounts,
    ScoreCounts,
    ScorePatterns,
    score_patterns,
    sorted_values,
    stage_dtype,
)
from cycle_analytics.stats.trends import choose_period

__all__ = ["SurveyEngine", "MAX_OUTCOME_VALUES"]

#: Distinct outcome values mapped with a CASE over the values; a numeric outcome with more is mapped arithmetically.
MAX_OUTCOME_VALUES = 10_000
_TRUNCATE = {"W": "W", "M": "M", "Q": "Q"}
_RESERVED = ("stage", "score", "n", BY_OUTCOME, BY_PERIOD)


class SurveyEngine:
    """A survey on a backend, ready to answer count queries.

    Parameters
    ----------
    source : Source
        Where the answers are (:func:`~cycle_analytics.engine.sources.open_source`).
    layout : LongLayout or WideLayout
        Which column is what.
    rules : ScoreRules
        Scale, N/A codes and answer labels.
    filters : Filters, optional
        Filters pushed into the scan of the source (the respondent table then holds only the
        respondents who pass); per-query filters are given to each query instead.
    materialise : bool, default True
        Keep the respondent table on the backend (a temporary table, a cached Spark frame) so that
        each query scans it instead of the source.
    progress : callable, optional
        ``progress(done, message)`` (see :mod:`cycle_analytics.engine.progress`).
    cycle : Cycle, optional
        The service cycle (declared critical moments and targets for the analysis).
    positive : str, optional
        The label that counts as a good outcome in a text outcome column.

    Attributes
    ----------
    inventory : AnswerInventory
        The first pass: every distinct cell with its class and count (the accounting).
    respondents : Ibis table
        The respondent table (see :mod:`cycle_analytics.engine.respondents`).
    """

    def __init__(self, source: Source, layout: Layout, rules: ScoreRules = ScoreRules(), *, filters: Filters | None = None,
                 materialise: bool = True, progress: ProgressCallback | None = None, cycle: Cycle | None = None,
                 positive: str | None = None) -> None:
        _validate_engine_inputs(source, layout, rules, filters)
        self.source, self.layout, self.rules = source, layout, rules
        self.base_filters = filters or NO_FILTERS
        self.progress = progress
        self.cycle, self.positive = cycle, positive
        if progress is not None:
            enable_duckdb_progress(self.backend)
        answers, people = self._scanned_tables()
        counts = self._execute(inventory_query(answers, layout), "Counting the answers")
        self.inventory: AnswerInventory = classify_answers(counts, layout, rules)
        self.columns = respondent_columns(layout, self.inventory.stages)
        relation = respondent_table(answers, layout, self.inventory, people)
        self.relation: ir.Table = relation  # the respondent table's expression over the source (see sql())
        self._materialised = materialise
        self.respondents: ir.Table = self._materialise(relation) if materialise else relation
        self._outcome_values: dict[str, pd.DataFrame] = {}
        self._validate_single_ratings()

    # ---------------------------------------------------------------------------------------
    # set-up
    # ---------------------------------------------------------------------------------------

    @property
    def backend(self):
        return self.source.backend

    @property
    def stages(self) -> tuple[str, ...]:
        return self.inventory.stages

    @property
    def scale(self):
        return self.inventory.scale

    @property
    def segment_columns(self) -> tuple[str, ...]:
        return tuple(self.layout.segments)

    @property
    def outcome_columns(self) -> tuple[str, ...]:
        return tuple(self.layout.outcomes)

    @property
    def has_dates(self) -> bool:
        return self.columns.date is not None

    @property
    def ordered_segments(self) -> tuple[str, ...]:
        """The segment columns whose values are ordered (the layout's ``ordinal_segments``)."""
        return tuple(self.layout.ordinal_segments)

    def _segment_order(self, segment: str, present) -> tuple:
        """The values of ``segment`` in the layout's order, then the values it does not list, sorted
        (values come back as text or numbers, without an order of their own)."""
        given = self.layout.segment_order(segment)
        listed = set(given)
        return tuple(given) + sorted_values([v for v in present if v not in listed])

    def outcome_spec(self, column: str | None, *, positive: str | None = None) -> OutcomeSpec:
        """What the outcome column ``column`` is (``None`` = the proxy), from its distinct values
        (:func:`~cycle_analytics.stats.drivers.outcomes.outcome_spec_from_values`); a numeric
        column type settles that it is numeric."""
        if column is None:
            return PROXY_OUTCOME
        self._outcome_column(OutcomeSpec(column))
        values = self.raw_outcome_values(column)
        kind = self.respondents[self.columns.outcomes[column]].type()
        numeric = True if (kind.is_numeric() or kind.is_boolean()) else None
        return outcome_spec_from_values(column, values["value"].tolist(), values["n"].to_numpy(), numeric=numeric,
                                        positive=positive or self.positive, label=column_label(column))

    def default_outcome(self) -> OutcomeSpec:
        """The first outcome column of the layout, else the proxy."""
        return self.outcome_spec(self.layout.outcomes[0] if self.layout.outcomes else None)

    def _scanned_tables(self) -> tuple[ir.Table, ir.Table | None]:
        """The answers (and respondents) tables with the engine's filters as WHERE clauses on the scan."""
        answers, people = self.source.table, self.source.respondents
        if self.base_filters.is_empty:
            return answers, people
        target = people if people is not None else answers
        layout = self.layout
        date = date_expression(target[layout.date], layout) if layout.date else None
        predicates = filter_predicates(self.base_filters, date, lambda c: target[c] if c in layout.segments else None)
        if people is not None:
            return answers, people.filter(*predicates)
        return answers.filter(*predicates), None

    def _materialise(self, relation: ir.Table) -> ir.Table:
        """Keep ``relation`` on the backend: a temporary table, or a cached frame where Ibis has no
        temporary tables (Spark). Records which, for :meth:`close`."""
        backend = self.backend

        def build():
            if backend.name != "pyspark":
                name = ibis.util.gen_name("survey_respondents")
                try:
                    table = backend.create_table(name, relation, temp=True)
                    self._temporary_table = name
                    return table
                except NotImplementedError:
                    pass
            return relation.cache()

        self._temporary_table: str | None = None
        return run_with_progress(backend, build, self.progress, "Building the respondent table")

    def _validate_single_ratings(self) -> None:
        """No respondent rated a stage twice (the packed scores would be wrong); one sentence otherwise."""
        r = self.respondents
        found = self._execute(r.filter(r.duplicate).aggregate(n=ibis._.count(), example=ibis._.respondent.min()), "Checking the answers")
        n = int(found["n"].iloc[0]) if len(found) else 0
        if n:
            raise SurveyError(
                f"Respondent {found['example'].iloc[0]!r} rated a stage more than once "
                f"({n:,} respondent{'s' if n != 1 else ''} did so); each respondent may rate each stage once."
            )

    def sql(self) -> str:
        """The SQL that builds the respondent table from the source, in the backend's dialect (what runs there)."""
        return str(self.backend.compile(self.relation))

    def close(self) -> None:
        """Drop the materialised respondent table (the backend drops it at disconnection anyway)."""
        if not self._materialised:
            return
        self._materialised = False
        if self._temporary_table is not None:
            self.backend.drop_table(self._temporary_table, force=True)
        else:
            self.respondents.release()

    def __enter__(self) -> SurveyEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _execute(self, expr, message: str) -> pd.DataFrame:
        """Run ``expr`` on the backend (never another one, even for in-memory tables) into pandas."""
        return run_with_progress(self.backend, lambda: self.backend.execute(expr), self.progress, message)

    # ---------------------------------------------------------------------------------------
    # expressions over the respondent table
    # ---------------------------------------------------------------------------------------

    def _filtered(self, filters: Filters | None) -> ir.Table:
        r = self.respondents
        date = r["date"] if self.columns.date else None
        predicates = filter_predicates(filters, date, lambda c: r[self.columns.segments[c]] if c in self.columns.segments else None)
        return r.filter(*predicates) if predicates else r

    def _score(self, r: ir.Table, j: int) -> ir.Value:
        return r[self.columns.scores[j]]

    def _stage_index(self, stage: str) -> int:
        if stage not in self.stages:
            raise SurveyError(f"The stage {stage!r} is not a stage of the survey; the stages are: {', '.join(self.stages)}.")
        return self.stages.index(stage)

    def _outcome_column(self, spec: OutcomeSpec) -> str:
        if not isinstance(spec, OutcomeSpec):
            raise SurveyError(f"The outcome must be an OutcomeSpec, not a {type(spec).__name__}.")
        if spec.column not in self.columns.outcomes:
            shown = ", ".join(self.layout.outcomes) or "none"
            raise SurveyError(f"The outcome column {spec.column!r} is not one of the survey's outcome columns ({shown}).")
        return self.columns.outcomes[spec.column]

    def raw_outcome_values(self, column: str) -> pd.DataFrame:
        """``value, n``: the distinct values of an outcome column over all respondents (cached)."""
        spec_column = self._outcome_column(OutcomeSpec(column))
        if spec_column not in self._outcome_values:
            r = self.respondents
            self._outcome_values[spec_column] = self._execute(r.group_by(value=r[spec_column]).aggregate(n=ibis._.count()), "Reading the outcome")
        return self._outcome_values[spec_column]

    def outcome_expression(self, r: ir.Table, spec: OutcomeSpec) -> ir.Value:
        """The respondent's outcome (float64, NULL = none) as the in-memory path computes it.

        The distinct raw values go through :func:`cycle_analytics.stats.drivers.outcome_values`
        (labels, positive label, values off the scale) and the result is mapped back in SQL with a
        CASE over those values; a numeric column with more than :data:`MAX_OUTCOME_VALUES`
        distinct values is mapped arithmetically by the same rules.
        """
        if spec.is_proxy:
            raise SurveyError("The proxy outcome differs from stage to stage; it has no single value per respondent.")
        column = self._outcome_column(spec)
        raw = r[column]
        distinct = self.raw_outcome_values(spec.column)
        values = outcome_values(pd.DataFrame({spec.column: distinct["value"]}), spec)
        if len(distinct) > MAX_OUTCOME_VALUES and raw.type().is_numeric():
            return _numeric_outcome(raw, spec)
        pairs = [(v, float(y)) for v, y in zip(distinct["value"].tolist(), values) if np.isfinite(y) and not _is_missing(v)]
        if not pairs:
            return ibis.null(dt.float64)
        return raw.cases(*pairs, else_=ibis.null(dt.float64))

    def _stacked(self, r: ir.Table, pairs: bool = False) -> ir.Table:
        """``r`` with one row per respondent and stage (``stage``: its index, ``score``), or, with
        ``pairs``, per consecutive pair of stages (``stage``: the first stage's index, ``score``,
        ``next_score``).

        The rows are repeated by an UNNEST of a range and the stage's column picked with a CASE:
        one scan and one aggregation. A union of one query per stage costs one job per stage on
        Spark (about half a second each) and one scan per stage on a warehouse billed by the bytes
        read; on DuckDB it would be about a third cheaper (0.25 against 0.37 CPU seconds for a
        table by segment of 10M ratings), which one code path for every backend is worth.
        """
        n = len(self.stages) - (1 if pairs else 0)
        stacked = r.mutate(stage=ibis.range(0, n).unnest())
        score = ibis.cases(*[(stacked.stage == j, self._score(stacked, j)) for j in range(n)])
        if not pairs:
            return stacked.mutate(score=score)
        following = ibis.cases(*[(stacked.stage == j, self._score(stacked, j + 1)) for j in range(n)])
        return stacked.mutate(score=score, next_score=following)

    def _rating_outcome(self, stacked: ir.Table, spec: OutcomeSpec) -> ir.Value:
        """The outcome of each stacked rating: the respondent's, or the mean of their other stages (the proxy)."""
        if spec.is_proxy:
            others = stacked.n_rated - 1
            return ibis.ifelse(others > 0, (stacked.score_sum - stacked.score).cast(dt.float64) / others, ibis.null(dt.float64))
        return self.outcome_expression(stacked, spec)

    def _group_expressions(self, stacked: ir.Table, by: tuple[str, ...], spec: OutcomeSpec | None, freq: str | None) -> dict:
        out = {}
        for name in by:
            if name == BY_OUTCOME:
                out[name] = self._rating_outcome(stacked, spec)
            elif name == BY_PERIOD:
                out[name] = stacked["date"].truncate(_TRUNCATE[freq])
            else:
                out[name] = stacked[self.columns.segments[name]]
        return out

    # ---------------------------------------------------------------------------------------
    # the tables
    # ---------------------------------------------------------------------------------------

    def score_counts(self, by=(), *, outcome: OutcomeSpec | None = None, filters: Filters | None = None,
                     freq: str | None = None) -> ScoreCounts:
        """Ratings by stage and score, optionally by ``"outcome"``, ``"period"`` and segment columns.

        Parameters
        ----------
        by : sequence of str
            ``"outcome"`` (needs ``outcome``), ``"period"`` (weeks, months or quarters: ``freq``,
            default chosen from the date span as :func:`cycle_analytics.stats.trends.choose_period`),
            or segment column names.
        outcome : OutcomeSpec, optional
            The outcome (the proxy gives each rating the mean of the respondent's other stages).
        filters : Filters, optional
        freq : {"W", "M", "Q"}, optional

        Returns
        -------
        ScoreCounts
        """
        by = (by,) if isinstance(by, str) else tuple(by)
        self._validate_by(by, outcome)
        r = self._filtered(filters)
        if BY_PERIOD in by:
            freq = self._period_freq(freq, filters)
        stacked = self._stacked(r)
        keys = {"stage": stacked.stage, **self._group_expressions(stacked, by, outcome, freq), "score": stacked.score}
        expr = stacked.filter(stacked.score.notnull()).group_by(**keys).aggregate(n=ibis._.count())
        frame = self._execute(expr, "Counting the ratings")
        frame = self._tidy_counts(frame, by)
        if BY_PERIOD in by:
            frame.attrs["freq"] = freq
        order = {name: self._segment_order(name, frame[name]) for name in by if self.layout.segment_order(name)}
        return ScoreCounts(self.stages, self.scale, by, frame, order)

    def _validate_by(self, by: tuple[str, ...], outcome: OutcomeSpec | None) -> None:
        for name in by:
            if name == BY_OUTCOME:
                if outcome is None:
                    raise SurveyError("Counting by outcome needs the outcome (an OutcomeSpec).")
                if not outcome.is_proxy:
                    self._outcome_column(outcome)
            elif name == BY_PERIOD:
                if not self.columns.date:
                    raise SurveyError("The survey has no date column, so there are no periods.")
            elif name not in self.columns.segments:
                raise SurveyError(f"There is no segment column {name!r}; the segments are: {', '.join(self.layout.segments) or 'none'}.")
            elif name in _RESERVED:
                raise SurveyError(f"A segment column named {name!r} cannot be counted by (the name is taken).")
        if len(set(by)) != len(by):
            raise SurveyError("A column to count by is named twice.")

    def _period_freq(self, freq: str | None, filters: Filters | None) -> str:
        """``freq`` checked, or the period :func:`~cycle_analytics.stats.trends.choose_period` picks for the filtered dates."""
        if freq is not None:
            f = str(freq).strip().upper()[:1]
            if f not in _TRUNCATE:
                raise SurveyError(f"The trend period must be W (week), M (month) or Q (quarter), not {freq!r}.")
            return f
        counts = self.respondent_counts(filters=filters)
        if counts.first_date is None:
            return "M"
        return choose_period(pd.to_datetime([counts.first_date, counts.last_date]))

    def _tidy_counts(self, frame: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
        out = pd.DataFrame({"stage": pd.Categorical.from_codes(frame["stage"].to_numpy().astype(np.int64), dtype=stage_dtype(self.stages))})
        for name in by:
            values = frame[name]
            if name == BY_PERIOD:
                values = pd.to_datetime(values)
                if getattr(values.dtype, "tz", None) is not None:
                    values = values.dt.tz_convert(None)
                values = values.astype("datetime64[ns]")
            elif name == BY_OUTCOME:
                values = values.astype(np.float64)
            out[name] = values.to_numpy()
        out["score"] = frame["score"].to_numpy().astype(np.int64)
        out["n"] = frame["n"].to_numpy().astype(np.int64)
        return out.sort_values(["stage", *by, "score"], kind="stable", na_position="last").reset_index(drop=True)

    def score_patterns(self, outcome: OutcomeSpec | None = None, *, filters: Filters | None = None) -> ScorePatterns:
        """The respondent pattern table: distinct full score vectors (and the respondent's outcome;
        none for ``None`` or the proxy) with the number of respondents holding each."""
        r = self._filtered(filters)
        keys = {f"s{j}": self._score(r, j) for j in range(len(self.stages))}
        has_y = outcome is not None and not outcome.is_proxy
        keys["y"] = self.outcome_expression(r, outcome) if has_y else ibis.null(dt.float64)
        frame = self._execute(r.group_by(**keys).aggregate(n=ibis._.count()), "Counting the answer patterns")
        cols = [f"s{j}" for j in range(len(self.stages))]
        return score_patterns(
            self.stages, self.scale, frame[cols].to_numpy(dtype=np.float64, na_value=np.nan).reshape(len(frame), len(cols)),
            frame["y"].to_numpy(dtype=np.float64, na_value=np.nan), frame["n"].to_numpy().astype(np.int64),
        )

    def respondent_counts(self, *, filters: Filters | None = None) -> RespondentCounts:
        """Respondents, ratings, respondents with a rating and with a date, and the date span."""
        r = self._filtered(filters)
        aggs = {"respondents": r.count(), "ratings": r.n_rated.sum(), "rated": (r.n_rated > 0).ifelse(1, 0).sum()}
        if self.columns.date:
            aggs.update(dated=r["date"].count(), first=r["date"].min(), last=r["date"].max())
        row = self._execute(r.aggregate(**aggs), "Counting the respondents").iloc[0]
        first = pd.Timestamp(row["first"]) if self.columns.date and not _is_missing(row["first"]) else None
        last = pd.Timestamp(row["last"]) if self.columns.date and not _is_missing(row["last"]) else None
        return RespondentCounts(
            respondents=int(row["respondents"]),
            ratings=int(0 if _is_missing(row["ratings"]) else row["ratings"]),
            rated_respondents=int(0 if _is_missing(row["rated"]) else row["rated"]),
            dated_respondents=int(row["dated"]) if self.columns.date else 0,
            first_date=first,
            last_date=last,
        )

    def outcome_counts(self, outcome: OutcomeSpec, *, filters: Filters | None = None) -> OutcomeCounts:
        """The outcome's distribution over the (filtered) respondents."""
        r = self._filtered(filters)
        y = self.outcome_expression(r, outcome)
        frame = self._execute(r.group_by(y=y).aggregate(n=ibis._.count()), "Counting the outcome")
        has = frame["y"].notna().to_numpy()
        order = np.argsort(frame["y"].to_numpy(dtype=np.float64, na_value=np.nan)[has], kind="stable")
        return OutcomeCounts(
            column=str(outcome.column),
            values=frame["y"].to_numpy(dtype=np.float64, na_value=np.nan)[has][order],
            counts=frame["n"].to_numpy().astype(np.int64)[has][order],
            missing=int(frame["n"].to_numpy()[~has].sum()),
        )

    def segment_values(self, segment: str) -> tuple:
        """The distinct values of a segment column over all respondents, sorted (for a filter's choices)."""
        if segment not in self.columns.segments:
            raise SurveyError(f"There is no segment column {segment!r}; the segments are: {', '.join(self.layout.segments) or 'none'}.")
        r = self.respondents
        column = r[self.columns.segments[segment]]
        frame = self._execute(r.filter(column.notnull()).select(value=column).distinct(), "Reading the segment values")
        return self._segment_order(segment, frame["value"].tolist())

    def comments(self, stage: str, *, limit: int = 50, bottom_box_only: bool = True, filters: Filters | None = None) -> pd.DataFrame:
        """Up to ``limit`` comments of respondents who rated ``stage`` (in its bottom box by default).

        Returns ``respondent, score, comment``, worst score first, then by respondent id (a
        deterministic sample on every backend); empty without a comment column.
        """
        j = self._stage_index(stage)
        if not isinstance(limit, (int, np.integer)) or limit < 1:
            raise SurveyError(f"The number of comments must be a whole number of at least 1, not {limit!r}.")
        empty = pd.DataFrame({"respondent": pd.Series([], dtype="object"), "score": pd.Series([], dtype="int64"),
                              "comment": pd.Series([], dtype="str")})
        if not self.columns.comment:
            return empty
        r = self._filtered(filters)
        s, text = self._score(r, j), r["comment"]
        keep = s.notnull() & text.notnull() & (text.strip().length() > 0)
        if bottom_box_only:
            keep = keep & s.isin(list(self.scale.bottom_box))
        expr = r.filter(keep).select(respondent=r.respondent, score=s, comment=text).order_by(["score", "respondent"]).limit(int(limit))
        frame = self._execute(expr, "Reading comments")
        if not len(frame):
            return empty
        frame["score"] = frame["score"].astype(np.int64)
        return frame.reset_index(drop=True)


def _is_missing(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _numeric_outcome(raw: ir.Value, spec: OutcomeSpec) -> ir.Value:
    """A numeric outcome by the rules of :func:`~cycle_analytics.stats.drivers.outcome_values`, in SQL."""
    value = raw.cast(dt.float64)
    present = value.notnull() & ~value.isnan() if raw.type().is_floating() else value.notnull()
    if spec.kind == "rating":
        ok = present
        if spec.scale is not None:
            ok = ok & (value >= spec.scale.minimum) & (value <= spec.scale.maximum) & (value.floor() == value)
        return ibis.ifelse(ok, value, ibis.null(dt.float64))
    if spec.positive is not None and str(spec.positive).strip():
        positive = float(str(spec.positive).strip())
        return ibis.ifelse(present, ibis.ifelse(value == positive, 1.0, 0.0), ibis.null(dt.float64))
    return ibis.ifelse(present, value, ibis.null(dt.float64))


def _validate_engine_inputs(source, layout, rules, filters) -> None:
    """The source, layout, rules and filters must be of their types, and the layout's columns present."""
    if not isinstance(source, Source):
        raise SurveyError(f"The engine needs a Source (see open_source), not a {type(source).__name__}.")
    if not isinstance(rules, ScoreRules):
        raise SurveyError(f"The score rules must be a ScoreRules, not a {type(rules).__name__}.")
    if filters is not None and not isinstance(filters, Filters):
        raise SurveyError(f"The filters must be a Filters, not a {type(filters).__name__}.")
    if source.respondents is not None and not isinstance(layout, LongLayout):
        raise SurveyError("A separate respondents table goes with the long layout only.")
    people = None if source.respondents is None else tuple(source.respondents.columns)
    validate_layout_columns(layout, tuple(source.table.columns), people)
    if people is not None and layout.respondent not in people:
        raise SurveyError(f"The respondents table has no id column {layout.respondent!r} to join the answers on.")
