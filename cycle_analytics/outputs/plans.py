"""Action plans: the method's steps after prioritising (what to improve, how, who, by when).

An action-plan table has one row per planned action, several rows per stage allowed:

=============== =====================================================================
``stage``       the stage the action improves (ordered category in cycle order when the
                stages are known, else ``str``)
``requirement`` what is needed to improve the stage (``str``, may be empty)
``action``      the action plan (``str``, may be empty)
``owner``       who is responsible (``str``, may be empty)
``due_date``    the due date (``datetime64[ns]`` at midnight; ``NaT`` = none)
``status``      ``planned``, ``in progress`` or ``done``
=============== =====================================================================

A stage has an *open plan* when one of its rows is not ``done`` and says something (a requirement
or an action): the journey and priority charts mark those stages.

Examples
--------
>>> p = plans_from_priorities(pd.DataFrame({"rank": [2, 1], "stage": ["Wait", "Pay"]}))
>>> p[["stage", "status"]].to_dict("records")
[{'stage': 'Pay', 'status': 'planned'}, {'stage': 'Wait', 'status': 'planned'}]
>>> p.loc[0, "action"] = "Add a second till"
>>> sorted(open_plan_stages(validate_plans(p)))
['Pay']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.export import is_missing

PLAN_COLUMNS = ("stage", "requirement", "action", "owner", "due_date", "status")
STATUSES = ("planned", "in progress", "done")
OPEN_STATUSES = ("planned", "in progress")
_TEXT = ("requirement", "action", "owner")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_NUMERIC_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
#: How a typed due date may be written besides ISO: ``"DMY"`` (31/03/2026), ``"MDY"`` (03/31/2026)
#: or ``"ISO"`` (only 2026-03-31). The app picks it from the browser's locale.
DATE_ORDERS = ("ISO", "DMY", "MDY")
_STATUS_ALIASES = {"in-progress": "in progress", "in_progress": "in progress", "inprogress": "in progress",
                   "ongoing": "in progress", "doing": "in progress", "todo": "planned", "to do": "planned",
                   "completed": "done", "complete": "done", "finished": "done"}


def _stage_series(values, stages: Sequence[str] | None) -> pd.Series:
    if stages is None:
        return pd.Series(pd.array(values, dtype="str"))
    return pd.Series(pd.Categorical(values, categories=list(stages), ordered=True))


def empty_plans(stages: Sequence[str] | None = None) -> pd.DataFrame:
    """An action-plan table with no rows and the documented dtypes.

    >>> list(empty_plans(["A", "B"]).columns)
    ['stage', 'requirement', 'action', 'owner', 'due_date', 'status']
    """
    return pd.DataFrame(
        {
            "stage": _stage_series([], None if stages is None else tuple(stages)),
            **{c: pd.Series([], dtype="str") for c in _TEXT},
            "due_date": pd.Series([], dtype="datetime64[ns]"),
            "status": pd.Series([], dtype="str"),
        }
    )


def plans_from_priorities(priorities: pd.DataFrame, stages: Sequence[str] | None = None) -> pd.DataFrame:
    """A starting plan: one ``planned`` row per stage, in priority order (rank 1 first), with
    empty requirement, action, owner and due date.

    ``priorities`` is :func:`cycle_analytics.stats.priorities.priority_ranking`'s table (``rank`` and
    ``stage`` are used). The stage categories are ``stages`` when given, else the ``stage``
    column's categories when it is categorical, else the stages in rank order.
    """
    _validate_priority_table(priorities)
    ranked = priorities.sort_values("rank", kind="stable")
    names = [str(s) for s in ranked["stage"]]
    if stages is None:
        dtype = priorities["stage"].dtype
        stages = [str(c) for c in dtype.categories] if isinstance(dtype, pd.CategoricalDtype) else names
    n = len(names)
    return pd.DataFrame(
        {
            "stage": _stage_series(names, tuple(stages)),
            **{c: pd.Series([""] * n, dtype="str") for c in _TEXT},
            "due_date": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
            "status": pd.Series(["planned"] * n, dtype="str"),
        }
    )


def _validate_priority_table(priorities) -> None:
    """Raise :class:`SurveyError` unless ``priorities`` is a DataFrame with ``rank`` and ``stage``."""
    if not isinstance(priorities, pd.DataFrame) or not {"rank", "stage"} <= set(priorities.columns):
        raise SurveyError(_("The priority table needs the columns rank and stage."))


def _validate_plan_columns(plans: pd.DataFrame, required: Sequence[str]) -> None:
    """Raise :class:`SurveyError` naming the ``required`` columns the action plans lack."""
    missing = [c for c in required if c not in plans.columns]
    if missing:
        raise SurveyError(_("The action plans lack the column(s) {items}.").format(items=', '.join(missing)))


def _blank(v) -> bool:
    """Missing, or text with nothing but white space."""
    return is_missing(v) or (isinstance(v, str) and not v.strip())


def validate_plans(df: pd.DataFrame, stages: Sequence[str] | None = None, *, date_order: str = "ISO") -> pd.DataFrame:
    """Check and normalise an edited action-plan table; returns a new table with the documented dtypes.

    Text is stripped and missing text becomes ``""``; a blank status becomes ``planned``; status
    spellings such as ``In Progress`` or ``completed`` are normalised; due dates are parsed (ISO
    ``YYYY-MM-DD`` text, text in ``date_order``, dates or timestamps) and kept as dates. Rows in which every field is
    blank (an editor's new empty row) carry nothing and are removed; every other row is kept.

    Parameters
    ----------
    df : DataFrame
        The table with the columns :data:`PLAN_COLUMNS` (other columns are refused).
    stages : sequence of str, optional
        The survey's stages in cycle order: every row's stage must be one of them, and ``stage``
        becomes an ordered category in that order. Without it, the stage's categories are kept
        when it is categorical, else it stays text.
    date_order : {"ISO", "DMY", "MDY"}
        How a due date typed as ``dd/mm/yyyy``-like text is read besides ISO (see
        :func:`parse_due_date`); ``"ISO"`` accepts ISO text only.

    Raises
    ------
    SurveyError
        One sentence naming the first bad row (1-based) and field.

    Examples
    --------
    >>> validate_plans(pd.DataFrame({"stage": ["Wait"], "requirement": [""], "action": ["Add a till"],
    ...     "owner": ["Ann"], "due_date": ["2026-03-31"], "status": ["finished"]}))["status"].tolist()
    ['done']
    >>> validate_plans(pd.DataFrame({"stage": ["Wait"], "requirement": [""], "action": [""],
    ...     "owner": [""], "due_date": ["soon"], "status": ["planned"]}))
    Traceback (most recent call last):
    ...
    cycle_analytics.errors.SurveyError: Row 1 of the action plans has the due date 'soon', which is not a date; write it as YYYY-MM-DD.
    """
    if not isinstance(df, pd.DataFrame):
        raise SurveyError(_("The action plans must be a table (DataFrame)."))
    _validate_date_order(date_order)
    _validate_plan_columns(df, PLAN_COLUMNS)
    extra = [str(c) for c in df.columns if c not in PLAN_COLUMNS]
    if extra:
        raise SurveyError(_("The action plans have the unknown column(s) {items}; the columns are {items2}.").format(items=', '.join(extra), items2=', '.join(PLAN_COLUMNS)))
    if stages is None and isinstance(df["stage"].dtype, pd.CategoricalDtype):
        stages = [str(c) for c in df["stage"].cat.categories]
    allowed = None if stages is None else set(map(str, stages))

    rows = {c: [] for c in PLAN_COLUMNS}
    records = df.reset_index(drop=True)[list(PLAN_COLUMNS)].astype(object).to_numpy()
    for i, rec in enumerate(records, start=1):
        vals = dict(zip(PLAN_COLUMNS, rec))
        if all(_blank(vals[c]) for c in PLAN_COLUMNS if c != "status") and (
            _blank(vals["status"]) or str(vals["status"]).strip().lower() == "planned"
        ):
            continue  # an empty row from the editor
        if _blank(vals["stage"]):
            raise SurveyError(_("Row {i} of the action plans has no stage; choose the stage the action improves.").format(i=i))
        stage = str(vals["stage"]).strip()
        if allowed is not None and stage not in allowed:
            raise SurveyError(_("Row {i} of the action plans names the stage {stage!r}, which is not a stage of this survey.").format(i=i, stage=stage))
        status = "planned" if _blank(vals["status"]) else " ".join(str(vals["status"]).split()).lower()
        status = _STATUS_ALIASES.get(status, status)
        if status not in STATUSES:
            raise SurveyError(
                _("Row {i} of the action plans has the status {vals!r}; use planned, in progress or done.").format(i=i, vals=str(vals['status']))
            )
        try:
            due = parse_due_date(vals["due_date"], date_order)
        except SurveyError:
            raise SurveyError(
                _("Row {i} of the action plans has the due date {vals!r}, which is not a date; write it as {date_hint}.").format(i=i, vals=str(vals['due_date']), date_hint=date_hint(date_order))
            ) from None
        rows["stage"].append(stage)
        for c in _TEXT:
            rows[c].append("" if _blank(vals[c]) else str(vals[c]).strip())
        rows["due_date"].append(due)
        rows["status"].append(status)
    return pd.DataFrame(
        {
            "stage": _stage_series(rows["stage"], None if stages is None else tuple(map(str, stages))),
            **{c: pd.Series(rows[c], dtype="str") for c in _TEXT},
            "due_date": pd.Series(pd.to_datetime(pd.Series(rows["due_date"], dtype=object)), dtype="datetime64[ns]")
            if rows["due_date"] else pd.Series([], dtype="datetime64[ns]"),
            "status": pd.Series(rows["status"], dtype="str"),
        }
    )


def _validate_date_order(date_order: str) -> None:
    """Raise :class:`SurveyError` unless ``date_order`` is one of :data:`DATE_ORDERS`."""
    if date_order not in DATE_ORDERS:
        raise SurveyError(_("The date order must be one of {items}, not {date_order!r}.").format(items=', '.join(DATE_ORDERS), date_order=date_order))


def date_hint(date_order: str = "ISO") -> str:
    """How to write a due date, in words: ``YYYY-MM-DD`` plus the ``date_order`` form.

    >>> date_hint("DMY")
    'YYYY-MM-DD or DD/MM/YYYY'
    """
    return {"DMY": "YYYY-MM-DD or DD/MM/YYYY", "MDY": "YYYY-MM-DD or MM/DD/YYYY"}.get(date_order, "YYYY-MM-DD")


def parse_due_date(value, date_order: str = "ISO") -> pd.Timestamp:
    """A due date as a timestamp at midnight (``NaT`` when blank).

    Text is ISO (``2026-03-31``, optionally with a time) or, with ``date_order`` ``"DMY"`` or
    ``"MDY"``, day, month and year separated by ``/``, ``.`` or ``-`` in that order; dates and
    timestamps are taken as they are. Raises :class:`SurveyError` for anything else.

    >>> parse_due_date("31.03.2026", "DMY").date().isoformat(), parse_due_date("3/31/2026", "MDY").date().isoformat()
    ('2026-03-31', '2026-03-31')
    >>> parse_due_date("")
    NaT
    """
    _validate_date_order(date_order)
    if _blank(value):
        return pd.NaT
    try:
        if isinstance(value, str):
            text = value.strip()
            numeric = _NUMERIC_DATE.fullmatch(text)
            if numeric and date_order != "ISO":
                a, b, year = (int(x) for x in numeric.groups())
                day, month = (a, b) if date_order == "DMY" else (b, a)
                return pd.Timestamp(year=year, month=month, day=day)
            if not _looks_like_date(text):
                raise ValueError(text)
            value = text
        due = pd.Timestamp(value)
        if due.tzinfo is not None:
            due = due.tz_convert(None)
        return due.normalize()
    except (ValueError, TypeError, OverflowError):
        raise SurveyError(_("{value!r} is not a date; write it as {date_hint}.").format(value=str(value), date_hint=date_hint(date_order))) from None


def _looks_like_date(text: str) -> bool:
    """ISO dates only (``2026-03-31``, optionally with a time): ``03/04/2026`` is ambiguous and
    pandas would also read words such as ``now``, which a due date must not be."""
    return bool(_ISO_DATE.fullmatch(text.strip()))


def open_plan_stages(plans: pd.DataFrame | None) -> set[str]:
    """Stages with an open plan: a row that is not ``done`` and has a requirement or an action.

    >>> open_plan_stages(None)
    set()
    """
    if plans is None or len(plans) == 0:
        return set()
    _validate_plan_columns(plans, ("stage", "requirement", "action", "status"))
    status = plans["status"].astype(object).map(lambda v: "planned" if _blank(v) else " ".join(str(v).split()).lower())
    status = status.map(lambda s: _STATUS_ALIASES.get(s, s))
    said = ~(plans["requirement"].astype(object).map(_blank) & plans["action"].astype(object).map(_blank))
    keep = status.isin(OPEN_STATUSES).to_numpy() & said.to_numpy() & ~plans["stage"].astype(object).map(_blank).to_numpy()
    return {str(s) for s in plans.loc[np.asarray(keep), "stage"]}
