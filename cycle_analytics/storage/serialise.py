"""Saved surveys as bytes and JSON: tables as Parquet, descriptions as JSON.

A survey is stored as named parts: ``meta`` (JSON: the format version, the
:class:`~cycle_analytics.dataset.DatasetInfo` and the cycle) and the tables ``ratings``,
``responses``, ``rejected`` and ``invalid`` (each Parquet with every dtype kept, see
:func:`table_to_bytes`).
:func:`survey_to_bytes` frames the parts into one byte string; the stores keep them as rows.

The format is fixed: saves written by earlier versions open with these functions, and a save
written by a newer version (a higher :data:`FORMAT_VERSION`) is refused with a sentence.

Examples
--------
>>> import pandas as pd
>>> from cycle_analytics.dataset import DatasetInfo, Survey
>>> from cycle_analytics.scales import Scale
>>> s = Survey(pd.DataFrame({"response_id": pd.Categorical([]), "stage": pd.Categorical([], ordered=True),
...            "score": pd.Series([], dtype=float)}), pd.DataFrame({"response_id": pd.Categorical([])}),
...            pd.DataFrame({"row": [], "reason": []}), DatasetInfo("long", 0, 0, 0, 0, 0, Scale(1, 5), ()))
>>> survey_from_bytes(survey_to_bytes(s)).info == s.info
True
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cycle_analytics.cycles import cycle_from_dict, cycle_to_dict
from cycle_analytics.dataset import (
    ColumnRole,
    CommentColumn,
    DatasetInfo,
    ImportanceColumn,
    ImportOptions,
    NaCode,
    OutcomeSpec,
    Survey,
    UnknownLabel,
    empty_invalid,
)
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.export import is_missing
from cycle_analytics.outputs.plans import empty_plans, validate_plans
from cycle_analytics.scales import Scale
from cycle_analytics.stats.alerts import AlertRules, validate_alert_rules

FORMAT_VERSION = 1
TABLES = ("ratings", "responses", "rejected")
_MAGIC = b"SCA-SURVEY\x00"


def validate_survey(survey: Any) -> None:
    """Raise :class:`SurveyError` unless ``survey`` is a :class:`~cycle_analytics.dataset.Survey`."""
    if not isinstance(survey, Survey):
        raise SurveyError(_("Only a Survey can be saved, not {name}.").format(name=type(survey).__name__))


# ---------------------------------------------------------------------------------------------
# JSON


def _json_default(obj: Any):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (tuple, set, frozenset)):
        return list(obj)
    if isinstance(obj, (dt.date, dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def json_text(obj: Any) -> str:
    """``obj`` as the JSON text every saved description uses (numpy numbers, tuples, dates and
    paths converted; non-ASCII kept; NaN allowed).

    >>> json_text({"n": np.int64(3), "stages": ("A", "B")})
    '{"n": 3, "stages": ["A", "B"]}'
    """
    return json.dumps(obj, default=_json_default, ensure_ascii=False, allow_nan=True)


def _scale_to(s: Scale | None):
    return None if s is None else [int(s.minimum), int(s.maximum)]


def _scale_from(v) -> Scale | None:
    return None if v is None else Scale(int(v[0]), int(v[1]))


def _dataclass_from(cls, d: Mapping, converters: Mapping[str, Any]) -> Any:
    """Build ``cls`` from a JSON dict: lists become tuples, unknown keys are ignored (newer saves)."""
    kwargs = {}
    for f in fields(cls):
        if f.name not in d:
            continue
        v = d[f.name]
        if f.name in converters:
            v = converters[f.name](v)
        elif isinstance(v, list):
            v = tuple(v)
        kwargs[f.name] = v
    return cls(**kwargs)


def info_to_dict(info: DatasetInfo) -> dict:
    """``info`` as a JSON-ready dict (the scale as ``[min, max]``, column roles and unknown labels as dicts)."""
    out = {f.name: getattr(info, f.name) for f in fields(DatasetInfo)}
    out["scale"] = _scale_to(info.scale)
    out["columns"] = [asdict(c) for c in info.columns]
    out["unknown_labels"] = [asdict(u) for u in info.unknown_labels]
    for name in ("na_codes", "comment_columns", "importance_columns"):
        out[name] = [asdict(x) for x in getattr(info, name)]
    return json.loads(json_text(out))


def info_from_dict(d: Mapping) -> DatasetInfo:
    """Inverse of :func:`info_to_dict` (unknown keys of newer saves ignored)."""
    return _dataclass_from(
        DatasetInfo,
        d,
        {
            "scale": _scale_from,
            "columns": lambda cs: tuple(ColumnRole(**c) for c in cs),
            "unknown_labels": lambda us: tuple(UnknownLabel(**u) for u in us),
            "source": lambda s: dict(s or {}),
            "na_codes": lambda cs: tuple(NaCode(**c) for c in cs),
            "comment_columns": lambda cs: tuple(CommentColumn(**c) for c in cs),
            "importance_columns": lambda cs: tuple(ImportanceColumn(**c) for c in cs),
            "reasons": lambda r: dict(r or {}),
        },
    )


def options_to_dict(options: ImportOptions | None) -> dict | None:
    """The import options as a JSON-ready dict (with their cycle and scale), or None."""
    if options is None:
        return None
    out = {f.name: getattr(options, f.name) for f in fields(ImportOptions)}
    out["cycle"] = None if options.cycle is None else cycle_to_dict(options.cycle)
    out["scale"] = _scale_to(options.scale)
    return json.loads(json_text(out))


def options_from_dict(d: Mapping | None) -> ImportOptions | None:
    """Inverse of :func:`options_to_dict`."""
    if d is None:
        return None
    return _dataclass_from(ImportOptions, d, {
        "cycle": lambda c: None if c is None else cycle_from_dict(c, source="saved cycle"),
        "scale": _scale_from,
    })


def outcome_to_dict(spec: OutcomeSpec | None) -> dict | None:
    """The outcome choice as a JSON-ready dict, or None."""
    if spec is None:
        return None
    return {"column": spec.column, "kind": spec.kind, "scale": _scale_to(spec.scale), "positive": spec.positive, "label": spec.label}


def outcome_from_dict(d: Mapping | None) -> OutcomeSpec | None:
    """Inverse of :func:`outcome_to_dict`."""
    if d is None:
        return None
    return _dataclass_from(OutcomeSpec, d, {"scale": _scale_from})


def alert_rules_to_dict(rules: AlertRules | None) -> dict | None:
    """The alert rules of a saved survey as a JSON-ready dict (validated), or None.

    >>> alert_rules_to_dict(AlertRules(new_critical=False, stages=("Wait",)))
    {'below_target': True, 'significant_drop': True, 'new_critical': False, 'min_drop': 0.0, 'stages': ['Wait']}
    """
    if rules is None:
        return None
    rules = validate_alert_rules(rules)
    return {"below_target": bool(rules.below_target), "significant_drop": bool(rules.significant_drop),
            "new_critical": bool(rules.new_critical), "min_drop": float(rules.min_drop), "stages": list(rules.stages)}


def alert_rules_from_dict(d: Mapping | None) -> AlertRules | None:
    """Inverse of :func:`alert_rules_to_dict` (unknown keys ignored; a bad value raises :class:`SurveyError`)."""
    if d is None:
        return None
    if not isinstance(d, Mapping):
        raise SurveyError(_('Saved alert rules must be a JSON object such as {"below_target": true, "min_drop": 0.2}.'))
    return validate_alert_rules(_dataclass_from(AlertRules, d, {}))


# ---------------------------------------------------------------------------------------------
# framing named byte parts


def _pack(parts: Iterator[tuple[str, bytes]] | Mapping[str, bytes], magic: bytes = b"") -> bytes:
    """Frame named byte parts: ``magic``, then per part a 2-byte name length, the name (ASCII),
    an 8-byte data length and the data (big-endian lengths)."""
    out = io.BytesIO()
    out.write(magic)
    items = parts.items() if isinstance(parts, Mapping) else parts
    for name, data in items:
        nb = name.encode("ascii")
        out.write(struct.pack(">H", len(nb)))
        out.write(nb)
        out.write(struct.pack(">Q", len(data)))
        out.write(data)
    return out.getvalue()


def _unpack(data, magic: bytes = b"") -> dict[str, memoryview]:
    """Inverse of :func:`_pack`; a foreign or cut-short byte string raises :class:`SurveyError`."""
    view = memoryview(data)
    if bytes(view[: len(magic)]) != magic:
        raise SurveyError(_("These bytes are not a saved survey."))
    pos, parts = len(magic), {}
    try:
        while pos < len(view):
            (n,) = struct.unpack_from(">H", view, pos)
            name = bytes(view[pos + 2 : pos + 2 + n]).decode("ascii")
            pos += 2 + n
            (m,) = struct.unpack_from(">Q", view, pos)
            pos += 8
            if pos + m > len(view):
                raise SurveyError(_("The saved survey is cut short."))
            parts[name] = view[pos : pos + m]
            pos += m
    except struct.error:
        raise SurveyError(_("The saved survey is cut short.")) from None
    return parts


# ---------------------------------------------------------------------------------------------
# tables as Parquet


def _parquet(frame: pd.DataFrame) -> bytes:
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Mixed-type object columns (text and numbers as read): keep them as text, missing as missing.
        frame = frame.copy()
        for c in frame.columns:
            if frame[c].dtype == object:
                frame[c] = pd.array([None if is_missing(v) else str(v) for v in frame[c]], dtype="str")
        table = pa.Table.from_pandas(frame, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", compression_level=1)
    return buf.getvalue()


def _from_parquet(data) -> pd.DataFrame:
    return pq.read_table(pa.BufferReader(data)).to_pandas()


def table_to_bytes(df: pd.DataFrame) -> bytes:
    """One table as bytes: Parquet (zstd) with every dtype kept exactly.

    Parquet alone drops the categories of an empty categorical and turns integer categoricals into
    integers, so each categorical column is stored as its integer codes plus its categories (a
    separate small Parquet part), with the ``ordered`` flag; a categorical whose categories are its
    values in order (``responses.response_id``) is stored once, as its values. Column names of any
    kind (duplicates, numbers) are kept in a JSON header.

    >>> df = pd.DataFrame({"stage": pd.Categorical(["b"], categories=["a", "b"], ordered=True)})
    >>> table_from_bytes(table_to_bytes(df))["stage"].cat.categories.tolist()
    ['a', 'b']
    """
    names = list(df.columns)
    frame = df.reset_index(drop=True)
    frame.columns = [f"c{i}" for i in range(len(names))]
    cats: dict[str, dict] = {}
    extra: dict[str, bytes] = {}
    for i, col in enumerate(list(frame.columns)):
        s = frame[col]
        if not isinstance(s.dtype, pd.CategoricalDtype):
            continue
        codes = s.cat.codes.to_numpy()
        categories = s.cat.categories
        identity = len(codes) == len(categories) and bool(np.array_equal(codes, np.arange(len(codes))))
        cats[col] = {"ordered": bool(s.cat.ordered), "identity": identity, "name": categories.name}
        if identity:
            frame[col] = pd.Series(categories)
        else:
            frame[col] = codes
            extra[f"cat{i}"] = _parquet(pd.DataFrame({"v": pd.Series(categories)}))
    header = {"columns": names, "categorical": cats}
    return _pack({"header": json_text(header).encode("utf-8"), "frame": _parquet(frame), **extra})


def table_from_bytes(data) -> pd.DataFrame:
    """Inverse of :func:`table_to_bytes`."""
    parts = _unpack(data)
    header = json.loads(bytes(parts["header"]).decode("utf-8"))
    frame = _from_parquet(parts["frame"])
    for col, spec in header["categorical"].items():
        i = int(col[1:])
        if spec["identity"]:
            values = frame[col]
            frame[col] = pd.Categorical.from_codes(np.arange(len(values)), categories=pd.Index(values).rename(spec.get("name")), ordered=spec["ordered"])
        else:
            categories = pd.Index(_from_parquet(parts[f"cat{i}"])["v"]).rename(spec.get("name"))
            frame[col] = pd.Categorical.from_codes(frame[col].to_numpy(), categories=categories, ordered=spec["ordered"])
    frame.columns = header["columns"]
    return frame


# ---------------------------------------------------------------------------------------------
# surveys


def _survey_meta(survey: Survey, id_codes: bool) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "info": info_to_dict(survey.info),
        "cycle": None if survey.cycle is None else cycle_to_dict(survey.cycle),
        "ratings_id_codes": id_codes,
    }


def survey_parts(survey: Survey) -> Iterator[tuple[str, bytes]]:
    """The survey as named byte parts, serialised lazily one at a time: ``meta`` (JSON) first,
    then ``ratings``, ``responses``, ``rejected`` and, when there are invalid answers, ``invalid``
    (Parquet; a survey without that part opens with an empty one).

    ``ratings.response_id`` is stored as its integer codes when its categories equal
    ``responses.response_id`` (the dataset contract), so the ids are stored once.
    """
    validate_survey(survey)
    ratings, responses = survey.ratings, survey.responses
    rid = ratings["response_id"] if "response_id" in ratings.columns else None
    id_codes = (
        rid is not None
        and isinstance(rid.dtype, pd.CategoricalDtype)
        and "response_id" in responses.columns
        and isinstance(responses["response_id"].dtype, pd.CategoricalDtype)
        and rid.cat.categories.equals(responses["response_id"].cat.categories)
    )
    yield "meta", json_text(_survey_meta(survey, bool(id_codes))).encode("utf-8")
    if id_codes:
        ratings = ratings.assign(response_id=rid.cat.codes.to_numpy().astype(np.int32))
    yield "ratings", table_to_bytes(ratings)
    yield "responses", table_to_bytes(responses)
    yield "rejected", table_to_bytes(survey.rejected)
    if len(survey.invalid):
        yield "invalid", table_to_bytes(survey.invalid)


def survey_from_parts(parts: Mapping[str, bytes]) -> Survey:
    """Inverse of :func:`survey_parts`."""
    missing = [p for p in ("meta", *TABLES) if p not in parts]
    if missing:
        raise SurveyError(_("The saved survey is incomplete: its {missing} part is missing.").format(missing=missing[0]))
    meta = json.loads(bytes(parts["meta"]).decode("utf-8"))
    if int(meta.get("format_version", 0)) > FORMAT_VERSION:
        raise SurveyError(_("The saved survey was written by a newer version of the program; update it to open the survey."))
    responses = table_from_bytes(bytes(parts["responses"]))
    ratings = table_from_bytes(bytes(parts["ratings"]))
    rejected = table_from_bytes(bytes(parts["rejected"]))
    invalid = table_from_bytes(bytes(parts["invalid"])) if "invalid" in parts else empty_invalid()  # saves before it
    if meta.get("ratings_id_codes"):
        cats = responses["response_id"].cat.categories
        ratings["response_id"] = pd.Categorical.from_codes(ratings["response_id"].to_numpy(), categories=cats)
    return Survey(
        ratings=ratings,
        responses=responses,
        rejected=rejected,
        info=info_from_dict(meta["info"]),
        cycle=None if meta.get("cycle") is None else cycle_from_dict(meta["cycle"], source="saved cycle"),
        invalid=invalid,
    )


def survey_to_bytes(survey: Survey) -> bytes:
    """The whole survey as one byte string (for caches and files); see :func:`survey_from_bytes`.

    Layout: ``b"SCA-SURVEY\\0"``, then per part a 2-byte name length, the name, an 8-byte data
    length and the data (big-endian lengths).
    """
    return _pack(survey_parts(survey), _MAGIC)


def survey_from_bytes(data: bytes) -> Survey:
    """Inverse of :func:`survey_to_bytes`."""
    return survey_from_parts(_unpack(data, _MAGIC))


# ---------------------------------------------------------------------------------------------
# action plans


def plans_to_bytes(plans: pd.DataFrame | None, stages: Sequence[str]) -> bytes | None:
    """Validated action plans (every stage one of ``stages``) as bytes; ``None`` for no plans."""
    if plans is None:
        return None
    return table_to_bytes(validate_plans(plans, tuple(stages)))


def plans_from_bytes(data, stages: Sequence[str]) -> pd.DataFrame:
    """Inverse of :func:`plans_to_bytes`; no data gives an empty plan table for ``stages``."""
    if data is None:
        return empty_plans(stages)
    return table_from_bytes(bytes(data))
