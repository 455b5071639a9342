"""SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files -> a raw table, with what the file declares.

Qualtrics and SurveyMonkey export their responses as SPSS files, and analysts keep surveys as
SPSS or Stata files. Unlike a CSV such a file says what its codes mean: :func:`read_stat_file`
reads it with pyreadstat (``user_missing=True``, so declared missing values stay visible as their
codes) into the same dictionary-encoded :class:`~cycle_analytics.ingest.reading.RawTable` a CSV
gives (numbers as text: ``5``, ``2.5``; dates as ISO text), with an
:class:`~cycle_analytics.ingest.formats.base.ExportLayout` (format ``"spss"`` or ``"stata"``) holding

* ``questions``: each variable's label (its question text), which names the stages;
* ``value_labels``: code text -> label, which give the scale of a rating question and the words
  of a categorical one (:mod:`cycle_analytics.ingest.layouts.declared`);
* ``missing_codes``: the codes the file declares missing (SPSS missing values and ranges over the
  codes that occur; Stata's extended missing values), read as no answer;
* ``measures``: nominal / ordinal / scale, as declared.

A file pyreadstat cannot read is refused with one sentence.

Example
-------
>>> import io, pandas as pd, pyreadstat, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "s.sav")
>>> pyreadstat.write_sav(pd.DataFrame({"q1": [1.0, 5.0, 9.0]}), path, column_labels={"q1": "Room"},
...                      variable_value_labels={"q1": {1: "Poor", 5: "Excellent", 9: "Don't know"}}, missing_ranges={"q1": [9]})
>>> raw = read_stat_file(path, None, "s.sav", "spss")
>>> raw.layout.format, raw.layout.questions, raw.layout.missing_codes, raw.column("q1").cells().tolist()
('spss', {'q1': 'Room'}, {'q1': ('9',)}, ['1', '5', '9'])
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyreadstat  # 22 ms on top of pandas (measured): imported with the reader, not lazily

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.reading import RawColumn, RawTable

__all__ = ["STAT_KINDS", "stat_kind", "read_stat_file"]

STAT_KINDS = ("spss", "stata")
_SPSS_MAGIC = (b"$FL2", b"$FL3")
_STATA_XML = b"<stata_dta>"
_OLD_STATA_VERSIONS = frozenset(range(0x66, 0x74))  # formats 102 to 115 (binary header)


def stat_kind(head: bytes, name: str) -> str | None:
    """``"spss"`` or ``"stata"`` when the first bytes say so (or, for old Stata files, the bytes
    and a ``.dta`` name); else ``None``.

    >>> stat_kind(b"$FL2@(#) SPSS", "x.sav"), stat_kind(b"<stata_dta><header>", "x"), stat_kind(b"id,q1", "x.csv")
    ('spss', 'stata', None)
    """
    if head[:4] in _SPSS_MAGIC:
        return "spss"
    if head.startswith(_STATA_XML):
        return "stata"
    suffix = Path(name).suffix.lower() if name else ""
    if suffix == ".dta" and len(head) >= 4 and head[0] in _OLD_STATA_VERSIONS and head[1] in (1, 2) and head[2] == 1:
        return "stata"
    return None


def read_stat_file(path: Path | str | None, data: bytes | None, name: str, kind: str) -> RawTable:
    """Read an SPSS or Stata file (from ``path``, else from ``data``) into a :class:`RawTable`.

    ``kind`` is ``"spss"`` or ``"stata"`` (:func:`stat_kind`); ``name`` is used in messages.
    """
    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    source = str(path) if path is not None else io.BytesIO(data)
    label = repr(name) if name else _("(no name)")
    try:
        frame, meta = reader(source, user_missing=True, dates_as_pandas_datetime=True)
    except Exception as exc:  # noqa: BLE001 - pyreadstat raises several types for damaged files
        text = (_("The file {label} could not be read as an SPSS file ({problem}).") if kind == "spss" else
                _("The file {label} could not be read as a Stata file ({problem})."))
        raise SurveyError(text.format(label=label, problem=str(exc).splitlines()[0][:120])) from None
    if frame.shape[1] == 0:
        raise SurveyError(_("The file {label} has no columns to read.").format(label=label))
    if len(frame) == 0:
        raise SurveyError(_("The file {label} has a header but no data rows.").format(label=label))
    names = [str(c) for c in frame.columns]
    columns = tuple(_stat_column(n, _column_texts(frame[c])) for n, c in zip(names, frame.columns))
    layout = _layout(kind, names, meta, columns)
    source_info = {"file_name": name, "kind": kind, "encoding": getattr(meta, "file_encoding", None),
                   "delimiter": None, "sheet": None}
    preview = Preview(rows=(tuple(names),), file_name=name, kind=kind)
    notes = (_("SPSS file: variable labels, value labels and declared missing values were read.") if kind == "spss" else
             _("Stata file: variable labels, value labels and declared missing values were read."),)
    return RawTable(columns=columns, n_rows=len(frame), source=source_info, preview=preview, layout=layout,
                    notes=notes)


def _column_texts(series: pd.Series) -> list[str]:
    """A column's cells as text: whole numbers without a decimal point, dates in ISO form, missing empty."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return ["" if pd.isna(v) else (v.isoformat(sep=" ") if (v.hour or v.minute or v.second) else v.date().isoformat())
                for v in series]
    if pd.api.types.is_numeric_dtype(series.dtype):
        v = series.to_numpy(dtype=float)
        out = np.full(v.size, "", dtype=object)
        ok = ~np.isnan(v)
        whole = ok & (np.floor(v) == v) & (np.abs(v) < 1e15)
        out[whole] = v[whole].astype(np.int64).astype(str)
        other = ok & ~whole
        out[other] = [repr(float(x)) for x in v[other]]
        return out.tolist()
    return ["" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in series.astype(object)]


def _stat_column(name: str, texts: list[str]) -> RawColumn:
    arr = pa.array(texts, pa.string()).dictionary_encode()
    return RawColumn(name, arr.dictionary, arr.indices.to_numpy(zero_copy_only=False).astype(np.int32))


def _code_text(value) -> str:
    """A code as the cells write it (``5.0`` -> ``"5"``)."""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def _layout(kind: str, names: list[str], meta, columns: tuple[RawColumn, ...]) -> ExportLayout:
    """The file's declarations as an :class:`ExportLayout`."""
    labels = getattr(meta, "column_names_to_labels", None) or {}
    questions = {n: str(labels.get(n) or "").strip() or n for n in names}
    value_labels = {str(c): {_code_text(k): str(v) for k, v in (lab or {}).items()}
                    for c, lab in (getattr(meta, "variable_value_labels", None) or {}).items()}
    missing: dict[str, tuple[str, ...]] = {}
    by_name = {c.name: c for c in columns}
    for c, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        codes = _codes_in_ranges(by_name.get(str(c)), ranges)
        if codes:
            missing[str(c)] = codes
    for c, values in (getattr(meta, "missing_user_values", None) or {}).items():
        texts = tuple(_code_text(v) for v in values)
        if texts:
            missing[str(c)] = tuple(dict.fromkeys((*missing.get(str(c), ()), *texts)))
    measures = {str(c): str(m) for c, m in (getattr(meta, "variable_measure", None) or {}).items()}
    return ExportLayout(format=kind, header_row=0, columns=tuple(names), questions=questions,
                        value_labels=value_labels, missing_codes=missing, measures=measures)


def _codes_in_ranges(col: RawColumn | None, ranges) -> tuple[str, ...]:
    """The declared missing codes of one column: single values as written, and each occurring code
    within a declared range ``lo..hi``."""
    out: list[str] = []
    present = []
    if col is not None:
        for t in col.values.to_pylist():
            try:
                present.append((float(t), t))
            except (TypeError, ValueError):
                pass
    for r in ranges or ():
        lo, hi = r.get("lo"), r.get("hi")
        if lo is None or hi is None:
            continue
        if isinstance(lo, str) or isinstance(hi, str):
            out.append(str(lo))
            continue
        if lo == hi:
            out.append(_code_text(lo))
        else:
            out.extend(t for v, t in present if lo <= v <= hi)
    return tuple(dict.fromkeys(out))
