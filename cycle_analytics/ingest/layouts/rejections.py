"""Row and answer accounting: the first reason each data row is rejected for, the table of rejected
rows, and the invalid answers of accepted rows (:class:`InvalidAnswers`).

A row is rejected only when the row itself is unusable (see the layouts); a bad cell of an accepted
row loses that answer alone and is listed in ``Survey.invalid`` with its row, column, value and
reason.

Example
-------
>>> import numpy as np
>>> rej = RowRejections.new(4)
>>> rej.mark(np.array([False, True, True, False]), rej.reason("missing id"))
>>> rej.mark(np.array([False, False, True, True]), rej.reason("missing score"))
>>> [rej.texts[k] for k in rej.code.tolist()]
['', 'missing id', 'missing id', 'missing score']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from cycle_analytics.dataset import INVALID_COLUMNS, empty_invalid
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.layouts.columns import NOT_NUMBER, OUT_OF_SCALE, ColumnProfile
from cycle_analytics.ingest.reading import RawTable
from cycle_analytics.scales import Scale

__all__ = ["RowRejections", "rejected_frame", "InvalidAnswers", "answer_reason_texts"]


@dataclass
class RowRejections:
    """Per table row: the first rejection reason (0 = accepted) and its text.

    Mutable on purpose: the builders mark rows step by step, and the first reason stays.
    """

    code: np.ndarray  # int32, 0 = ok
    texts: list[str]
    kinds: list[str] = None  # per reason: a machine-readable kind ("" = none), for counts that must not read texts

    def __post_init__(self) -> None:
        if self.kinds is None:
            self.kinds = [""] * len(self.texts)

    @classmethod
    def new(cls, n: int) -> "RowRejections":
        return cls(code=np.zeros(n, dtype=np.int32), texts=[""])

    def reason(self, text: str, kind: str = "") -> int:
        """Register a reason (a sentence for people) and its ``kind`` (for counting); returns its code."""
        self.texts.append(text)
        self.kinds.append(kind)
        return len(self.texts) - 1

    def counts_by_kind(self) -> dict[str, int]:
        """Rejected rows per reason kind (reasons without a kind are not counted here)."""
        counts = np.bincount(self.code, minlength=len(self.texts))
        out: dict[str, int] = {}
        for code, kind in enumerate(self.kinds):
            if kind and counts[code]:
                out[kind] = out.get(kind, 0) + int(counts[code])
        return out

    def mark(self, mask: np.ndarray, code) -> None:
        """Give ``code`` (int, or int array aligned with rows) to rows in ``mask`` that have no reason yet."""
        sel = mask & (self.code == 0)
        if np.isscalar(code):
            self.code[sel] = code
        else:
            self.code[sel] = np.asarray(code)[sel]


def rejected_frame(raw: RawTable, rows: np.ndarray, reasons: list[str]) -> pd.DataFrame:
    """``Survey.rejected``: ``rows`` (table row indexes) with their ``reasons``, plus the reader's bad rows.

    Columns ``row`` (1-based data row number), ``reason``, then every cell as text under its column
    name (a column called ``row`` or ``reason`` becomes ``row (cell)`` / ``reason (cell)``).
    """
    names = list(raw.names)
    out_names = [n if n not in ("row", "reason") else f"{n} (cell)" for n in names]
    numbers = raw.data_row_numbers()
    parts = {"row": list(numbers[rows].tolist()) + [b.row for b in raw.bad_rows],
             "reason": list(reasons) + [b.reason for b in raw.bad_rows]}
    width = len(names)
    for j, (col, out) in enumerate(zip(raw.columns, out_names)):
        cells = col.cells(rows).tolist() if rows.size else []
        for b in raw.bad_rows:
            if j < width - 1:
                cells.append(b.cells[j] if j < len(b.cells) else "")
            else:
                cells.append(",".join(b.cells[j:]) if j < len(b.cells) else "")
        parts[out] = cells
    frame = pd.DataFrame(parts)
    frame["row"] = frame["row"].astype(np.int64)
    for out in out_names:
        frame[out] = frame[out].astype("str")
    frame["reason"] = frame["reason"].astype("str")
    return frame.sort_values("row", kind="stable").reset_index(drop=True)


def answer_reason_texts(col: ColumnProfile, classes: np.ndarray, scale: Scale) -> dict[int, str]:
    """Why each invalid distinct value of ``col`` (class NOT_NUMBER or OUT_OF_SCALE, occurring) is no
    answer: value index -> reason (``"'x' is not a number"``, ``"'9' is outside the scale 1-5"``,
    ``"the label 'Meh' is not a known answer label"``)."""
    bad = np.nonzero(((classes == NOT_NUMBER) | (classes == OUT_OF_SCALE)) & (col.counts > 0))[0]
    texts = col.trimmed.take(pa.array(bad)).to_pylist() if bad.size else []
    out = {}
    for i, t in zip(bad.tolist(), texts):
        if classes[i] == NOT_NUMBER and col.unknown is not None and col.unknown[i]:
            out[i] = _("the label {value!r} is not a known answer label").format(value=t)
        elif classes[i] == NOT_NUMBER:
            out[i] = _("{value!r} is not a number").format(value=t)
        else:
            out[i] = _("{value!r} is outside the scale {scale}").format(value=t, scale=scale.label())
    return out


@dataclass
class InvalidAnswers:
    """The invalid answers of accepted rows, collected column by column (``Survey.invalid``).

    Mutable on purpose: the builders add one column at a time.
    """

    parts: list = None  # (table row indexes, column name, value texts, reasons)

    def __post_init__(self) -> None:
        if self.parts is None:
            self.parts = []

    def add(self, col: ColumnProfile, classes: np.ndarray, accepted: np.ndarray, scale: Scale,
            rows: np.ndarray | None = None) -> int:
        """Add the invalid answers of ``col`` on the accepted table rows; returns how many.

        ``rows``: the table rows the column's codes refer to (all rows when ``None``).
        """
        reasons = answer_reason_texts(col, classes, scale)
        if not reasons:
            return 0
        codes = col.raw.codes if rows is None else col.raw.codes[rows]
        bad_value = np.zeros(len(classes), dtype=bool)
        bad_value[list(reasons)] = True
        hit = bad_value[codes] & (accepted if rows is None else accepted[rows])
        idx = np.nonzero(hit)[0]
        if idx.size == 0:
            return 0
        value_codes = codes[idx]
        texts = np.asarray(col.trimmed.to_numpy(zero_copy_only=False), dtype=object)[value_codes]
        why = np.array([reasons[int(k)] for k in value_codes], dtype=object)
        self.parts.append((idx if rows is None else rows[idx], col.name, texts, why))
        return int(idx.size)

    @property
    def count(self) -> int:
        return sum(len(p[0]) for p in self.parts)

    def frame(self, raw: RawTable) -> pd.DataFrame:
        """``row`` (1-based data row number), ``column``, ``value``, ``reason``; by row, then column order."""
        if not self.parts:
            return empty_invalid()
        numbers = raw.data_row_numbers()
        order = {name: k for k, name in enumerate(raw.names)}
        rows = np.concatenate([numbers[p[0]] for p in self.parts]).astype(np.int64)
        cols = np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in self.parts])
        rank = np.concatenate([np.full(len(p[0]), order.get(p[1], len(order))) for p in self.parts])
        frame = pd.DataFrame({
            "row": rows,
            "column": pd.array(cols, dtype="str"),
            "value": pd.array(np.concatenate([p[2] for p in self.parts]), dtype="str"),
            "reason": pd.array(np.concatenate([p[3] for p in self.parts]), dtype="str"),
        })
        frame["_rank"] = rank
        frame = frame.sort_values(["row", "_rank"], kind="stable").drop(columns="_rank").reset_index(drop=True)
        return frame[list(INVALID_COLUMNS)]
