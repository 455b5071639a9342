"""Row accounting: the first reason each data row is rejected for, and the table of rejected rows.

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

from cycle_analytics.ingest.layouts.columns import NOT_NUMBER, OUT_OF_SCALE, ColumnProfile
from cycle_analytics.ingest.reading import RawTable
from cycle_analytics.scales import Scale

__all__ = ["RowRejections", "value_reasons", "rejected_frame"]


@dataclass
class RowRejections:
    """Per table row: the first rejection reason (0 = accepted) and its text.

    Mutable on purpose: the builders mark rows step by step, and the first reason stays.
    """

    code: np.ndarray  # int32, 0 = ok
    texts: list[str]

    @classmethod
    def new(cls, n: int) -> "RowRejections":
        return cls(code=np.zeros(n, dtype=np.int32), texts=[""])

    def reason(self, text: str) -> int:
        """Register a reason; returns its code."""
        self.texts.append(text)
        return len(self.texts) - 1

    def mark(self, mask: np.ndarray, code) -> None:
        """Give ``code`` (int, or int array aligned with rows) to rows in ``mask`` that have no reason yet."""
        sel = mask & (self.code == 0)
        if np.isscalar(code):
            self.code[sel] = code
        else:
            self.code[sel] = np.asarray(code)[sel]


def value_reasons(col: ColumnProfile, classes: np.ndarray, rej: RowRejections, template: str, scale: Scale) -> np.ndarray:
    """One reason code per distinct value of ``col`` (0 when the value is fine).

    ``template`` words the reason from ``value``, ``col`` and ``what`` ("not a number", "outside the
    scale 1-5"); an unknown answer label gets its own sentence.
    """
    out = np.zeros(len(classes), dtype=np.int32)
    bad = np.nonzero(((classes == NOT_NUMBER) | (classes == OUT_OF_SCALE)) & (col.counts > 0))[0]
    texts = col.trimmed.take(pa.array(bad)).to_pylist() if bad.size else []
    for i, t in zip(bad.tolist(), texts):
        if classes[i] == NOT_NUMBER and col.unknown is not None and col.unknown[i]:
            msg = f"column {col.name!r} has the label {t!r}, which is not a known answer label"
        elif classes[i] == NOT_NUMBER:
            msg = template.format(value=t, col=col.name, what="not a number")
        else:
            msg = template.format(value=t, col=col.name, what=f"outside the scale {scale.label()}")
        out[i] = rej.reason(msg)
    return out


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
