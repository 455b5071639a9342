"""Column profiles: what the importer knows about one input column, computed per distinct value.

A :class:`ColumnProfile` holds, for each distinct cell text of a column (a few dozen for a rating
column), its stripped text, how many rows hold it, and whether it is empty, an N/A code or a
number. Every decision of the layouts (a rating column? a date? which class has a cell?) reads
these per-value arrays and reaches the rows only through the column's integer codes.

Example
-------
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"id,wait,when\\nA,4,2024-03-05\\nB,N/A,2024-03-06\\nC,2,2024-03-07\\n")
>>> wait = profile_column(raw.column("wait"), ("N/A",))
>>> wait.n_values, wait.n_answers, wait.number_counts(), rating_fit(wait)
(3, 2, {4.0: 1, 2.0: 1}, (True, ''))
>>> looks_like_dates(profile_column(raw.column("when"), ()))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cycle_analytics.cycles import normalise_key
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.common import looks_like_date
from cycle_analytics.ingest.names import is_no_answer
from cycle_analytics.ingest.reading import RawColumn
from cycle_analytics.scales import Scale, infer_scale_from_counts

__all__ = [
    "EMPTY", "NA", "OK", "NOT_NUMBER", "OUT_OF_SCALE", "NUMBER_TEXT", "ColumnProfile", "profile_column", "find_column",
    "classify_values", "is_binary_01", "rating_fit", "parse_dates", "looks_like_dates", "mostly_datelike",
    "canonical_values", "missing_tokens", "MAX_TOKEN_VALUES", "NO_COLUMN_FOR",
]

#: Value classes of a stage or score cell (:func:`classify_values`).
EMPTY, NA, OK, NOT_NUMBER, OUT_OF_SCALE = 0, 1, 2, 3, 4

#: A cell that is a number: optional sign, digits, a decimal point or comma (Arrow regex syntax).
NUMBER_TEXT = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$"

DATE_SAMPLE = 200  # distinct values looked at to tell a date column
MAX_TOKEN_VALUES = 10_000  # columns with more distinct values (ids, free text) get no built-in N/A tokens


@dataclass(eq=False)
class ColumnProfile:
    """One input column seen through its distinct values (all arrays aligned with ``raw.values``).

    ``trimmed``: the values without surrounding spaces; ``counts``: rows per value; ``empty``,
    ``na``: masks (``na``: the user's N/A codes, the built-in missing-answer tokens and labels,
    and later the N/A codes the importer infers or the file declares); ``num``: the number a value
    reads as (NaN for text); ``value_labels``: code text -> label (SPSS / Stata files). Label scoring
    (:mod:`~cycle_analytics.ingest.layouts.text_answers`) sets ``unknown``, ``label_variant`` and
    ``label_scale`` and rewrites ``num`` / ``na`` of the labels it scores, which is why the profile
    is mutable. Profiles compare by identity (column names are unique).
    """

    raw: RawColumn
    question: str
    trimmed: pa.Array
    counts: np.ndarray
    empty: np.ndarray
    na: np.ndarray
    num: np.ndarray
    unknown: np.ndarray | None = None  # distinct values that are answer labels nobody knows (label columns)
    label_variant: str = ""  # the label set that scored this column's text answers
    label_scale: Scale | None = None
    value_labels: dict | None = None  # code text -> label, from an SPSS / Stata file

    @property
    def name(self) -> str:
        return self.raw.name

    @property
    def n_values(self) -> int:
        """Non-empty cells."""
        return int(self.counts[~self.empty].sum())

    @property
    def n_answers(self) -> int:
        """Non-empty cells that are not N/A."""
        return int(self.counts[~self.empty & ~self.na].sum())

    @property
    def n_numeric(self) -> int:
        """Answers that are numbers."""
        return int(self.counts[~self.empty & ~self.na & ~np.isnan(self.num)].sum())

    @property
    def n_unique(self) -> int:
        """Distinct non-empty values that occur."""
        return int(((self.counts > 0) & ~self.empty).sum())

    @property
    def numeric_share(self) -> float:
        """Share of the answers that are numbers (0 without answers)."""
        a = self.n_answers
        return self.n_numeric / a if a else 0.0

    def number_counts(self) -> dict[float, int]:
        """Number -> answers holding it (``"4"`` and ``"4.0"`` count together)."""
        keep = (self.counts > 0) & ~self.empty & ~self.na & ~np.isnan(self.num)
        out: dict[float, int] = {}
        for v, c in zip(self.num[keep].tolist(), self.counts[keep].tolist()):
            out[v] = out.get(v, 0) + c
        return out

    def texts(self, mask: np.ndarray | None = None) -> list[str]:
        """The stripped values (where ``mask``) as Python strings."""
        arr = self.trimmed if mask is None else self.trimmed.filter(pa.array(mask))
        return arr.to_pylist()

    def mean_text_length(self) -> float:
        """Mean length of the distinct non-empty values that occur."""
        keep = (self.counts > 0) & ~self.empty
        if not keep.any():
            return 0.0
        lengths = pc.utf8_length(self.trimmed.filter(pa.array(keep))).to_numpy(zero_copy_only=False)
        return float(lengths.mean())

    def own_arrays(self) -> None:
        """Own copies of ``num`` and ``na`` before writing to them (Arrow may hand out read-only views)."""
        if not self.num.flags.writeable:
            self.num = self.num.copy()
        if not self.na.flags.writeable:
            self.na = self.na.copy()


def profile_column(raw: RawColumn, na_values: tuple[str, ...], question: str = "") -> ColumnProfile:
    """Profile ``raw``; ``na_values`` are the N/A codes (text, case and spaces ignored, and numbers).

    The built-in missing-answer tokens and labels (:func:`cycle_analytics.ingest.names.is_no_answer`:
    ``NA``, ``#N/A``, ``-``, ``Don't know``, ``Tidak tahu``, ``No sabe``...) are N/A too, in columns of
    at most :data:`MAX_TOKEN_VALUES` distinct values (answers; ids and free text are left alone).
    """
    values = raw.values
    trimmed = pc.utf8_trim_whitespace(values)
    empty = pc.equal(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
    is_num = pc.match_substring_regex(trimmed, NUMBER_TEXT)
    fixed = pc.replace_substring(trimmed, ",", ".")
    num = pc.cast(pc.if_else(is_num, fixed, pa.scalar(None, pa.string())), pa.float64()).to_numpy(zero_copy_only=False)
    num = np.asarray(num, dtype=float)
    na = _na_mask(trimmed, num, na_values) | missing_tokens(trimmed, num)
    na &= ~empty
    return ColumnProfile(raw=raw, question=question, trimmed=trimmed, counts=raw.counts(), empty=np.asarray(empty, bool),
                         na=na, num=num)


def missing_tokens(trimmed: pa.Array, num: np.ndarray) -> np.ndarray:
    """Which distinct values are built-in missing-answer tokens or no-answer labels (never numbers);
    all ``False`` for a column of more than :data:`MAX_TOKEN_VALUES` values."""
    out = np.zeros(len(trimmed), dtype=bool)
    if len(trimmed) > MAX_TOKEN_VALUES:
        return out
    text = np.isnan(num)
    if text.any():
        idx = np.nonzero(text)[0]
        out[idx] = [is_no_answer(t) for t in trimmed.take(pa.array(idx)).to_pylist()]
    return out


def _na_mask(trimmed: pa.Array, num: np.ndarray, na_values: tuple[str, ...]) -> np.ndarray:
    """Which values are N/A codes: equal as text (case ignored), or as numbers."""
    na = np.zeros(len(trimmed), dtype=bool)
    if not na_values:
        return na
    texts = [str(v).strip().casefold() for v in na_values if str(v).strip()]
    if texts:
        na |= pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(texts, pa.string())).to_numpy(zero_copy_only=False)
    nums = []
    for t in texts:
        try:
            nums.append(float(t.replace(",", ".")))
        except ValueError:
            pass
    if nums:
        na |= np.isin(num, np.array(nums))
    return na


#: Role of a column the manager named -> the sentence when no column matches (one whole sentence
#: per role, so each reads naturally in every language).
NO_COLUMN_FOR = {
    "outcome": N_("There is no column {text!r} to use as the outcome; the columns are: {shown}."),
    "weight": N_("There is no column {text!r} to use as the survey weight; the columns are: {shown}."),
    "date": N_("There is no column {text!r} to use as the date; the columns are: {shown}."),
    "stage": N_("There is no column {text!r} to use as a stage; the columns are: {shown}."),
    "mapped_stage": N_("There is no column {text!r} to use as a stage in your stage mapping; the columns are: {shown}."),
    "segment": N_("There is no column {text!r} to use as a segment; the columns are: {shown}."),
}


def find_column(text: str, cols: list[ColumnProfile], role: str) -> ColumnProfile:
    """The column whose header or question text matches ``text`` (exact, then ignoring case/punctuation).

    Raises :class:`~cycle_analytics.errors.SurveyError` with the sentence of ``role`` (a key of
    :data:`NO_COLUMN_FOR`) and the columns when none does.
    """
    for c in cols:
        if c.name == text:
            return c
    key = normalise_key(text)
    for c in cols:
        if normalise_key(c.name) == key or (c.question and normalise_key(c.question) == key):
            return c
    shown = ", ".join(repr(c.name) for c in cols[:15]) + (" ..." if len(cols) > 15 else "")
    raise SurveyError(_(NO_COLUMN_FOR[role]).format(text=text, shown=shown))


def classify_values(col: ColumnProfile, scale: Scale) -> np.ndarray:
    """Class of each distinct value: EMPTY, NA, OK, NOT_NUMBER or OUT_OF_SCALE."""
    cls = np.full(len(col.num), NOT_NUMBER, dtype=np.int8)
    isnum = ~np.isnan(col.num)
    cls[isnum] = np.where(scale.contains(np.where(isnum, col.num, 0.0))[isnum], OK, OUT_OF_SCALE)
    cls[col.na] = NA
    cls[col.empty] = EMPTY
    return cls


def is_binary_01(col: ColumnProfile) -> bool:
    """The column's numbers are exactly 0 and 1 (a yes/no column)."""
    vals = set(col.number_counts())
    return len(vals) == 2 and vals <= {0.0, 1.0}


def rating_fit(col: ColumnProfile) -> tuple[bool, str]:
    """Whether a column's values look like answers on a rating scale, and why not."""
    if col.n_values == 0:
        return False, _("empty column")
    if col.n_answers == 0:
        return False, _("only N/A answers")
    share = col.numeric_share
    if share < 0.5:
        return False, _("mostly text ({n} different values)").format(n=format_number(col.n_unique))
    counts = col.number_counts()
    if len(counts) < 2:
        return False, _("a single value ({value})").format(value=f"{next(iter(counts)):g}")
    if is_binary_01(col):
        return False, _("only the values 0 and 1 (a yes/no column)")
    if infer_scale_from_counts(counts, coverage=0.95) is None:
        vals = np.fromiter(counts.keys(), dtype=float)
        whole = np.all(np.floor(vals) == vals)
        if not whole:
            return False, _("numbers that are not whole points ({low} to {high})").format(
                low=f"{vals.min():g}", high=f"{vals.max():g}")
        return False, _("values from {low} to {high} do not fit a rating scale").format(
            low=f"{vals.min():g}", high=f"{vals.max():g}")
    return True, ""


def parse_dates(texts: list[str]) -> tuple[np.ndarray, float]:
    """Parse distinct date texts; returns datetime64[ns] values (NaT where unparsable) and the share parsed.

    ISO 8601 first, then mixed formats month-first, then day-first; the reading that parses the
    most wins (time zones are converted to naive UTC).
    """
    if not texts:
        return np.array([], dtype="datetime64[ns]"), 0.0
    ser = pd.Series(texts, dtype=object)
    best, best_share = None, -1.0
    for kwargs in ({"format": "ISO8601"}, {"format": "mixed", "dayfirst": False}, {"format": "mixed", "dayfirst": True}):
        try:
            parsed = pd.to_datetime(ser, errors="coerce", **kwargs)
        except (ValueError, TypeError, OverflowError):
            continue
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_convert(None)
        share = float(parsed.notna().mean())
        if share > best_share:
            best, best_share = parsed, share
        if share >= 0.999:
            break
    if best is None:
        return np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]"), 0.0
    return best.to_numpy(dtype="datetime64[ns]"), best_share


def _date_sample(col: ColumnProfile) -> list[str]:
    """The first distinct non-empty values (up to ``DATE_SAMPLE``)."""
    idx = np.nonzero((col.counts > 0) & ~col.empty)[0][:DATE_SAMPLE]
    return col.trimmed.take(pa.array(idx)).to_pylist()


def looks_like_dates(col: ColumnProfile) -> bool:
    """A response-date column: mostly text, 90% of a sample starts like a date and parses as one."""
    keep = (col.counts > 0) & ~col.empty
    if not keep.any() or col.numeric_share > 0.5:
        return False
    sample = _date_sample(col)
    if sum(1 for t in sample if looks_like_date(t)) < 0.9 * len(sample):
        return False
    parsed, share = parse_dates(sample)
    ok = parsed[~np.isnat(parsed)]
    # a time of day stored on Excel's day zero (12/31/1899) is not a response date
    return share >= 0.9 and bool((ok >= np.datetime64("1900-01-01")).all())


def mostly_datelike(col: ColumnProfile) -> bool:
    """90% of a sample of the values starts like a date (no parsing: a cheap test)."""
    sample = _date_sample(col)
    return bool(sample) and sum(1 for t in sample if looks_like_date(t)) >= 0.9 * len(sample)


def canonical_values(col: ColumnProfile) -> tuple[pa.Array, np.ndarray]:
    """Distinct stripped texts (first-appearance order) and, per dictionary value, its index there."""
    if len(col.trimmed) == 0:
        return col.trimmed, np.zeros(0, dtype=np.int64)
    if pc.all(pc.equal(col.raw.values, col.trimmed)).as_py():  # nothing to strip: values are distinct
        return col.trimmed, np.arange(len(col.trimmed), dtype=np.int64)
    uniq = pc.unique(col.trimmed)
    return uniq, np.asarray(pc.index_in(col.trimmed, value_set=uniq).to_numpy(zero_copy_only=False), dtype=np.int64)
