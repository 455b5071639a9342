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
:meth:`~SurveyEngine.comments`, :meth:`~SurveyEngine.weight_use`. The counts by every segment
column and by period are one query per filter (:meth:`~SurveyEngine.count_groups`: a ``GROUP BY``
every combination of segment values and periods, or ``GROUPING SETS`` when they are many), kept
with the respondent counts for the next calls. With a survey-weight column (the layout's
``weight``) every table is weighted as the in-memory tables are. The same Ibis expressions run on DuckDB, PostgreSQL and Spark
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

import functools

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
from cycle_analytics.engine.respondents import (
    PackedAnswers,
    comment_text,
    date_expression,
    respondent_columns,
    respondent_table,
    respondents_from_packed,
    stages_per_key,
)
from cycle_analytics.engine.sources import Source
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _
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
from cycle_analytics.stats.weights import WeightUse, kish_from_sums

__all__ = ["SurveyEngine", "MAX_OUTCOME_VALUES", "COUNT_CACHE_SIZE", "MAX_COMBINATION_AGGREGATES", "MAX_COMBINATIONS"]

#: Distinct outcome values mapped with a CASE over the values; a numeric outcome with more is mapped arithmetically.
MAX_OUTCOME_VALUES = 10_000
#: Filter combinations whose count tables by segment and period (and respondent counts) an engine
#: keeps, besides those of the whole survey, which it keeps for its life (each a few thousand rows).
COUNT_CACHE_SIZE = 8
#: The counts by segment and period come from one ``GROUP BY`` every combination of the segment
#: values and periods (see ``SurveyEngine._counts_by_every_group``) when its conditional counts,
#: one per stage and scale point, cost at most this many (a count 1; with a survey weight, the sums
#: of the weights and of their squares 2 each: 5 per stage and point) ...
MAX_COMBINATION_AGGREGATES = 200
#: ... and its combinations are at most this many (bounded by the combinations of segment values
#: times the periods); otherwise from one ``GROUPING SETS`` query over the stacked ratings.
MAX_COMBINATIONS = 50_000
_PERIOD_DAYS = {"W": 7, "M": 28, "Q": 90}  # the shortest week, month and quarter
_TRUNCATE = {"W": "W", "M": "M", "Q": "Q"}
_RESERVED = ("stage", "score", "n", BY_OUTCOME, BY_PERIOD)
_RESERVED_WEIGHTED = ("weight", "weight_sq")  # the sums of the weights in a weighted count table


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
    answer_counts : DataFrame, optional
        The first pass's counts (``stage_value, score_value, no_respondent, n``, as
        :func:`~cycle_analytics.engine.answers.inventory_query` counts them) when the caller has them
        already; used only without ``filters``.
    packed : PackedAnswers, optional
        A respondent table the caller built while reading every row (long layout, no separate
        respondents table, no ``filters``): used instead of grouping the source again when it read
        the answers as the engine does (:attr:`reads_packed` says whether; the engine then drops
        its temporary table on :meth:`close`).

    Attributes
    ----------
    inventory : AnswerInventory
        The first pass: every distinct cell with its class and count (the accounting).
    respondents : Ibis table
        The respondent table (see :mod:`cycle_analytics.engine.respondents`).
    """

    def __init__(self, source: Source, layout: Layout, rules: ScoreRules = ScoreRules(), *, filters: Filters | None = None,
                 materialise: bool = True, progress: ProgressCallback | None = None, cycle: Cycle | None = None,
                 positive: str | None = None, answer_counts: pd.DataFrame | None = None,
                 packed: PackedAnswers | None = None) -> None:
        _validate_engine_inputs(source, layout, rules, filters)
        self.source, self.layout, self.rules = source, layout, rules
        self.base_filters = filters or NO_FILTERS
        self.progress = progress
        self.cycle, self.positive = cycle, positive
        if progress is not None:
            enable_duckdb_progress(self.backend)
        answers, people = self._scanned_tables()
        # answer_counts: the first pass's result when the caller already counted the (unfiltered)
        # source (cycle_analytics.engine.csv_source counts a large CSV once for the row accounting)
        counts = answer_counts if answer_counts is not None and self.base_filters.is_empty else self._execute(
            inventory_query(answers, layout), _("Counting the answers"))
        self.inventory: AnswerInventory = classify_answers(counts, layout, rules)
        self.columns = respondent_columns(layout, self.inventory.stages)
        relation = None
        if packed is not None and self.base_filters.is_empty and people is None and isinstance(layout, LongLayout):
            relation = respondents_from_packed(packed, layout, self.inventory)
        #: whether the respondent table is the caller's ``packed`` one (then the engine owns and
        #: drops its temporary table) rather than a grouping of the source
        self.reads_packed = relation is not None
        if relation is None:
            relation = respondent_table(answers, layout, self.inventory, people)
        self.relation: ir.Table = relation  # the respondent table's expression over the source (see sql())
        if self.reads_packed:
            # already a table on the backend: the columns renamed to this engine's stage order
            self._materialised, self._temporary_table = packed.temporary_table is not None, packed.temporary_table
            self.respondents: ir.Table = relation
        else:
            self._materialised = materialise
            self.respondents = self._materialise(relation) if materialise else relation
        self._outcome_values: dict[str, pd.DataFrame] = {}
        self._group_counts: dict[tuple, dict[str, ScoreCounts]] = {}  # see _one_group_counts
        self._respondent_counts: dict[Filters, RespondentCounts] = {}  # see respondent_counts
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
    def weight_column(self) -> str | None:
        """The survey-weight column every table applies (the layout's ``weight``; ``None``: unweighted)."""
        return self.layout.weight or None

    def weight_use(self, *, filters: Filters | None = None) -> WeightUse:
        """Which weight the tables apply, over the (filtered) respondents: how many respondents,
        how many have no usable weight (counted with weight 0) and Kish's effective n
        ``(sum w)**2 / sum w**2``, as :meth:`cycle_analytics.stats.survey_tables.SurveyTables.weight_use`."""
        if self.weight_column is None:
            return WeightUse(None)
        r = self._filtered(filters)
        w = r["weight"]
        row = self._execute(r.aggregate(respondents=r.count(), unusable=r["weight_unusable"].sum(), sums=w.sum(),
                                        squares=(w * w).sum()), _("Summing the weights")).iloc[0]
        sums = 0.0 if _is_missing(row["sums"]) else float(row["sums"])
        squares = 0.0 if _is_missing(row["squares"]) else float(row["squares"])
        return WeightUse(self.weight_column, int(row["respondents"]), int(0 if _is_missing(row["unusable"]) else row["unusable"]),
                         float(kish_from_sums(sums, squares)))

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
        return run_with_progress(backend, build, self.progress, _("Building the respondent table"))

    def _validate_single_ratings(self) -> None:
        """No respondent rated a stage twice (the packed scores would be wrong); one sentence otherwise."""
        r = self.respondents
        found = self._execute(r.filter(r.duplicate).aggregate(n=ibis._.count(), example=ibis._.respondent.min()), _("Checking the answers"))
        n = int(found["n"].iloc[0]) if len(found) else 0
        if n:
            raise SurveyError(ngettext(
                "Respondent {respondent!r} rated a stage more than once ({count} respondent did so); each respondent "
                "may rate each stage once.",
                "Respondent {respondent!r} rated a stage more than once ({count} respondents did so); each respondent "
                "may rate each stage once.", n).format(respondent=found["example"].iloc[0], count=format_number(n)))

    def clear_cache(self, *, unfiltered: bool = True) -> None:
        """Forget the count tables and respondent counts kept per filter: the next query asks the
        backend again (for a table that changed, or to time a query). ``unfiltered=False`` keeps
        those of the whole survey."""
        for cache in (self._group_counts, self._respondent_counts):
            for key in [k for k in cache if unfiltered or _key_filters(k) != NO_FILTERS]:
                del cache[key]
        if unfiltered:
            self.__dict__.pop("_segment_combinations", None)  # the functools.cached_property's value

    def count_groups(self, *, filters: Filters | None = None) -> dict[str, ScoreCounts]:
        """The counts by every segment column and by the period (the default period of the dates,
        as :meth:`score_counts`), in one query, kept for the next :meth:`score_counts` calls (the
        app counts the whole survey when it opens a source, so that every page starts from them).

        Returns
        -------
        dict
            Segment column name or ``"period"`` -> :class:`ScoreCounts`.
        """
        names = [*self.segment_columns, *((BY_PERIOD,) if self.has_dates else ())]
        return {name: self._one_group_counts(name, filters, None) for name in names}

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

    def _no_segment_message(self, name: object) -> str:
        """The sentence for a segment column the layout does not have (naming those it has)."""
        if self.layout.segments:
            return _("There is no segment column {name!r}; the segments are: {columns}.").format(
                name=name, columns=", ".join(self.layout.segments))
        return _("There is no segment column {name!r}; the survey has no segment column.").format(name=name)

    def _stage_index(self, stage: str) -> int:
        if stage not in self.stages:
            raise SurveyError(_("The stage {stage!r} is not a stage of the survey; the stages are: {stages}.").format(
                stage=stage, stages=", ".join(self.stages)))
        return self.stages.index(stage)

    def _outcome_column(self, spec: OutcomeSpec) -> str:
        if not isinstance(spec, OutcomeSpec):
            raise SurveyError(_("The outcome must be an OutcomeSpec, not a {type}.").format(type=type(spec).__name__))
        if spec.column not in self.columns.outcomes:
            if not self.layout.outcomes:
                raise SurveyError(_("The outcome column {column!r} is not in the survey, which has no outcome column.").format(
                    column=spec.column))
            raise SurveyError(_("The outcome column {column!r} is not one of the survey's outcome columns ({columns}).").format(
                column=spec.column, columns=", ".join(self.layout.outcomes)))
        return self.columns.outcomes[spec.column]

    def raw_outcome_values(self, column: str) -> pd.DataFrame:
        """``value, n``: the distinct values of an outcome column over all respondents (cached)."""
        spec_column = self._outcome_column(OutcomeSpec(column))
        if spec_column not in self._outcome_values:
            r = self.respondents
            self._outcome_values[spec_column] = self._execute(r.group_by(value=r[spec_column]).aggregate(n=ibis._.count()), _("Reading the outcome"))
        return self._outcome_values[spec_column]

    def outcome_expression(self, r: ir.Table, spec: OutcomeSpec) -> ir.Value:
        """The respondent's outcome (float64, NULL = none) as the in-memory path computes it.

        The distinct raw values go through :func:`cycle_analytics.stats.drivers.outcome_values`
        (labels, positive label, values off the scale) and the result is mapped back in SQL with a
        CASE over those values; a numeric column with more than :data:`MAX_OUTCOME_VALUES`
        distinct values is mapped arithmetically by the same rules.
        """
        if spec.is_proxy:
            raise SurveyError(_("The proxy outcome differs from stage to stage; it has no single value per respondent."))
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
        if len(by) == 1 and by[0] != BY_OUTCOME:
            return self._one_group_counts(by[0], filters, freq)
        if BY_PERIOD in by:
            freq = self._period_freq(freq, filters)
        return self._counts_query(by, outcome, filters, freq)

    def _counts_query(self, by: tuple[str, ...], outcome: OutcomeSpec | None, filters: Filters | None,
                      freq: str | None) -> ScoreCounts:
        """The counts by ``by`` in one ``GROUP BY stage, by..., score`` over the stacked ratings."""
        r = self._filtered(filters)
        stacked = self._stacked(r)
        keys = {"stage": stacked.stage, **self._group_expressions(stacked, by, outcome, freq), "score": stacked.score}
        aggregates = {"n": ibis._.count()}
        weighted = self._weights_counted(by)
        if weighted:
            aggregates.update(weight=stacked["weight"].sum(), weight_sq=(stacked["weight"] * stacked["weight"]).sum())
        expr = stacked.filter(stacked.score.notnull()).group_by(**keys).aggregate(**aggregates)
        return self._counts_table(self._execute(expr, _("Counting the ratings")), by, weighted, freq)

    def _one_group_counts(self, name: str, filters: Filters | None, freq: str | None) -> ScoreCounts:
        """:meth:`score_counts` by one segment column or the period, from the counts by every
        segment column and the period of :meth:`_counts_by_every_group` (one query, kept for the
        last :data:`COUNT_CACHE_SIZE` filters: an analysis asks for each of them in turn)."""
        filters = _normalised(filters)
        period_freq = (self._period_freq(freq if name == BY_PERIOD else None, filters) if self.has_dates else None)
        key = (filters, period_freq)
        if key not in self._group_counts or name not in self._group_counts[key]:
            _make_room(self._group_counts)
            self._group_counts[key] = self._counts_by_every_group(filters, period_freq)
        return self._group_counts[key][name]

    def _counts_by_every_group(self, filters: Filters, freq: str | None) -> dict[str, ScoreCounts]:
        """The counts by each segment column and by the period (``freq``; none without dates), in one query.

        When the combinations of the segment values and periods are few enough
        (:meth:`_combinations_fit`), one ``GROUP BY segment_0, segment_1, ..., period`` over the
        respondent table counts each stage's scores with conditional counts, and the small result
        is summed here per column (:meth:`_counts_by_combination`); otherwise one ``GROUPING SETS``
        query over the stacked ratings counts them (:meth:`_counts_by_grouping_sets`). Both give the
        same tables. The conditional counts are ``SUM(CASE WHEN score_j = v THEN 1 ELSE 0 END)``
        (:func:`ibis.ifelse`), not ``COUNT(*) FILTER (WHERE ...)``: 0.14 s against 0.30 s for the
        query at 10M ratings, and a filter per aggregate grows worse with their number.

        Measured on DuckDB, 2 cores, ``engine.count_groups()`` best of 3 (``bench/data``: 8 stages
        on 1-5, two segment columns, months): 10M ratings 0.53 s by grouping sets, 0.16 s by
        combination (and once per engine 0.03 s for :meth:`_segment_combinations`); 100M ratings
        5.0 s and 1.2 s (0.24 s once). ``analyze --json`` of the 100M dataset: 24.5 s before, 20.9 s.
        """
        names = [*self.segment_columns, *((BY_PERIOD,) if freq is not None else ())]
        if not names:
            return {}
        if self._combinations_fit(names, freq):
            return self._counts_by_combination(names, filters, freq)
        return self._counts_by_grouping_sets(names, filters, freq)

    def _combinations_fit(self, names: list[str], freq: str | None) -> bool:
        """Whether :meth:`_counts_by_combination` suits: conditional counts that cost at most
        :data:`MAX_COMBINATION_AGGREGATES` (stages x scale points, 5 each with a weight: a sum of
        floats costs about twice a count) and at most :data:`MAX_COMBINATIONS` combinations of
        the group values, bounded by the combinations of segment values over the whole survey (a
        filter leaves no more) times the periods the dates span (:meth:`_segment_combinations`).
        The limits are where the grouping sets become the cheaper query; both give the same tables.

        Measured on DuckDB (2 cores, 1.4M respondents, best of 3), the combination query alone
        against the grouping sets (through the engine, then alone): with two segment columns and
        months, 8 stages on 1-5 (40 counts) 0.16 s against 0.52 s, 8 stages on 0-10 (88) 0.26
        against 0.53, 16 stages on 0-10 (176) 0.55 against 1.17; weighted, 8 stages on 1-5 (40
        counts and 80 sums: 200) 0.45 against 0.57, 6 stages on 0-10 (66 and 132: 330) 0.75
        against 0.41. By the number of combinations (8 stages on 1-5, three group columns): 0.08 against 0.32 at 1.8 thousand,
        0.22 against 0.32 at 25 thousand, 0.28 against 0.33 at 50 thousand, 0.36 against 0.38 at
        100 thousand, 0.55 against 0.38 at 230 thousand; summing the result here adds about 0.1 s
        per 100 thousand combinations.
        """
        width = len(self.stages) * self.scale.points * (5 if self.weight_column is not None else 1)
        if width > MAX_COMBINATION_AGGREGATES:
            return False
        combinations = self._segment_combinations
        if BY_PERIOD in names:
            whole = self.respondent_counts()  # the whole survey's date span (kept for the engine's life)
            span = None if whole.first_date is None else (whole.first_date, whole.last_date)
            combinations *= _period_bound(span, freq)
        return combinations <= MAX_COMBINATIONS

    @functools.cached_property
    def _segment_combinations(self) -> int:
        """The number of combinations of segment values (NULL one of the values) over the whole
        survey: one small query, kept for the engine's life (:meth:`clear_cache` forgets it).

        The exact combinations in one ``GROUP BY`` of the segment columns cost about what the
        distinct values of one column cost (0.24 s against 0.25 s per column at 14M respondents,
        DuckDB; the approximate distinct counts cost more, 0.7 s) and bound the result tighter.
        """
        if not self.segment_columns:
            return 1
        r = self.respondents
        per_combination = r.group_by([r[self.columns.segments[name]] for name in self.segment_columns]).aggregate(n=ibis._.count())
        frame = self._execute(per_combination.aggregate(combinations=ibis._.count()), _("Reading the segment values"))
        return int(frame["combinations"].iloc[0])

    def _counts_by_combination(self, names: list[str], filters: Filters, freq: str | None) -> dict[str, ScoreCounts]:
        """The counts by each of ``names`` from one ``GROUP BY`` every combination of their values
        over the respondent table, with one conditional count (and, weighted, the sums of the
        weights and of their squares) per stage and scale point, summed here per column.

        A NULL segment value or date is a group of its own, as in the grouping sets.
        """
        r = self._filtered(filters)
        groups = {f"g{i}": expr for i, expr in enumerate(self._group_expressions(r, tuple(names), None, freq).values())}
        weighted = self.weight_column is not None
        points = self.scale.values
        aggregates = {}
        for j in range(len(self.stages)):
            score = self._score(r, j)
            for k, value in enumerate(points):
                rated = score == value
                aggregates[f"n_{j}_{k}"] = ibis.ifelse(rated, 1, 0).sum()
                if weighted:
                    aggregates[f"w_{j}_{k}"] = ibis.ifelse(rated, r["weight"], 0.0).sum()
                    aggregates[f"q_{j}_{k}"] = ibis.ifelse(rated, r["weight"] * r["weight"], 0.0).sum()
        frame = self._execute(r.group_by(**groups).aggregate(**aggregates), _("Counting the ratings"))
        cells = [f"{j}_{k}" for j in range(len(self.stages)) for k in range(len(points))]
        sums = {"n": frame[[f"n_{c}" for c in cells]].to_numpy(dtype=np.int64, na_value=0)}
        if weighted:
            sums["weight"] = frame[[f"w_{c}" for c in cells]].to_numpy(dtype=np.float64, na_value=0.0)
            sums["weight_sq"] = frame[[f"q_{c}" for c in cells]].to_numpy(dtype=np.float64, na_value=0.0)
        stage = np.repeat(np.arange(len(self.stages), dtype=np.int64), len(points))
        score = np.tile(np.asarray(points, dtype=np.int64), len(self.stages))
        out = {}
        for key, name in zip(groups, names):
            # the grouping sets' result held NULL in each group column (the rows of the other
            # sets), which gives it the type a backend gives a column with a NULL
            values = _with_missing_dtype(frame[key]) if len(names) > 1 and len(frame) else frame[key]
            part = _counts_per_value(values, sums, stage, score).rename(columns={"value": name})
            out[name] = self._counts_table(part, (name,), weighted, freq)
        return out

    def _counts_by_grouping_sets(self, names: list[str], filters: Filters, freq: str | None) -> dict[str, ScoreCounts]:
        """The counts by each of ``names`` (segment columns, the period) in one
        ``GROUP BY GROUPING SETS ((stage, segment_0, score), (stage, segment_1, score), ...)`` over one
        scan of the stacked ratings.

        Ibis has no grouping sets, so the outer query is SQL over the Ibis expression of the
        stacked ratings (:meth:`ibis.expr.types.Table.sql`; ``GROUPING SETS`` and ``GROUPING()`` are
        standard SQL that DuckDB, PostgreSQL and Spark run). On DuckDB it costs 0.84 CPU seconds
        where one query per segment column and period cost 1.37 (10M ratings, two segment
        columns and weeks). A backend that refuses it gets one query per column instead.
        """
        r = self._filtered(filters)
        stacked = self._stacked(r)
        groups = {f"g{i}": self._group_expressions(stacked, (name,), None, freq)[name] for i, name in enumerate(names)}
        columns = {"stage": stacked.stage, "score": stacked.score, **groups}
        weighted = self.weight_column is not None
        if weighted:
            columns["w"] = stacked["weight"]
        rated = stacked.filter(stacked.score.notnull()).select(**columns)
        keys = list(groups)
        sums = ", SUM(w) AS weight, SUM(w * w) AS weight_sq" if weighted else ""
        query = (f"SELECT stage, score, {', '.join(keys)}, {', '.join(f'GROUPING({k}) AS grouped_{k}' for k in keys)}, "
                 f"COUNT(*) AS n{sums} FROM rated GROUP BY GROUPING SETS ({', '.join(f'(stage, {k}, score)' for k in keys)})")
        try:
            frame = self._execute(rated.alias("rated").sql(query), _("Counting the ratings"))
        except Exception:  # noqa: BLE001 - a backend without grouping sets (each raises its own type): one query per column
            return {name: self._counts_query((name,), None, filters, freq) for name in names}
        out = {}
        for key, name in zip(keys, names):
            part = frame[frame[f"grouped_{key}"].to_numpy() == 0].rename(columns={key: name})
            out[name] = self._counts_table(part, (name,), weighted, freq)
        return out

    def _counts_table(self, frame: pd.DataFrame, by: tuple[str, ...], weighted: bool, freq: str | None) -> ScoreCounts:
        """The :class:`ScoreCounts` of a query's result (``stage``, ``by``, ``score``, ``n``, sums)."""
        frame = self._tidy_counts(frame, by, weighted)
        if BY_PERIOD in by:
            frame.attrs["freq"] = freq
        order = {name: self._segment_order(name, frame[name]) for name in by if self.layout.segment_order(name)}
        return ScoreCounts(self.stages, self.scale, by, frame, order)

    def _weights_counted(self, by: tuple[str, ...]) -> bool:
        """Whether counts by ``by`` carry the sums of the weights: as in memory, every grouped
        count of a weighted survey (ungrouped counts stay plain counts: the weighted stage table
        comes from the weighted pattern table)."""
        return self.weight_column is not None and bool(by)

    def _validate_by(self, by: tuple[str, ...], outcome: OutcomeSpec | None) -> None:
        for name in by:
            if name == BY_OUTCOME:
                if outcome is None:
                    raise SurveyError(_("Counting by outcome needs the outcome (an OutcomeSpec)."))
                if not outcome.is_proxy:
                    self._outcome_column(outcome)
            elif name == BY_PERIOD:
                if not self.columns.date:
                    raise SurveyError(_("The survey has no date column, so there are no periods."))
            elif name not in self.columns.segments:
                raise SurveyError(self._no_segment_message(name))
            elif name in _RESERVED or (self.weight_column is not None and name in _RESERVED_WEIGHTED):
                raise SurveyError(_("A segment column named {name!r} cannot be counted by (the name is taken).").format(name=name))
        if len(set(by)) != len(by):
            raise SurveyError(_("A column to count by is named twice."))

    def _period_freq(self, freq: str | None, filters: Filters | None) -> str:
        """``freq`` checked, or the period :func:`~cycle_analytics.stats.trends.choose_period` picks for the filtered dates."""
        if freq is not None:
            f = str(freq).strip().upper()[:1]
            if f not in _TRUNCATE:
                raise SurveyError(_("The trend period must be W (week), M (month) or Q (quarter), not {freq!r}.").format(
                    freq=freq))
            return f
        counts = self.respondent_counts(filters=filters)
        if counts.first_date is None:
            return "M"
        return choose_period(pd.to_datetime([counts.first_date, counts.last_date]))

    def _tidy_counts(self, frame: pd.DataFrame, by: tuple[str, ...], weighted: bool = False) -> pd.DataFrame:
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
        if weighted:
            out["weight"] = frame["weight"].to_numpy(dtype=np.float64, na_value=0.0)
            out["weight_sq"] = frame["weight_sq"].to_numpy(dtype=np.float64, na_value=0.0)
        return out.sort_values(["stage", *by, "score"], kind="stable", na_position="last").reset_index(drop=True)

    def score_patterns(self, outcome: OutcomeSpec | None = None, *, filters: Filters | None = None) -> ScorePatterns:
        """The respondent pattern table: distinct full score vectors (and the respondent's outcome;
        none for ``None`` or the proxy) with the number of respondents holding each; with a survey
        weight, the weight is part of each row's key (:attr:`ScorePatterns.weights`), as in memory.

        The scores are grouped packed, ``sum((score_j - min + 1) * base ** j)`` (0 = not rated,
        ``base = points + 1``; :func:`~cycle_analytics.engine.respondents.stages_per_key` stages per
        integer), and unpacked here: grouping by one integer instead of one column per stage costs
        about a third (0.14 against 0.38 CPU seconds for 1.4M respondents, 8 stages, DuckDB).
        """
        r = self._filtered(filters)
        lo, n_stages = self.scale.minimum, len(self.stages)
        base, per_key = self.scale.points + 1, stages_per_key(self.scale)
        keys = {}
        for k in range(0, n_stages, per_key):
            codes = [(self._score(r, j) - (lo - 1)).fill_null(0).cast(dt.int64) * (base ** (j - k))
                     for j in range(k, min(k + per_key, n_stages))]
            keys[f"k{k // per_key}"] = sum(codes[1:], codes[0])
        has_y = outcome is not None and not outcome.is_proxy
        keys["y"] = self.outcome_expression(r, outcome) if has_y else ibis.null(dt.float64)
        if self.weight_column is not None:
            keys["w"] = r["weight"]
        frame = self._execute(r.group_by(**keys).aggregate(n=ibis._.count()), _("Counting the answer patterns"))
        scores = np.empty((len(frame), n_stages), dtype=np.float64)
        for k in range(0, n_stages, per_key):
            packed = frame[f"k{k // per_key}"].to_numpy(dtype=np.int64)
            for j in range(k, min(k + per_key, n_stages)):
                digit = (packed // base ** (j - k)) % base
                scores[:, j] = np.where(digit > 0, digit + (lo - 1), np.nan)
        weights = None if self.weight_column is None else frame["w"].to_numpy(dtype=np.float64, na_value=0.0)
        return score_patterns(self.stages, self.scale, scores, frame["y"].to_numpy(dtype=np.float64, na_value=np.nan),
                              frame["n"].to_numpy().astype(np.int64), weights)

    def respondent_counts(self, *, filters: Filters | None = None) -> RespondentCounts:
        """Respondents, ratings, respondents with a rating and with a date, and the date span (kept
        for the last :data:`COUNT_CACHE_SIZE` filters: an analysis and its headline ask several times)."""
        filters = _normalised(filters)
        if filters not in self._respondent_counts:
            _make_room(self._respondent_counts)
            self._respondent_counts[filters] = self._count_respondents(filters)
        return self._respondent_counts[filters]

    def _count_respondents(self, filters: Filters) -> RespondentCounts:
        """:meth:`respondent_counts`, queried."""
        r = self._filtered(filters)
        aggs = {"respondents": r.count(), "ratings": r.n_rated.sum(), "rated": (r.n_rated > 0).ifelse(1, 0).sum()}
        if self.columns.date:
            aggs.update(dated=r["date"].count(), first=r["date"].min(), last=r["date"].max())
        row = self._execute(r.aggregate(**aggs), _("Counting the respondents")).iloc[0]
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
        """The outcome's distribution over the (filtered) respondents (with the sums of the weights per value, weighted)."""
        r = self._filtered(filters)
        y = self.outcome_expression(r, outcome)
        aggregates = {"n": ibis._.count()}
        if self.weight_column is not None:
            aggregates["w"] = r["weight"].sum()
        frame = self._execute(r.group_by(y=y).aggregate(**aggregates), _("Counting the outcome"))
        has = frame["y"].notna().to_numpy()
        order = np.argsort(frame["y"].to_numpy(dtype=np.float64, na_value=np.nan)[has], kind="stable")
        return OutcomeCounts(
            column=str(outcome.column),
            values=frame["y"].to_numpy(dtype=np.float64, na_value=np.nan)[has][order],
            counts=frame["n"].to_numpy().astype(np.int64)[has][order],
            missing=int(frame["n"].to_numpy()[~has].sum()),
            weights=None if self.weight_column is None else frame["w"].to_numpy(dtype=np.float64, na_value=0.0)[has][order],
        )

    def segment_values(self, segment: str) -> tuple:
        """The distinct values of a segment column over all respondents, sorted (for a filter's choices)."""
        if segment not in self.columns.segments:
            raise SurveyError(self._no_segment_message(segment))
        r = self.respondents
        column = r[self.columns.segments[segment]]
        frame = self._execute(r.filter(column.notnull()).select(value=column).distinct(), _("Reading the segment values"))
        return self._segment_order(segment, frame["value"].tolist())

    def comments(self, stage: str, *, limit: int = 50, bottom_box_only: bool = True, filters: Filters | None = None) -> pd.DataFrame:
        """Up to ``limit`` comments of respondents who rated ``stage`` (in its bottom box by default).

        Returns ``respondent, score, comment``, worst score first, then by respondent id (a
        deterministic sample on every backend); empty without a comment column.
        """
        j = self._stage_index(stage)
        if not isinstance(limit, (int, np.integer)) or limit < 1:
            raise SurveyError(_("The number of comments must be a whole number of at least 1, not {limit!r}.").format(
                limit=limit))
        empty = pd.DataFrame({"respondent": pd.Series([], dtype="object"), "score": pd.Series([], dtype="int64"),
                              "comment": pd.Series([], dtype="str")})
        if not self.columns.comment:
            return empty
        r = self._filtered(filters)
        s = self._score(r, j)
        chosen = r.filter(s.isin(list(self.scale.bottom_box)) if bottom_box_only else s.notnull())
        if "comment" in r.columns:
            per_respondent = chosen.select(respondent=chosen.respondent, score=self._score(chosen, j), comment=chosen["comment"])
        else:
            per_respondent = self._comments_from_answers(chosen.select(key=chosen.respondent, score=self._score(chosen, j)))
        text = per_respondent["comment"]
        expr = (per_respondent.filter(text.notnull() & (text.strip().length() > 0))
                .order_by(["score", "respondent"]).limit(int(limit)))
        frame = self._execute(expr, _("Reading comments"))
        if not len(frame):
            return empty
        frame["score"] = frame["score"].astype(np.int64)
        return frame.reset_index(drop=True)

    def _comments_from_answers(self, chosen: ir.Table) -> ir.Table:
        """``respondent, score, comment`` of the ``chosen`` respondents (``key, score``) when the
        respondent table has no comment (the long layout's grouping leaves it out: see
        :mod:`cycle_analytics.engine.respondents`): their answers' largest comment, as the grouping
        would have kept it, read only for them."""
        answers, _people = self._scanned_tables()
        respondent = answers[self.layout.respondent]
        text = comment_text(answers[self.layout.comment])
        rows = answers.filter(text.notnull()).select(key=respondent, comment=text)  # MAX skips NULLs: the same comment
        joined = rows.inner_join(chosen, "key")
        return joined.group_by(respondent=joined.key, score=joined.score).aggregate(comment=joined.comment.max())


def _key_filters(key) -> Filters:
    """The filters of a cache key (the key itself, or its first item)."""
    return key[0] if isinstance(key, tuple) else key


def _make_room(cache: dict) -> None:
    """Drop the oldest filtered entries of ``cache`` so that one more fits among the
    :data:`COUNT_CACHE_SIZE` kept (the whole survey's entries stay whatever their number)."""
    filtered = [k for k in cache if _key_filters(k) != NO_FILTERS]
    for key in filtered[: max(0, len(filtered) - COUNT_CACHE_SIZE + 1)]:
        del cache[key]


def _normalised(filters: Filters | None) -> Filters:
    """``filters``, with no filter and empty filters both :data:`~cycle_analytics.stats.filters.NO_FILTERS` (a cache key)."""
    return NO_FILTERS if filters is None or filters.is_empty else filters


def _period_bound(span: tuple[pd.Timestamp, pd.Timestamp] | None, freq: str) -> int:
    """At most how many periods ``freq`` the dates ``span = (first, last)`` fall in, one more for a
    missing date (1 without dates).

    >>> _period_bound((pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")), "M")
    16
    """
    if span is None:
        return 1
    days = (span[1] - span[0]).days
    return days // _PERIOD_DAYS[freq] + 2 + 1


def _with_missing_dtype(values: pd.Series) -> pd.Series:
    """``values`` with the type a backend's result column gets when it holds a NULL as well:
    integers as floats, booleans as objects (what Ibis's pandas conversion leaves); others unchanged."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(object)
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(np.float64)
    return values


def _counts_per_value(values: pd.Series, sums: dict[str, np.ndarray], stage: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    """The counts of a ``GROUP BY`` every combination summed over the combinations with the same value.

    Parameters
    ----------
    values : Series
        One group column of the result (NULL is a value: the missing values are one group).
    sums : dict
        ``n`` (and ``weight``, ``weight_sq``): one row per combination, one column per cell.
    stage, score : ndarray
        The stage index and score of each cell.

    Returns
    -------
    DataFrame
        ``stage, value, score, n`` (and the sums), one row per value and cell with a rating, as a
        ``GROUP BY stage, value, score`` of the ratings gives them; ``value`` keeps the type of ``values``.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    n_values = len(uniques)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n_values))
    first = order[starts]  # the first row holding each value
    summed = {k: (np.add.reduceat(m[order], starts, axis=0) if n_values else m[:0]) for k, m in sums.items()}
    keep = summed["n"].ravel() > 0
    value_of_row = np.repeat(np.arange(n_values), len(stage))[keep]
    out = pd.DataFrame({"stage": np.tile(stage, n_values)[keep],
                        "value": values.iloc[first[value_of_row]].reset_index(drop=True),
                        "score": np.tile(score, n_values)[keep]})
    for k, m in summed.items():
        out[k] = m.ravel()[keep]
    return out


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
        raise SurveyError(_("The engine needs a Source (see open_source), not a {type}.").format(type=type(source).__name__))
    if not isinstance(rules, ScoreRules):
        raise SurveyError(_("The score rules must be a ScoreRules, not a {type}.").format(type=type(rules).__name__))
    if filters is not None and not isinstance(filters, Filters):
        raise SurveyError(_("The filters must be a Filters, not a {type}.").format(type=type(filters).__name__))
    if source.respondents is not None and not isinstance(layout, LongLayout):
        raise SurveyError(_("A separate respondents table goes with the long layout only."))
    people = None if source.respondents is None else tuple(source.respondents.columns)
    validate_layout_columns(layout, tuple(source.table.columns), people)
    if people is not None and layout.respondent not in people:
        raise SurveyError(_("The respondents table has no id column {column!r} to join the answers on.").format(
            column=layout.respondent))
