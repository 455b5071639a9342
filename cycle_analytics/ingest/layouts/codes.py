"""Integer-code helpers of the layouts: rows are handled as codes into distinct values, never as text.

Example
-------
>>> import numpy as np
>>> duplicated(np.array([3, 1, 3, 2, 1])).tolist(), n_distinct(np.array([3, 1, 3]))
([False, False, True, False, True], 2)
>>> first_per_respondent(np.array([7, 8, 9, 6]), np.array([False, True, True, True]), np.array([0, 0, 1, 1]), 3).tolist()
[8, 9, -1]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cycle_analytics.ingest.layouts.columns import ColumnProfile

__all__ = ["n_distinct", "duplicated", "first_per_respondent", "categorical_from_codes", "empty_rows"]


def n_distinct(codes: np.ndarray) -> int:
    """How many different non-negative codes occur."""
    return int(np.count_nonzero(np.bincount(codes))) if codes.size else 0


def duplicated(key: np.ndarray) -> np.ndarray:
    """Boolean mask: the entry repeats an earlier entry of ``key`` (non-negative int64)."""
    if key.size == 0:
        return np.zeros(0, dtype=bool)
    top = int(key.max()) + 1
    if top <= 4 * key.size + 1024:
        counts = np.bincount(key, minlength=top)
        if counts.max() <= 1:
            return np.zeros(key.size, dtype=bool)
        cand = np.nonzero(counts[key] > 1)[0]
        out = np.zeros(key.size, dtype=bool)
        out[cand] = pd.Series(key[cand]).duplicated(keep="first").to_numpy()
        return out
    return pd.Series(key).duplicated(keep="first").to_numpy()


def first_per_respondent(codes: np.ndarray | None, valid: np.ndarray, resp: np.ndarray, n_resp: int) -> np.ndarray:
    """For each respondent, the value code on their first row where ``valid`` (-1 when none).

    ``codes=None`` gives the row index itself (as if ``codes`` were ``np.arange(len(valid))``).
    """
    rows = np.nonzero(valid)[0]
    first = np.full(n_resp, np.iinfo(np.int64).max, dtype=np.int64)
    r = resp[rows]
    # rows are increasing, so the reversed assignment leaves the first row per respondent;
    # np.minimum.at makes that order-independent
    np.minimum.at(first, r, rows)
    out = np.full(n_resp, -1, dtype=np.int64)
    has = first != np.iinfo(np.int64).max
    out[has] = first[has] if codes is None else codes[first[has]]
    return out


def categorical_from_codes(value_codes: np.ndarray, texts_arr: pa.Array) -> pd.Categorical:
    """Categorical from per-row codes into ``texts_arr`` (stripped texts, may repeat); -1 = missing.

    Equal texts become one category; categories nobody uses are dropped; first-use order is kept.
    """
    uniq = pc.unique(texts_arr)
    remap = np.asarray(pc.index_in(texts_arr, value_set=uniq).to_numpy(zero_copy_only=False), dtype=np.int64)
    codes = np.where(value_codes >= 0, remap[np.clip(value_codes, 0, None)], -1)
    used = np.zeros(len(uniq), dtype=bool)
    used[codes[codes >= 0]] = True
    order = np.nonzero(used)[0]
    new = np.full(len(uniq), -1, dtype=np.int64)
    new[order] = np.arange(order.size)
    cats = pd.Index(uniq.take(pa.array(order)).to_pylist(), dtype="str")
    return pd.Categorical.from_codes(np.where(codes >= 0, new[np.clip(codes, 0, None)], -1), categories=cats)


def empty_rows(cols: list[ColumnProfile], n: int) -> np.ndarray:
    """Rows where every cell is empty (checked only on the rows where the first column is empty)."""
    mask = np.zeros(n, dtype=bool)
    if not cols or not cols[0].empty.any():
        return mask
    rows = np.nonzero(cols[0].empty[cols[0].raw.codes])[0]
    for c in cols[1:]:
        if rows.size == 0:
            break
        rows = rows[c.empty[c.raw.codes[rows]]]
    mask[rows] = True
    return mask
