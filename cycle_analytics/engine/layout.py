"""Where a survey's answers are in a table: the column roles of the long and the wide layout.

* :class:`LongLayout` - one row per answer: a respondent id, a stage and a score column; the
  respondent's other columns (outcomes, segments, date, comment) repeated on each of their rows,
  or held in a separate respondents table joined on the id (a warehouse's fact and dimension
  tables, or an imported :class:`~cycle_analytics.dataset.Survey`).
* :class:`WideLayout` - one row per respondent, one column per stage.
* :class:`ScoreRules` - how a cell becomes a score: the scale, the N/A codes and answer labels.

Only names are held here; the queries that read the columns are in
:mod:`cycle_analytics.engine.respondents`.

Examples
--------
>>> LongLayout(respondent="id", stage="stage", score="score", outcomes=["overall"]).columns()
('id', 'stage', 'score', 'overall')
>>> WideLayout(["wait", "teller"]).stage_columns
(('wait', 'wait'), ('teller', 'teller'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale

__all__ = ["LongLayout", "WideLayout", "ScoreRules", "Layout", "validate_layout_columns", "named_layout"]


def _names(values) -> tuple[str, ...]:
    """A tuple of column names from None, one name or a sequence of names."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


def _pairs(values) -> tuple[tuple[object, str], ...]:
    """``(raw value, name)`` pairs from a mapping, a sequence of pairs or a sequence of names."""
    if values is None:
        return ()
    if isinstance(values, Mapping):
        return tuple((k, str(v)) for k, v in values.items())
    out = []
    for v in values:
        if isinstance(v, (tuple, list)) and len(v) == 2:
            out.append((v[0], str(v[1])))
        else:
            out.append((v, str(v)))
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class _Attributes:
    """The per-respondent columns both layouts share (keyword-only fields of the layouts)."""

    outcomes: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    date: str | None = None
    comment: str | None = None
    date_format: str = "%Y-%m-%d"
    segment_orders: tuple[tuple[str, tuple], ...] = ()
    ordinal_segments: tuple[str, ...] = ()
    weight: str | None = None

    def _normalise_attributes(self) -> None:
        object.__setattr__(self, "outcomes", _names(self.outcomes))
        object.__setattr__(self, "segments", _names(self.segments))
        orders = self.segment_orders.items() if isinstance(self.segment_orders, Mapping) else self.segment_orders
        object.__setattr__(self, "segment_orders", tuple((str(c), tuple(v)) for c, v in orders))
        object.__setattr__(self, "ordinal_segments", _names(self.ordinal_segments))

    def segment_order(self, segment: str) -> tuple:
        """The order of ``segment``'s values the user gave (empty: sorted)."""
        return dict(self.segment_orders).get(segment, ())

    def attribute_columns(self) -> tuple[str, ...]:
        """The per-respondent columns, outcomes first."""
        return (*self.outcomes, *self.segments, *((self.date,) if self.date else ()), *((self.comment,) if self.comment else ()),
                *((self.weight,) if self.weight else ()))


@dataclass(frozen=True)
class LongLayout(_Attributes):
    """One row per answer.

    Parameters
    ----------
    respondent, stage, score : str
        The respondent id, stage and score columns.
    stages : sequence of str, optional
        The stages in cycle order. Stage values that map to no name listed here are answers to an
        unknown stage (counted, not used). Default: every stage value, in sorted order.
    stage_values : mapping or sequence of (value, name), optional
        Raw stage values and the stage names they stand for (question codes such as ``Q7A``, or
        integer codes); values not listed are their own names (surrounding spaces removed).
    more_stages : bool, default False
        Stage names answered but not in ``stages`` are further stages after them (sorted), not
        unknown stages: ``stages`` is then only an order (for example the order read from a sample).
    outcomes, segments : sequence of str
        Outcome candidate and segment columns (per respondent).
    date, comment : str, optional
        The date and comment columns (per respondent).
    date_format : str
        ``strftime`` format of a date column held as text (default ISO ``%Y-%m-%d``).
    segment_orders : mapping of str to sequence, optional
        The order of a segment column's values in the tables (an imported survey's category
        order, or age bands in their order); values not listed follow, sorted. Default: sorted.
    ordinal_segments : sequence of str
        Segment columns whose values are ordered (ordinal): their comparison says so, as for an
        ordered categorical of an imported survey.
    weight : str, optional
        The survey-weight column (per respondent; numbers, or text holding numbers). Every table
        is then weighted as an imported survey's with ``ImportOptions.weight``: a missing,
        negative or non-numeric weight counts as 0 (see :meth:`SurveyEngine.weight_use`).

    Per-respondent columns are read in the answers table (the respondent's value is the largest
    of its rows, which is the value when the export repeats it on every row) unless the source has
    a separate respondents table, which then holds them, keyed by the same id.
    """

    respondent: str
    stage: str
    score: str
    _: KW_ONLY
    stages: tuple[str, ...] | None = None
    stage_values: tuple[tuple[object, str], ...] = ()
    more_stages: bool = False

    def __post_init__(self) -> None:
        self._normalise_attributes()
        if self.stages is not None:
            object.__setattr__(self, "stages", tuple(str(s) for s in self.stages))
        object.__setattr__(self, "stage_values", _pairs(self.stage_values))

    @property
    def kind(self) -> str:
        return "long"

    def columns(self) -> tuple[str, ...]:
        """Every column the layout reads, the answers' columns first."""
        return (self.respondent, self.stage, self.score, *self.attribute_columns())


@dataclass(frozen=True)
class WideLayout(_Attributes):
    """One row per respondent, one column per stage.

    Parameters
    ----------
    stage_columns : mapping or sequence
        The stage columns in cycle order: column names (the stage is named after its column), or
        ``(column, stage name)`` pairs, or a mapping column -> stage name.
    respondent : str, optional
        The respondent id column (only shown next to comments; respondents need no id here).
    outcomes, segments, date, comment, date_format, segment_orders, ordinal_segments, weight
        As in :class:`LongLayout`.
    """

    stage_columns: tuple[tuple[str, str], ...]
    _: KW_ONLY
    respondent: str | None = None

    def __post_init__(self) -> None:
        self._normalise_attributes()
        object.__setattr__(self, "stage_columns", tuple((str(c), n) for c, n in _pairs(self.stage_columns)))

    @property
    def kind(self) -> str:
        return "wide"

    @property
    def stages(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.stage_columns)

    def columns(self) -> tuple[str, ...]:
        """Every column the layout reads, the stage columns first."""
        own = tuple(c for c, _ in self.stage_columns)
        return (*own, *((self.respondent,) if self.respondent else ()), *self.attribute_columns())


Layout = LongLayout | WideLayout


@dataclass(frozen=True)
class ScoreRules:
    """How a stage cell becomes a score (the importer's rules for numbers and N/A codes).

    Parameters
    ----------
    scale : Scale, optional
        The rating scale; default: inferred from the numbers in the stage cells as the importer
        does (:func:`cycle_analytics.scales.infer_scale_from_counts`).
    na_values : sequence of str
        N/A codes: text compared without regard to case and surrounding spaces, and numbers.
    labels : mapping or sequence of (label, score or None)
        Answer labels and their scores (``None`` = no answer), compared as
        :func:`cycle_analytics.ingest.labels.label_key` compares them; the importer's label
        matching passes its result here.
    """

    scale: Scale | None = None
    na_values: tuple[str, ...] = ()
    labels: tuple[tuple[str, float | None], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "na_values", _names(self.na_values))
        labels = self.labels.items() if isinstance(self.labels, Mapping) else self.labels
        object.__setattr__(self, "labels", tuple((str(k), None if v is None else float(v)) for k, v in labels))
        if self.scale is not None and not isinstance(self.scale, Scale):
            raise SurveyError(_("The scale must be a Scale such as 1-5, not {scale!r}.").format(scale=self.scale))


def validate_layout_columns(layout: Layout, columns: Sequence[str], respondent_columns: Sequence[str] | None = None) -> None:
    """Every column the layout names must be in the table (or in the respondents table).

    Raises :class:`~cycle_analytics.errors.SurveyError` naming the first missing column and the
    columns there are, or a column given two roles.

    >>> validate_layout_columns(LongLayout("id", "stage", "score"), ["id", "stage", "score"])
    >>> validate_layout_columns(LongLayout("id", "stage", "points"), ["id", "stage", "score"])
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: There is no column 'points' (the score column) in the table; its columns are: 'id', 'stage', 'score'.
    """
    if not isinstance(layout, (LongLayout, WideLayout)):
        raise SurveyError(_("The layout must be a LongLayout or a WideLayout, not a {type}.").format(type=type(layout).__name__))
    roles = _layout_roles(layout)
    seen: dict[str, str] = {}
    for column, role in roles:
        if column in seen and seen[column] != role:
            raise SurveyError(_("The column {column!r} cannot be both the {role} and the {other_role}.").format(
                column=column, role=seen[column], other_role=role))
        seen[column] = role
    if isinstance(layout, WideLayout) and not layout.stage_columns:
        raise SurveyError(_("A wide layout needs at least one stage column."))
    if isinstance(layout, WideLayout) and len(set(layout.stages)) != len(layout.stages):
        raise SurveyError(_("Two stage columns of the wide layout have the same stage name."))
    for column in (*(c for c, _values in layout.segment_orders), *layout.ordinal_segments):
        if column not in layout.segments:
            raise SurveyError(_("The column {column!r} is given an order of values but is not one of the segment columns.").format(
                column=column))
    have = set(columns)
    extra = set(respondent_columns or ())
    attributes = set(layout.attribute_columns())
    for column, role in roles:
        in_respondents = respondent_columns is not None and column in attributes
        if column in (extra if in_respondents else have):
            continue
        shown = ", ".join(repr(c) for c in list(columns)[:20]) + (" ..." if len(columns) > 20 else "")
        message = (_("There is no column {column!r} (the {role}) in the respondents table; its columns are: {columns}.")
                   if in_respondents else
                   _("There is no column {column!r} (the {role}) in the table; its columns are: {columns}."))
        raise SurveyError(message.format(column=column, role=role, columns=shown))


def _layout_roles(layout: Layout) -> list[tuple[str, str]]:
    """``(column, role)`` of every column the layout names (the role in the language of the run)."""
    roles: list[tuple[str, str]] = []
    if isinstance(layout, LongLayout):
        roles += [(layout.respondent, _("respondent id column")), (layout.stage, _("stage column")),
                  (layout.score, _("score column"))]
    else:
        roles += [(c, _("column of the stage {stage!r}").format(stage=n)) for c, n in layout.stage_columns]
        if layout.respondent:
            roles.append((layout.respondent, _("respondent id column")))
    roles += [(c, _("outcome column")) for c in layout.outcomes]
    roles += [(c, _("segment column")) for c in layout.segments]
    if layout.date:
        roles.append((layout.date, _("date column")))
    if layout.comment:
        roles.append((layout.comment, _("comment column")))
    if layout.weight:
        roles.append((layout.weight, _("survey-weight column")))
    return roles


def named_layout(layout: Layout, names: Mapping[str, str]) -> Layout:
    """``layout`` with its stages called by ``names`` (a stage's name, or its raw value or column,
    mapped to the name people use; stages not listed keep theirs). The answers are read as before:
    only what the stages are called changes, in every table, figure and sentence. The names are
    the caller's to check (an upload's and a source's by the same rules:
    :func:`cycle_analytics.outputs.display_names.clean_display_name`,
    :func:`~cycle_analytics.outputs.display_names.validate_distinct_stage_names`).

    Examples
    --------
    >>> long = LongLayout("id", "stage", "score", stages=["Q7A", "Q7B"])
    >>> named = named_layout(long, {"Q7A": "Parking", "Q7B": "Check-in"})
    >>> named.stages, named.stage_values
    (('Parking', 'Check-in'), (('Q7A', 'Parking'), ('Q7B', 'Check-in')))
    >>> named_layout(WideLayout(["q1", "q2"]), {"q2": "Waiting"}).stage_columns
    (('q1', 'q1'), ('q2', 'Waiting'))
    """
    names = {str(k).strip(): str(v) for k, v in dict(names).items()}
    if isinstance(layout, WideLayout):
        columns = tuple((c, names.get(stage, names.get(c, stage))) for c, stage in layout.stage_columns)
        return WideLayout(columns, respondent=layout.respondent, **_attributes_of(layout))
    listed = {str(raw).strip(): stage for raw, stage in layout.stage_values}
    values = {raw: names.get(stage, names.get(raw, stage)) for raw, stage in listed.items()}
    # a name keyed by a value that is neither a listed raw value nor a listed stage: a raw value named as it is
    values.update({raw: name for raw, name in names.items() if raw not in listed and raw not in set(listed.values())})
    renamed = {listed[raw]: name for raw, name in values.items() if raw in listed}  # a stage named by its raw value
    stages = None if layout.stages is None else tuple(renamed.get(s, names.get(s, s)) for s in layout.stages)
    return LongLayout(layout.respondent, layout.stage, layout.score, stages=stages, stage_values=tuple(values.items()),
                      more_stages=layout.more_stages, **_attributes_of(layout))


def _attributes_of(layout: Layout) -> dict:
    """The per-respondent fields of ``layout`` (the keyword arguments both layouts share)."""
    return {f: getattr(layout, f) for f in _Attributes.__dataclass_fields__}
