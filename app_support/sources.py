"""Warehouse sources in the app: surveys named in the secrets, analysed where they lie by the query engine.

A deployment names its sources in ``.streamlit/secrets.toml`` (format: ``.streamlit/secrets.toml.example``
and docs/deployment.md, "Warehouse sources in the app")::

    [sources.branch_surveys]
    label = "Branch surveys (warehouse)"
    url = "postgresql://reader:CHANGE-ME@db.example.com/surveys"   # or path = "/data/answers/*.parquet"
    table = "answers"
    layout = "long"
    id = "respondent_id"
    stage = "stage"
    score = "score"
    outcome = "overall_satisfaction"
    date = "visit_date"
    segments = ["branch", "channel"]

The Data page lists them beside the upload; the one chosen (``state.WAREHOUSE_SOURCE``) replaces the
upload or sample, and the sidebar builds the :class:`~app_support.sidebar.View` with
:func:`source_view`: the same filters (a date range, segment values), pushed down as WHERE clauses
(:class:`~cycle_analytics.stats.filters.Filters`), and the same
:func:`~cycle_analytics.stats.analysis.analyze` on the engine. Only count tables leave the database.

* :func:`configured_sources` - the ``[sources.*]`` sections as :class:`SourceConfig`, and one sentence
  per section that cannot be used (never a traceback);
* :func:`source_config` / :func:`engine_parts` - one section read and turned into the engine's
  location, layout and rules (no Streamlit: tested on their own);
* :func:`source_engine` - the engine of a source, opened once per server (``st.cache_resource``; the
  two passes over the source run then), with a lock (one query at a time per engine);
* :func:`source_analysis`, :func:`source_headline`, :func:`source_segment_values`, :func:`source_comments`,
  :func:`source_stage_split` - cached per (source, filters, outcome) (``st.cache_data``: the results are
  small tables);
* :class:`WarehouseSurvey` - what the pages read in place of an imported survey (``View.warehouse``):
  stages, scale, cycle, targets, segments, the headline, comments, one stage split by a segment, and
  the :class:`~cycle_analytics.outputs.outline.SurveyOutline` the reports, slides and PDF are built
  from (:func:`app_support.presenting.view_subject`); :func:`not_available` the one sentence a page
  shows for what needs the survey's rows (the comment themes, the checks of each row);
* :func:`source_sidebar` (the sidebar's source, filters and outcome), :func:`source_picker` and
  :func:`source_summary` (the Data page).

Progress: the engine reports each query to :func:`relay_progress`, which passes it to the progress bar
of the session running the query (:func:`app_support.progress.reported_progress`), so one engine
serves every session while each sees its own progress.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from cycle_analytics.cycles import Cycle, load_cycle
from cycle_analytics.dataset import ImportOptions, OutcomeSpec, declared_critical, stage_targets
from cycle_analytics.engine import Filters, LongLayout, ScoreRules, SurveyEngine, WideLayout, open_source
from cycle_analytics.engine.layout import named_layout
from cycle_analytics.engine.roles import roles_from_sample
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, current_language, format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.display_names import clean_display_name, validate_distinct_stage_names
from cycle_analytics.outputs.outline import ANSWER_WORDS, THEMES_NOT_AVAILABLE, SurveyOutline, answers_in_words, survey_outline
from cycle_analytics.scales import parse_scale
from cycle_analytics.stats.analysis import Analysis, AnalysisSettings, analyze
from cycle_analytics.stats.headline import Headline, headline_from_tables, stage_distribution_from_counts

from . import sharing, state
from .progress import reported_progress
from .widgets import date_range_picker, md_escape, outcome_picker, segment_picker

__all__ = [
    "SourceConfig", "EngineHandle", "configured_sources", "source_config", "engine_parts", "open_engine",
    "source_engine", "source_failure", "source_analysis", "source_headline", "source_segment_values", "source_comments",
    "source_stage_split",
    "source_date_span", "filters_from_key", "relay_progress", "reporting", "SOURCE_PREFIX", "NOT_AVAILABLE",
    "WarehouseSurvey", "app_sources", "chosen_source", "choose_source", "source_sidebar", "not_available",
    "source_picker", "source_summary", "import_options",
]

SOURCE_PREFIX = "source:"  #: ``state.SOURCE_ID`` of a warehouse source: ``"source:<name>"``
#: Part -> what a page says in place of that part, which needs the survey's rows (the engine returns
#: count tables): one whole sentence each, shown through :func:`not_available`.
NOT_AVAILABLE = {
    "themes": THEMES_NOT_AVAILABLE,  # the reports and slides say the same in the themes' place
    "row_checks": N_("Not available for a warehouse source: the rejected rows, invalid answers per row and "
                     "response-quality flags (they need the survey's individual rows, which stay in the database). "
                     "The stages are named, and put in order, in the source's settings (stage_names, stages)."),
}

_TEXT_KEYS = ("label", "url", "path", "table", "respondents", "layout", "id", "stage", "score", "date", "comment",
              "scale", "positive", "cycle", "date_format", "weight")
_LIST_KEYS = ("stages", "segments", "outcomes", "na_values")
_KNOWN = frozenset((*_TEXT_KEYS, *_LIST_KEYS, "outcome", "stage_names"))


@dataclass(frozen=True)
class SourceConfig:
    """One ``[sources.<name>]`` section of the secrets, checked (:func:`source_config`).

    ``url`` + ``table`` name a database table (any URL :func:`ibis.connect` knows); ``path`` a
    Parquet or CSV file, glob or folder. ``layout`` is ``"long"`` (``id``, ``stage``, ``score``
    columns; ``stages`` optional, in cycle order) or ``"wide"`` (``stages``: the stage columns), or
    ``"found"`` when the section names neither a layout nor an id, stage or score column: the
    importer then finds every role in the first rows of the table, as in an uploaded file
    (:func:`cycle_analytics.engine.roles.roles_from_sample`), with the options given here.
    ``outcomes`` (``outcome`` for one), ``segments``, ``date`` and ``comment`` are column names;
    ``na_values``, ``scale`` (``"1-5"``) and ``positive`` as for a file; ``cycle`` a bundled
    cycle template's name. ``weight``: the survey-weight column every figure applies (``""``: none;
    without the key, a source whose roles are found gets the weight the importer proposes, as a file).
    ``stage_names``: a table of stage (its raw value in the stage column, or its column in the wide
    layout) = the name people use, as an upload's names on the Data page
    (:func:`cycle_analytics.engine.layout.named_layout`).
    """

    name: str
    label: str
    url: str | None
    path: str | None
    table: str | None
    respondents: str | None
    layout: str
    id: str | None
    stage: str | None
    score: str | None
    stages: tuple[str, ...]
    outcomes: tuple[str, ...]
    segments: tuple[str, ...]
    date: str | None
    date_format: str | None
    comment: str | None
    na_values: tuple[str, ...]
    scale: str | None
    positive: str | None
    cycle: str | None
    weight: str | None = None  # the survey-weight column ("" = none; None = none named, or proposed when found)
    stage_names: tuple[tuple[str, str], ...] = ()  # stage (or its raw value or column) -> the name people use

    @property
    def key(self) -> tuple:
        """The configuration as a hashable tuple (cache keys: a changed secret opens a new engine)."""
        return tuple((f, getattr(self, f)) for f in self.__dataclass_fields__)

    @property
    def where(self) -> str:
        """Where the survey is, for people: the table and the database kind, or the path (never a password)."""
        if self.url:
            return _("table {table} at {kind}://").format(table=self.table, kind=self.url.split("://", 1)[0])
        return str(self.path)


@dataclass(frozen=True)
class EngineHandle:
    """An opened source: its engine and the lock that gives it one query at a time (one DuckDB
    connection cannot run two queries at once; the engine is shared by the sessions)."""

    engine: SurveyEngine
    lock: threading.Lock


# ---------------------------------------------------------------- the secrets


def _text(section: Mapping, key: str, name: str) -> str | None:
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise SurveyError(_("The source {name!r}: {key} must be a text, not {value!r}.").format(
            name=name, key=key, value=value))
    text = str(value).strip()
    return text or None


def _texts(section: Mapping, key: str, name: str) -> tuple[str, ...]:
    value = section.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if not isinstance(value, (list, tuple)):
        raise SurveyError(_("The source {name!r}: {key} must be a list of names, not {value!r}.").format(
            name=name, key=key, value=value))
    return tuple(str(v).strip() for v in value if str(v).strip())


def _stage_names(section: Mapping, name: str) -> tuple[tuple[str, str], ...]:
    """The ``stage_names`` table as ``(stage, name)`` pairs."""
    value = section.get("stage_names")
    if value is None:
        return ()
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise SurveyError(_("The source {name!r}: stage_names must be a table of stage = \"name\" pairs, not {value!r}.")
                          .format(name=name, value=value))
    return tuple((str(k).strip(), v.strip()) for k, v in value.items())


def _validate_source_section(name: str, section) -> None:
    """The section is a table of known keys, with a place (``url`` + ``table``, or ``path``) and the
    columns its layout needs."""
    if not isinstance(section, Mapping):
        raise SurveyError(_("The source {name!r} must be a table of settings ([sources.{bare}]), not {section!r}.").format(
            name=name, bare=name, section=section))
    unknown = sorted(set(section) - _KNOWN)
    if unknown:
        raise SurveyError(_("The source {name!r} has unknown settings: {unknown} (known: {known}).").format(
            name=name, unknown=", ".join(unknown), known=", ".join(sorted(_KNOWN))))
    if bool(section.get("url")) == bool(section.get("path")):
        raise SurveyError((_("The source {name!r} needs either url (with table) or path, not both.") if section.get("url")
                           else _("The source {name!r} needs either url (with table) or path, not neither.")).format(
            name=name))
    if section.get("url") and not section.get("table"):
        raise SurveyError(_("The source {name!r} has a url but no table to read.").format(name=name))
    layout = str(section.get("layout") or "long").strip().lower()
    if layout not in ("long", "wide"):
        raise SurveyError(_("The source {name!r}: layout must be long or wide, not {layout!r}.").format(
            name=name, layout=section.get("layout")))
    if not _names_columns(section):
        return  # the importer finds the roles in the first rows, as in a file
    if layout == "long":
        missing = [k for k in ("id", "stage", "score") if not section.get(k)]
        if missing:
            raise SurveyError(_("The source {name!r} (long layout) needs the column names {columns}.").format(
                name=name, columns=", ".join(missing)))
    elif not section.get("stages"):
        raise SurveyError(_("The source {name!r} (wide layout) needs stages: the list of its stage columns.").format(
            name=name))


def _names_columns(section: Mapping) -> bool:
    """Whether the section names its layout's columns (else they are found as in a file)."""
    return bool(section.get("layout") or any(section.get(k) for k in ("id", "stage", "score")))


def source_config(name: str, section: Mapping) -> SourceConfig:
    """One ``[sources.<name>]`` section as a :class:`SourceConfig`; a :class:`SurveyError` with one
    sentence when it cannot be used.

    >>> c = source_config("branches", {"path": "/data/*.parquet", "id": "rid", "stage": "stage", "score": "score",
    ...                                "outcome": "overall", "segments": ["branch"]})
    >>> c.label, c.layout, c.outcomes, c.segments, c.where
    ('branches', 'long', ('overall',), ('branch',), '/data/*.parquet')
    """
    name = str(name)
    _validate_source_section(name, section)
    outcomes = _texts(section, "outcomes", name) or _texts(section, "outcome", name)
    return SourceConfig(
        name=name, label=_text(section, "label", name) or name, url=_text(section, "url", name),
        path=_text(section, "path", name), table=_text(section, "table", name),
        respondents=_text(section, "respondents", name),
        layout=str(section.get("layout") or "long").strip().lower() if _names_columns(section) else "found",
        id=_text(section, "id", name),
        stage=_text(section, "stage", name), score=_text(section, "score", name),
        stages=_texts(section, "stages", name), outcomes=outcomes, segments=_texts(section, "segments", name),
        date=_text(section, "date", name), date_format=_text(section, "date_format", name),
        comment=_text(section, "comment", name), na_values=_texts(section, "na_values", name),
        scale=_text(section, "scale", name), positive=_text(section, "positive", name), cycle=_text(section, "cycle", name),
        weight=None if section.get("weight") is None else (_text(section, "weight", name) or ""),
        stage_names=_stage_names(section, name),
    )


def configured_sources(table: Mapping) -> tuple[dict[str, SourceConfig], list[str]]:
    """The sources of the secrets' ``[sources]`` table: ``({name: config}, [one sentence per
    section that cannot be used])``.

    >>> found, problems = configured_sources({"a": {"path": "x.parquet", "id": "i", "stage": "s", "score": "v"},
    ...                                       "b": {"path": "y.parquet", "layout": "long"}, "c": {"path": "z.parquet"}})
    >>> list(found), [found[n].layout for n in found], problems
    (['a', 'c'], ['long', 'found'], ["The source 'b' (long layout) needs the column names id, stage, score."])
    """
    if not isinstance(table, Mapping):
        return {}, []
    found: dict[str, SourceConfig] = {}
    problems: list[str] = []
    for name, section in table.items():
        try:
            found[str(name)] = source_config(str(name), section)
        except SurveyError as exc:
            problems.append(str(exc))
    return found, problems


def engine_parts(config: SourceConfig) -> tuple[LongLayout | WideLayout, ScoreRules, Cycle | None]:
    """``(layout, rules, cycle)`` of a source, with the cycle's stage order when the source names
    no stages (long layout). Raises :class:`SurveyError` for a bad scale or an unknown template."""
    cycle = load_cycle(config.cycle) if config.cycle else None
    scale = parse_scale(config.scale) if config.scale else None
    rules = ScoreRules(scale=scale, na_values=config.na_values)
    attributes = dict(outcomes=config.outcomes, segments=config.segments, date=config.date, comment=config.comment,
                      weight=config.weight or None)
    if config.date_format:
        attributes["date_format"] = config.date_format
    if config.layout == "wide":
        layout = WideLayout(config.stages, respondent=config.id, **attributes)
    else:
        stages = config.stages or (tuple(cycle.stage_names) if cycle is not None else None)
        layout = LongLayout(config.id, config.stage, config.score, stages=stages, **attributes)
    return _named(layout, config), rules, cycle


def _named(layout: LongLayout | WideLayout, config: SourceConfig) -> LongLayout | WideLayout:
    """The layout with the source's stage names, checked by the rules of an upload's names (a
    sentence naming the source when they cannot be used)."""
    if not config.stage_names:
        return layout
    try:
        names = {old: clean_display_name(old, new, _("The stage {old!r} needs a name in stage_names."))
                 for old, new in config.stage_names}
        validate_distinct_stage_names(names.values())
        named = named_layout(layout, names)
        if named.stages is not None:
            validate_distinct_stage_names(named.stages)
        return named
    except SurveyError as exc:
        raise SurveyError(_("The source {name!r}: {reason}").format(name=config.name, reason=exc)) from None


# ---------------------------------------------------------------- progress: one engine, each session its own bar

_reporter = threading.local()


def relay_progress(done: float, message: str) -> None:
    """The engine's progress callback: passes ``(done, message)`` to the reporter of the thread
    running the query (:func:`reporting`); nothing when none is set (another session's engine
    call, a test)."""
    report = getattr(_reporter, "report", None)
    if report is not None:
        report(done, message)


@contextmanager
def reporting(report: Callable[[float, str], None] | None) -> Iterator[None]:
    """Within the block, the engine's progress on this thread goes to ``report``."""
    before = getattr(_reporter, "report", None)
    _reporter.report = report
    try:
        yield
    finally:
        _reporter.report = before


# ---------------------------------------------------------------- opening and analysing (cached)


def import_options(config: SourceConfig, cycle: Cycle | None) -> ImportOptions:
    """The options of a file import that a source's settings stand for (roles found from a sample)."""
    return ImportOptions(cycle=cycle, stages=config.stages or None, outcome=config.outcomes[0] if config.outcomes else None,
                         positive=config.positive, na_values=config.na_values,
                         scale=parse_scale(config.scale) if config.scale else None,
                         segments=config.segments or None, date=config.date, weight=config.weight)


def open_engine(config: SourceConfig) -> SurveyEngine:
    """The :class:`~cycle_analytics.engine.SurveyEngine` of a source (both passes run here)."""
    location = config.url or config.path
    source = open_source(location, config.table, respondents=config.respondents)
    if config.layout == "found":
        cycle = load_cycle(config.cycle) if config.cycle else None
        relay_progress(0.0, _("Finding the columns"))
        roles = roles_from_sample(source, import_options(config, cycle), name=_("the source {label!r}").format(label=config.label))
        layout, rules = _named(roles.layout, config), roles.rules
    else:
        layout, rules, cycle = engine_parts(config)
    engine = SurveyEngine(source, layout, rules, progress=relay_progress, cycle=cycle, positive=config.positive)
    engine.count_groups()  # the whole survey's counts by segment and period, kept by the engine: every page starts from them
    return engine


@st.cache_resource(show_spinner=False, max_entries=8)
def source_engine(name: str, config_key: tuple, _config: SourceConfig) -> EngineHandle | None:
    """The opened source ``name`` (:func:`open_engine`), once per server and configuration, or
    ``None`` when it cannot be opened (kept, so a broken source is not retried on every rerun; it is
    retried after the server restarts or the secrets change; :func:`source_failure` says why)."""
    try:
        return EngineHandle(open_engine(_config), threading.Lock())
    except SurveyError:
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def source_failure(name: str, config_key: tuple, language: str, _config: SourceConfig) -> str:
    """Why the source ``name`` cannot be opened, in ``language``. The engine cache is shared by every
    session, so it keeps no sentence: the opening is tried once more per language to word the reason
    (a broken source only; a working one is never opened twice)."""
    try:
        open_engine(_config)
    except SurveyError as exc:
        return _("The source {label!r} ({where}) cannot be opened: {reason}").format(
            label=_config.label, where=_config.where, reason=exc)
    source_engine.clear()  # it opens now: the next run opens it again instead of keeping the failure
    return _("The source {label!r} ({where}) could not be opened a moment ago and opens now; reload the page.").format(
        label=_config.label, where=_config.where)


def filters_from_key(filters: tuple) -> Filters:
    """The :class:`Filters` of a ``loaders.filters_key`` tuple ``(from, to, ((column, values), ...))``.

    >>> filters_from_key(("2026-01-01", "2026-01-31", (("branch", ("North",)),)))
    Filters(date_range=('2026-01-01', '2026-01-31'), segments=(('branch', ('North',)),))
    """
    dfrom, dto, segments = filters
    return Filters(date_range=(dfrom, dto) if dfrom else None, segments=dict(segments))


@st.cache_data(show_spinner=False, max_entries=32)
def source_analysis(name: str, config_key: tuple, filters: tuple, outcome: tuple,
                    _handle: EngineHandle, language: str = "en") -> tuple[Analysis | None, str | None]:
    """``(analysis, None)`` or ``(None, sentence)``: :func:`~cycle_analytics.stats.analysis.analyze` of
    the engine with the filters as WHERE clauses, for an outcome key ``(column or None, positive)``.
    ``language`` (the interface language of the session) keys the cache: the analysis holds sentences."""
    column, positive = outcome
    with _handle.lock:
        try:
            spec = _handle.engine.outcome_spec(column, positive=positive)
            return analyze(_handle.engine, outcome=spec, settings=AnalysisSettings(), filters=filters_from_key(filters)), None
        except SurveyError as exc:
            return None, str(exc)


@st.cache_data(show_spinner=False, max_entries=32)
def source_headline(name: str, config_key: tuple, filters: tuple, outcome: tuple, _handle: EngineHandle,
                    _spec: OutcomeSpec | None) -> Headline:
    """:func:`~cycle_analytics.stats.headline.headline_from_tables` of the engine (``outcome`` keys ``_spec``)."""
    with _handle.lock:
        return headline_from_tables(_handle.engine, _spec, filters=filters_from_key(filters))


@st.cache_data(show_spinner=False, max_entries=32)
def source_segment_values(name: str, config_key: tuple, segment: str, _handle: EngineHandle) -> list[str]:
    """The values of a segment column, as text (the sidebar's filter choices)."""
    with _handle.lock:
        return [str(x) for x in _handle.engine.segment_values(segment)]


@st.cache_data(show_spinner=False, max_entries=8)
def source_date_span(name: str, config_key: tuple, _handle: EngineHandle):
    """``(first day, last day)`` of the source's dates, ``None`` without dated respondents."""
    if not _handle.engine.has_dates:
        return None
    with _handle.lock:
        counts = _handle.engine.respondent_counts()
    if counts.first_date is None:
        return None
    return counts.first_date.date(), counts.last_date.date()


@st.cache_data(show_spinner=False, max_entries=64)
def source_stage_split(name: str, config_key: tuple, filters: tuple, stage: str, segment: str,
                       _handle: EngineHandle) -> pd.DataFrame:
    """One stage's answer distribution per value of ``segment``
    (:func:`~cycle_analytics.stats.headline.stage_distribution_from_counts` of the engine's counts by
    the segment, which it keeps per filter: no query after the analysis)."""
    with _handle.lock:
        counts = _handle.engine.score_counts(segment, filters=filters_from_key(filters))
    return stage_distribution_from_counts(counts, stage, segment)


@st.cache_data(show_spinner=False, max_entries=64)
def source_comments(name: str, config_key: tuple, filters: tuple, stage: str, _handle: EngineHandle):
    """Up to 50 comments of respondents who rated ``stage`` in its bottom box (``engine.comments``)."""
    with _handle.lock:
        return _handle.engine.comments(stage, filters=filters_from_key(filters))


# ---------------------------------------------------------------- what the pages read of a warehouse source


@dataclass(frozen=True)
class WarehouseSurvey:
    """A warehouse source as the pages read it (``View.warehouse``), in place of an imported survey.

    ``stages``, ``scale``, ``cycle``, ``segments``, ``has_dates`` and :meth:`targets`,
    :meth:`phases`, :meth:`declared_critical` answer as a :class:`~cycle_analytics.dataset.Survey`'s do;
    ``respondents`` / ``total_respondents`` count the filtered and all respondents; ``headline`` holds
    the Overview's figures; ``answers`` the engine's accounting of every cell read
    (:meth:`~cycle_analytics.engine.AnswerInventory.by_answer`).
    """

    name: str
    config: SourceConfig
    handle: EngineHandle
    filters: tuple
    headline: Headline | None
    respondents: int
    total_respondents: int

    @property
    def engine(self) -> SurveyEngine:
        return self.handle.engine

    @property
    def label(self) -> str:
        return self.config.label

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(self.engine.stages)

    @property
    def scale(self):
        return self.engine.scale

    @property
    def cycle(self) -> Cycle | None:
        return self.engine.cycle

    @property
    def segments(self) -> list[str]:
        return list(self.engine.segment_columns)

    @property
    def has_dates(self) -> bool:
        return bool(self.engine.has_dates)

    @property
    def has_comments(self) -> bool:
        return bool(self.config.comment)

    @property
    def answers(self) -> dict[str, int]:
        return self.engine.inventory.by_answer()

    def targets(self) -> dict[str, float]:
        return stage_targets(self.cycle, self.stages, self.scale)

    def declared_critical(self) -> tuple[str, ...]:
        return declared_critical(self.cycle, self.stages)

    def phases(self) -> dict[str, str | None]:
        by_name = {s.name: s.phase for s in self.cycle.stages} if self.cycle is not None else {}
        return {s: by_name.get(s) for s in self.stages}

    def comments(self, stage: str):
        """Up to 50 comments of respondents who rated ``stage`` badly, under the current filters."""
        return source_comments(self.name, self.config.key, self.filters, stage, self.handle)

    def stage_split(self, stage: str, segment: str) -> pd.DataFrame:
        """The answers of ``stage`` per value of ``segment`` under the current filters (the frame of an
        upload's ``loaders.stage_distribution_by``)."""
        return source_stage_split(self.name, self.config.key, self.filters, stage, segment, self.handle)

    def outline(self) -> SurveyOutline:
        """What the reports, slides, PDF and alerts say about the survey besides its analysis: the
        engine's stages, scale, cycle, counts (filtered) and accounting of every cell; no row is read."""
        with self.handle.lock:
            return survey_outline(self.engine, filters=filters_from_key(self.filters), name=self.label)


def not_available(part: str) -> str:
    """The one sentence a page shows for a ``part`` (a key of :data:`NOT_AVAILABLE`) a warehouse
    source cannot give, in the interface language."""
    return _(NOT_AVAILABLE[part])


# ---------------------------------------------------------------- choosing a source (Data page) and the sidebar


def app_sources() -> tuple[dict[str, SourceConfig], list[str]]:
    """The sources configured in this deployment's secrets (:func:`configured_sources`)."""
    return configured_sources(sharing.secret_section("sources"))


def chosen_source() -> str | None:
    """The name of the warehouse source in use (``state.WAREHOUSE_SOURCE``) when it is configured."""
    name = st.session_state.get(state.WAREHOUSE_SOURCE)
    return name if name and name in app_sources()[0] else None


def choose_source(name: str | None) -> None:
    """Use the warehouse source ``name`` (``None``: back to the sample or the upload); a saved
    survey of a link is closed."""
    ss = st.session_state
    ss[state.WAREHOUSE_SOURCE] = name
    if name:
        ss[state.SAVED_ID] = None


def _segment_filters(name: str, config: SourceConfig, handle: EngineHandle, pending: dict) -> dict[str, list]:
    """One multiselect per segment column, its values read from the source: ``{column: kept values}``."""
    return {column: segment_picker(column, source_segment_values(name, config.key, column, handle), pending)
            for column in handle.engine.segment_columns}


def _outcome_choice(engine: SurveyEngine, pending: dict) -> tuple[str | None, str]:
    """The outcome selector: ``(column or None for the proxy, default option)``."""
    default = engine.outcome_columns[0] if engine.outcome_columns else state.PROXY_LABEL
    return outcome_picker(engine.outcome_columns, default, pending), default


def source_sidebar(name: str, slot, pending: dict, filters_key: Callable) -> dict:
    """The sidebar of a warehouse source (drawn in the sidebar): the source, its filters and
    outcome; opens the source and analyses it with progress in ``slot``. Returns the fields of the
    :class:`~app_support.sidebar.View` (``filters_key`` is ``loaders.filters_key``)."""
    ss = st.session_state
    config = app_sources()[0][name]
    st.info(_("Warehouse source: **{label}**").format(label=md_escape(config.label)), icon=":material/database:")
    st.caption(md_escape(config.where))
    st.button(_("Close the warehouse source"), key="close_warehouse_source", on_click=choose_source, args=(None,))
    label = _("Warehouse source: {label}").format(label=config.label)
    with reported_progress(slot) as report, reporting(report):
        opened = source_engine(name, config.key, config)
    if opened is None:
        return {"source_label": label, "error": source_failure(name, config.key, current_language(), config)}
    if opened.engine.cycle is not None:
        st.caption(_("Cycle: {name} (from the source's settings)").format(name=md_escape(opened.engine.cycle.name)))
    st.subheader(_("Filters"))
    with reported_progress(slot) as report, reporting(report):
        date_range, full_range = date_range_picker(source_date_span(name, config.key, opened), pending)
        segments = _segment_filters(name, config, opened, pending)
    outcome_col, default_out = _outcome_choice(opened.engine, pending)
    fkey = filters_key(date_range, full_range, segments)
    okey = (outcome_col, config.positive)
    with reported_progress(slot) as report, reporting(report):
        analysis, error = source_analysis(name, config.key, fkey, okey, opened, current_language())
        total = source_headline(name, config.key, (None, None, ()), (None, None), opened, None).responses
        figures = None
        if analysis is not None:
            figures = source_headline(name, config.key, fkey, okey, opened, analysis.outcome)
    n_now = figures.responses if figures is not None else 0
    filters_active = fkey != (None, None, ())
    st.caption((ngettext("{n} of {total} respondent (filtered)", "{n} of {total} respondents (filtered)", total)
                if filters_active else ngettext("{n} of {total} respondent", "{n} of {total} respondents", total)).format(
        n=format_number(n_now), total=format_number(total)))
    warehouse = WarehouseSurvey(name=name, config=config, handle=opened, filters=fkey, headline=figures,
                                respondents=n_now, total_respondents=total)
    state.write_query_params(state.desired_query_params(
        sample=None, source=name, cycle=None, date_range=date_range, full_range=full_range, segments=segments,
        outcome=outcome_col, default_outcome=None if default_out == state.PROXY_LABEL else default_out,
        stage=ss.get(state.STAGE)))
    ss[state.URL_PENDING] = {}
    return {"source_label": label, "file_name": config.label, "analysis": analysis, "analysis_error": error,
            "outcome": analysis.outcome if analysis is not None else None, "filters_active": filters_active,
            # the language keys the caches of the sentences built from the view (reports, alerts)
            "key": (f"{SOURCE_PREFIX}{name}", config.key, fkey, okey, ("language", current_language())),
            "warehouse": warehouse}


# ---------------------------------------------------------------- the Data page


def source_picker() -> None:
    """The Data page's list of the configured warehouse sources, beside the upload: pick one to
    analyse it where it lies (nothing is shown when the deployment configured none)."""
    found, problems = app_sources()
    if not found and not problems:
        return
    st.subheader(_("Warehouse sources"))
    st.caption(_("Surveys kept in a database or in Parquet files, set up for this dashboard. The analysis runs where "
                 "they are; only counts come back."))
    for sentence in problems:
        st.warning(md_escape(sentence), icon=":material/warning:")
    if not found:
        return
    uploaded = st.session_state.get(state.UPLOAD) is not None
    names = list(found)
    current = chosen_source()
    if st.session_state.get(state.DATA_WAREHOUSE_PICK) not in names:
        st.session_state[state.DATA_WAREHOUSE_PICK] = current or names[0]
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox(_("Source"), names, key=state.DATA_WAREHOUSE_PICK, format_func=lambda n: found[n].label,
                        disabled=uploaded)
    if current == pick and not uploaded:
        c2.button(_("Close it"), key="data_close_warehouse", on_click=choose_source, args=(None,), icon=":material/close:")
    else:
        c2.button(_("Use this source"), key="data_use_warehouse", type="primary", on_click=choose_source, args=(pick,),
                  icon=":material/database:", disabled=uploaded)
    if uploaded:
        st.caption(_("An uploaded file is in use: remove it in the sidebar to use a warehouse source."))


def source_summary(warehouse: WarehouseSurvey) -> None:
    """What was read from a warehouse source: where, the column roles, and every cell read,
    counted (ratings, no answer, invalid, not analysed), per class and per stage."""
    config, engine = warehouse.config, warehouse.engine
    st.subheader(_("What we read"))
    roles = [(_("Where"), config.where), (_("Layout"), _layout_words(engine.layout.kind, config.layout == "found")),
             (_("Stages"), ", ".join(engine.stages)), (_("Scale"), f"{engine.scale.minimum}–{engine.scale.maximum}"),
             (_("Outcome"), ", ".join(engine.outcome_columns) or _("none (the proxy)")),
             (_("Segments"), ", ".join(engine.segment_columns) or _("none")), (_("Date"), config.date or _("none")),
             (_("Comments"), config.comment or _("none"))]
    for item, value in roles:
        label, read = st.columns([1, 6])
        label.markdown(f"**{item}**")
        read.markdown(md_escape(value))  # names from the source's settings: text, never markup
    answers = warehouse.answers
    c = st.columns(4)
    c[0].metric(_("Respondents"), format_number(warehouse.total_respondents), border=True)
    c[1].metric(_("Ratings"), format_number(answers["score"]), border=True)
    c[2].metric(_("No answer"), format_number(answers["no_answer"] + answers["empty"]), border=True,
                help=_("Empty cells and N/A answers of the stages."))
    c[3].metric(_("Invalid answers"), format_number(answers["not_a_number"] + answers["off_scale"]), border=True,
                help=_("Not a number or off the scale: each loses that answer, not its respondent."))
    st.caption(_("Every cell read is counted: {counts}.").format(counts=answers_in_words(answers)))
    words = {k: _(v) for k, v in ANSWER_WORDS.items()}
    st.dataframe(engine.inventory.by_stage().rename(columns=words), width="stretch", key="warehouse_by_stage")
    with st.expander(_("The query that builds the respondent table in the database")):
        st.code(engine.sql(), language="sql")
    st.info(not_available("row_checks"), icon=":material/database:")


def _layout_words(kind: str, found: bool) -> str:
    """The layout of a source in words: long or wide, and whether the importer found it."""
    if kind == "long":
        return _("long (one row per answer), found in the first rows as in a file") if found else \
            _("long (one row per answer)")
    return _("wide (one row per respondent), found in the first rows as in a file") if found else \
        _("wide (one row per respondent)")
