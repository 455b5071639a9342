"""Raw table -> tidy :class:`~cycle_analytics.dataset.Survey` for the plain long and wide layouts.

* **long**: one row per respondent and stage -- an id column whose values repeat, a stage-name
  column (a few distinct texts, distinct within a respondent) and a numeric score column; the
  respondent's other columns (date, segments, outcomes, comment) repeat on every row and the
  first non-empty value per respondent is kept.
* **wide**: one row per respondent, one column per stage (also survey-tool exports, whose header
  rows an :class:`~cycle_analytics.ingest.formats.base.ExportLayout` has already taken care of).

Everything is computed on the *distinct* cell texts of each column (a few dozen for stage and
score columns) and mapped to rows with integer codes: no Python loop over rows.

Row accounting (``rows_read == rows_accepted + rows_rejected``): a data row is rejected, with the
first matching reason, when

* the reader could not split it into the header's number of cells, or every cell is empty;
* long: the id is missing; the stage is missing, unknown to the cycle or not among the chosen
  stages; the score is missing, not a number or outside the scale; or the respondent already
  rated that stage on an earlier row;
* wide: the id is missing or repeats an earlier row's id; a stage column holds a value that is
  neither empty, an N/A code nor a number, or a number outside the scale (the reason names the
  column and the value).

N/A codes (``ImportOptions.na_values``, compared as text, case and surrounding spaces ignored,
and numerically for numbers) are answers without a score: the row is accepted, no rating is made,
and ``info.na_answers`` counts them.

Wide files (plain or survey-tool exports) may hold choice text instead of codes. Before the stages
are chosen, :func:`cycle_analytics.ingest.labels.match_columns` scores the text columns from their distinct
values (the user's ``ImportOptions.label_map`` first): a known label gets its score, an N/A label
(``N/A``, ``Don't know``...) is no answer, and any other text in a label column is an *unknown
label*: a row holding one in a stage column is rejected with a reason naming the column and the
label, and a note lists each unknown label with its count and columns. When every label stage
column uses the same label set, its scale is used (a 4-point set stays 1-4).

Stages of survey-tool exports: with a cycle, :func:`cycle_analytics.ingest.mapping.map_questions` maps the
rating questions (exact, alias, fuzzy with a confidence, recorded in ``ColumnRole.detail``);
without one the stages are named by :func:`cycle_analytics.ingest.mapping.default_stage_names` (matrix row
label or shortened question). Questions that read like an overall outcome in any of the supported
languages (:func:`cycle_analytics.ingest.mapping.looks_like_outcome`) are outcome candidates, not stages.

Example
-------
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"id,wait,teller,age\\nA,4,5,34\\nB,2,x,51\\nC,3,4,29\\n")
>>> s = build_survey(raw)
>>> s.info.format, s.info.stages, s.info.rows_rejected, list(s.rejected.reason)
('wide', ('wait', 'teller'), 1, ["column 'teller' has 'x', which is not a number"])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cycle_analytics.cycles import Cycle, normalise_key
from cycle_analytics.dataset import ColumnRole, DatasetInfo, ImportOptions, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.labels import label_key, match_columns
from cycle_analytics.ingest.mapping import default_stage_names, looks_like_outcome, map_questions
from cycle_analytics.ingest.reading import RawColumn, RawTable
from cycle_analytics.scales import CANDIDATE_SCALES, Scale, infer_scale_from_counts, parse_scale

# value classes of a stage/score cell
EMPTY, NA, OK, NOT_NUMBER, OUT_OF_SCALE = 0, 1, 2, 3, 4

_NUM_RE = r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$"
_DATE_LIKE = re.compile(r"^\s*(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{4}-\d{2}-\d{2}[ T]\d)")
MAX_SEGMENT_VALUES = 30
MAX_LABEL_VALUES = 100  # a column with more distinct texts is free text or ids, not answer labels
MAX_USER_LABEL_VALUES = 10_000  # distinct values looked up in the user's label map, per column
ORDER_SAMPLE_RESPONDENTS = 50_000


# --------------------------------------------------------------------------------------------
# Column profiles: everything is computed per distinct value


@dataclass
class _Col:
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

    @property
    def name(self) -> str:
        return self.raw.name

    @property
    def n_values(self) -> int:
        return int(self.counts[~self.empty].sum())

    @property
    def n_answers(self) -> int:  # non-empty, not N/A
        return int(self.counts[~self.empty & ~self.na].sum())

    @property
    def n_numeric(self) -> int:
        return int(self.counts[~self.empty & ~self.na & ~np.isnan(self.num)].sum())

    @property
    def n_unique(self) -> int:
        return int(((self.counts > 0) & ~self.empty).sum())

    @property
    def numeric_share(self) -> float:
        a = self.n_answers
        return self.n_numeric / a if a else 0.0

    def number_counts(self) -> dict[float, int]:
        keep = (self.counts > 0) & ~self.empty & ~self.na & ~np.isnan(self.num)
        out: dict[float, int] = {}
        for v, c in zip(self.num[keep].tolist(), self.counts[keep].tolist()):
            out[v] = out.get(v, 0) + c
        return out

    def texts(self, mask: np.ndarray | None = None) -> list[str]:
        arr = self.trimmed if mask is None else self.trimmed.filter(pa.array(mask))
        return arr.to_pylist()

    def mean_text_length(self) -> float:
        keep = (self.counts > 0) & ~self.empty
        if not keep.any():
            return 0.0
        lengths = pc.utf8_length(self.trimmed.filter(pa.array(keep))).to_numpy(zero_copy_only=False)
        return float(lengths.mean())


def _profile(raw: RawColumn, na_values: tuple[str, ...], question: str = "") -> _Col:
    values = raw.values
    trimmed = pc.utf8_trim_whitespace(values)
    empty = pc.equal(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
    is_num = pc.match_substring_regex(trimmed, _NUM_RE)
    fixed = pc.replace_substring(trimmed, ",", ".")
    num = pc.cast(pc.if_else(is_num, fixed, pa.scalar(None, pa.string())), pa.float64()).to_numpy(zero_copy_only=False)
    num = np.asarray(num, dtype=float)
    na = np.zeros(len(values), dtype=bool)
    if na_values:
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
    na &= ~empty
    return _Col(raw=raw, question=question, trimmed=trimmed, counts=raw.counts(), empty=np.asarray(empty, bool), na=na, num=num)


# --------------------------------------------------------------------------------------------
# Names


def _words(name: str) -> list[str]:
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^0-9a-zA-Z]+", s.casefold()) if w]


_ID_WORDS = {"id", "uuid", "respnum", "respondent", "respondentid", "responseid", "caseid", "recordid", "customerid"}


def _is_id_name(name: str) -> bool:
    w = _words(name)
    k = normalise_key(name)
    return bool(set(w) & _ID_WORDS) or k in {"respondent", "respondentid", "responseid", "respid", "caseid", "case", "ticket", "ticketid"}


def _is_date_name(name: str) -> bool:
    w = _words(name)
    k = normalise_key(name)
    return "date" in k or bool(set(w) & {"timestamp", "time", "submitted", "created", "when", "datetime", "fecha", "datum", "marca"})


_COMMENT_WORDS = {"comment", "comments", "feedback", "remark", "remarks", "verbatim", "suggestion", "suggestions", "why", "explain", "notes", "note", "text", "opinion", "other"}


def _is_comment_name(name: str) -> bool:
    return bool(set(_words(name)) & _COMMENT_WORDS)


_DERIVED_WORDS = {"predicted", "prediction", "predict", "prob", "probability", "fitted", "residual", "pred"}


def _is_derived_name(name: str) -> bool:
    """Named like a model output added to the data ("Predicted q1", "Prob(q1==2)", "Most Likely q1"), not an answer."""
    w = _words(name)
    return bool(set(w) & _DERIVED_WORDS) or "most likely" in " ".join(w)


def _outcome_rank(name: str) -> int | None:
    """0 = overall satisfaction, 1 = satisfied/satisfaction, 2 = recommend/NPS/likelihood; None = not an outcome name."""
    if _is_derived_name(name):
        return None
    k = normalise_key(name)
    w = set(_words(name))
    if "overall" in k or k in {"osat", "csat"}:
        return 0
    if k in {"oversat", "sat"} or (
        any("satisf" in x for x in w) and w <= {"satisfaction", "satisfied", "customer", "csat", "general", "total", "sat", "level", "score"}
    ):
        return 1
    if any(x in k for x in ("recommend", "recomend", "recomiend", "recommand", "empfehl", "promoter", "likelihood")) or (
        w & {"nps", "likely", "ltr"}
    ) or k in {"nps", "netpro", "ltr"}:
        return 2
    return None


_STAGE_WORDS = {"stage", "moment", "step", "touchpoint", "item", "question", "attribute", "aspect", "phase", "dimension", "service", "area"}
_SCORE_WORDS = {"score", "rating", "value", "answer", "rate", "points", "grade", "response", "mark"}


# --------------------------------------------------------------------------------------------
# Options


def _validate_options(options: ImportOptions) -> None:
    if not isinstance(options, ImportOptions):
        raise SurveyError(f"The import options must be an ImportOptions, not a {type(options).__name__}.")
    if options.layout not in (None, "long", "wide"):
        raise SurveyError(f"The layout must be 'long' or 'wide', not {options.layout!r}.")
    if options.scale is not None and not isinstance(options.scale, Scale):
        raise SurveyError(f"The scale must be a Scale such as 1-5, not {options.scale!r}.")
    if options.cycle is not None and not isinstance(options.cycle, Cycle):
        raise SurveyError("The cycle option must be a Cycle (load one with cycles.load_cycle).")


def _find_column(text: str, cols: list[_Col], what: str) -> _Col:
    """The column whose header or question text matches ``text`` (exact, then ignoring case/punctuation)."""
    for c in cols:
        if c.name == text:
            return c
    key = normalise_key(text)
    for c in cols:
        if normalise_key(c.name) == key or (c.question and normalise_key(c.question) == key):
            return c
    shown = ", ".join(repr(c.name) for c in cols[:15]) + (" ..." if len(cols) > 15 else "")
    raise SurveyError(f"There is no column {text!r} to use as {what}; the columns are: {shown}.")


# --------------------------------------------------------------------------------------------
# Entry point


def build_survey(raw: RawTable, options: ImportOptions = ImportOptions()) -> Survey:
    """Build the tidy :class:`Survey` from a :class:`~cycle_analytics.ingest.reading.RawTable`.

    Parameters
    ----------
    raw : RawTable
        From :func:`cycle_analytics.ingest.reading.read_raw`.
    options : ImportOptions
        Cycle, chosen stages, outcome, positive label, N/A codes, scale, segments, layout.

    Returns
    -------
    Survey

    Examples
    --------
    >>> from cycle_analytics.ingest.reading import read_raw
    >>> raw = read_raw(b"id,stage,score\\n1,Wait,4\\n1,Pay,5\\n2,Wait,x\\n2,Pay,3\\n3,Wait,2\\n")
    >>> s = build_survey(raw)
    >>> s.info.format, s.info.stages, s.info.rows_accepted, s.info.rows_rejected
    ('long', ('Wait', 'Pay'), 4, 1)
    """
    _validate_options(options)
    layout = raw.layout
    questions = dict(layout.questions) if layout is not None else {}
    cols = [_profile(c, options.na_values, str(questions.get(c.name, "") or "")) for c in raw.columns]
    if not cols:
        raise SurveyError(f"The file {raw.source.get('file_name') or ''!r} has no columns to read.")
    kind = options.layout
    long_plan = None
    if layout is None and kind in (None, "long"):
        long_plan = _find_long_columns(cols, raw, options)
        if long_plan is None and kind == "long":
            raise SurveyError(
                "The file is not a long layout: no respondent id column with repeating values, stage-name column and score column were found."
            )
    if long_plan is not None:
        return _build_long(raw, cols, long_plan, options)
    return _build_wide(raw, cols, options)


# --------------------------------------------------------------------------------------------
# Shared pieces


@dataclass
class _Rejects:
    """Per table row: the first rejection reason (0 = accepted) and its text."""

    code: np.ndarray  # int16, 0 = ok
    texts: list[str]

    @classmethod
    def new(cls, n: int) -> "_Rejects":
        return cls(code=np.zeros(n, dtype=np.int32), texts=[""])

    def reason(self, text: str) -> int:
        self.texts.append(text)
        return len(self.texts) - 1

    def mark(self, mask: np.ndarray, code) -> None:
        """Give ``code`` (int, or int array aligned with rows) to rows in ``mask`` that have no reason yet."""
        sel = mask & (self.code == 0)
        if np.isscalar(code):
            self.code[sel] = code
        else:
            self.code[sel] = np.asarray(code)[sel]


def _value_reasons(col: _Col, classes: np.ndarray, rej: _Rejects, template: str, scale: Scale) -> np.ndarray:
    """One reason code per distinct value of ``col`` (0 when the value is fine)."""
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


def _classify(col: _Col, scale: Scale) -> np.ndarray:
    """Class of each distinct value: EMPTY, NA, OK, NOT_NUMBER or OUT_OF_SCALE."""
    cls = np.full(len(col.num), NOT_NUMBER, dtype=np.int8)
    isnum = ~np.isnan(col.num)
    cls[isnum] = np.where(scale.contains(np.where(isnum, col.num, 0.0))[isnum], OK, OUT_OF_SCALE)
    cls[col.na] = NA
    cls[col.empty] = EMPTY
    return cls


def _choose_scale(counts: dict[float, int], options: ImportOptions, what: str,
                  label_scale: tuple[Scale, str] | None = None) -> tuple[Scale, str, list[str]]:
    notes = []
    if options.scale is not None:
        return options.scale, "user", notes
    if label_scale is not None:  # the file's own answer labels say it: they win over the cycle's usual scale
        lscale, variant = label_scale
        vals = np.fromiter(counts.keys(), dtype=float)
        if vals.size and bool(lscale.contains(vals).all()):
            cyc = parse_scale(options.cycle.scale) if options.cycle is not None and options.cycle.scale else None
            if cyc is not None and cyc == lscale:
                return cyc, "cycle", notes
            extra = f", not the cycle's {cyc.label()}" if cyc is not None else ""
            notes.append(f"The scale {lscale.label()} was taken from the answer labels ({variant}){extra}.")
            return lscale, "labels", notes
    if options.cycle is not None and options.cycle.scale:
        return parse_scale(options.cycle.scale), "cycle", notes
    scale = infer_scale_from_counts(counts)
    if scale is not None:
        notes.append(f"The scale {scale.label()} was inferred: the smallest of 1-5, 1-7, 1-10 and 0-10 holding at least 99% of the {what}.")
        return scale, "inferred", notes
    vals = np.fromiter(counts.keys(), dtype=float)
    cnt = np.fromiter(counts.values(), dtype=float)
    if cnt.sum() == 0:
        raise SurveyError(f"The {what} hold no numbers, so no rating scale can be inferred.")
    cover = [(cnt[s.contains(vals)].sum() / cnt.sum(), -i, s) for i, s in enumerate(CANDIDATE_SCALES)]
    share, _, scale = max(cover, key=lambda t: (t[0], t[1]))
    if share < 0.5:
        raise SurveyError(
            f"The {what} do not fit a 1-5, 1-7, 1-10 or 0-10 scale (values from {vals.min():g} to {vals.max():g}); give the scale."
        )
    notes.append(
        f"No scale holds 99% of the {what}; the scale {scale.label()} holds {share:.1%} of them and the rows with other values were rejected."
    )
    return scale, "inferred", notes


def _na_note(na_answers: int, options: ImportOptions) -> list[str]:
    if not options.na_values:
        if na_answers:
            return [f"{na_answers} answers mean no answer (N/A labels such as Don't know, or your label mapping) and count as no answer."]
        return []
    return [f"{na_answers} answers matched the N/A codes ({', '.join(map(str, options.na_values))}) or N/A labels and count as no answer."]


def _parse_dates(texts: list[str]) -> tuple[np.ndarray, float]:
    """Parse distinct date texts; returns datetime64[ns] values (NaT where unparsable) and the share parsed."""
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


def _looks_like_dates(col: _Col) -> bool:
    keep = (col.counts > 0) & ~col.empty
    if not keep.any() or col.numeric_share > 0.5:
        return False
    idx = np.nonzero(keep)[0][:200]
    sample = col.trimmed.take(pa.array(idx)).to_pylist()
    if sum(1 for t in sample if _DATE_LIKE.match(t)) < 0.9 * len(sample):
        return False
    parsed, share = _parse_dates(sample)
    ok = parsed[~np.isnat(parsed)]
    # a time of day stored on Excel's day zero (12/31/1899) is not a response date
    return share >= 0.9 and bool((ok >= np.datetime64("1900-01-01")).all())


def _mostly_datelike(col: _Col) -> bool:
    idx = np.nonzero((col.counts > 0) & ~col.empty)[0][:200]
    sample = col.trimmed.take(pa.array(idx)).to_pylist()
    return bool(sample) and sum(1 for t in sample if _DATE_LIKE.match(t)) >= 0.9 * len(sample)


def _is_binary_01(col: _Col) -> bool:
    vals = set(col.number_counts())
    return len(vals) == 2 and vals <= {0.0, 1.0}


def _rating_fit(col: _Col) -> tuple[bool, str]:
    """Whether a column's values look like answers on a rating scale, and why not."""
    if col.n_values == 0:
        return False, "empty column"
    if col.n_answers == 0:
        return False, "only N/A answers"
    share = col.numeric_share
    if share < 0.5:
        return False, f"mostly text ({col.n_unique} different values)"
    counts = col.number_counts()
    if len(counts) < 2:
        return False, f"a single value ({next(iter(counts)):g})"
    if _is_binary_01(col):
        return False, "only the values 0 and 1 (a yes/no column)"
    if infer_scale_from_counts(counts, coverage=0.95) is None:
        vals = np.fromiter(counts.keys(), dtype=float)
        whole = np.all(np.floor(vals) == vals)
        if not whole:
            return False, f"numbers that are not whole points ({vals.min():g} to {vals.max():g})"
        return False, f"values from {vals.min():g} to {vals.max():g} do not fit a rating scale"
    return True, ""


def _first_per_respondent(codes: np.ndarray | None, valid: np.ndarray, resp: np.ndarray, n_resp: int) -> np.ndarray:
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


def _canonical(col: _Col) -> tuple[pa.Array, np.ndarray]:
    """Distinct stripped texts (first-appearance order) and, per dictionary value, its index there."""
    if len(col.trimmed) == 0:
        return col.trimmed, np.zeros(0, dtype=np.int64)
    if pc.all(pc.equal(col.raw.values, col.trimmed)).as_py():  # nothing to strip: values are distinct
        return col.trimmed, np.arange(len(col.trimmed), dtype=np.int64)
    uniq = pc.unique(col.trimmed)
    return uniq, np.asarray(pc.index_in(col.trimmed, value_set=uniq).to_numpy(zero_copy_only=False), dtype=np.int64)


def _n_distinct(codes: np.ndarray) -> int:
    return int(np.count_nonzero(np.bincount(codes))) if codes.size else 0


def _duplicated(key: np.ndarray) -> np.ndarray:
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


def _categorical(value_codes: np.ndarray, texts_arr: pa.Array) -> pd.Categorical:
    """Categorical from per-row codes into ``texts_arr`` (stripped texts, may repeat); -1 = missing."""
    uniq = pc.unique(texts_arr)
    remap = np.asarray(pc.index_in(texts_arr, value_set=uniq).to_numpy(zero_copy_only=False), dtype=np.int64)
    codes = np.where(value_codes >= 0, remap[np.clip(value_codes, 0, None)], -1)
    # drop categories nobody uses, keeping first-use order
    used = np.zeros(len(uniq), dtype=bool)
    used[codes[codes >= 0]] = True
    order = np.nonzero(used)[0]
    new = np.full(len(uniq), -1, dtype=np.int64)
    new[order] = np.arange(order.size)
    cats = pd.Index(uniq.take(pa.array(order)).to_pylist(), dtype="str")
    return pd.Categorical.from_codes(np.where(codes >= 0, new[np.clip(codes, 0, None)], -1), categories=cats)


# --------------------------------------------------------------------------------------------
# Respondent columns (shared by both layouts)


@dataclass
class _RespPlan:
    date: _Col | None
    comment: _Col | None
    segments: list[_Col]
    outcomes: list[_Col]  # candidates; first = default unless options.outcome
    outcome: str | None
    roles: dict[str, ColumnRole]
    notes: list[str]


def _plan_respondent_columns(cols: list[_Col], taken: set[str], options: ImportOptions, n_resp_hint: int, ids_col: str | None,
                             layout_meta: frozenset = frozenset(), layout_date: str | None = None) -> _RespPlan:
    roles: dict[str, ColumnRole] = {}
    notes: list[str] = []
    free = [c for c in cols if c.name not in taken]

    # outcome
    outcomes: list[tuple[int, int, _Col]] = []
    chosen_outcome = None
    if options.outcome:
        chosen_outcome = _find_column(options.outcome, cols, "the outcome")
        if chosen_outcome.name in taken and chosen_outcome.name != ids_col:
            pass  # the caller removes it from the stages
    for i, c in enumerate(free):
        rank = _outcome_rank(c.name) if c.name not in layout_meta else None
        if rank is None and c.question and c.name not in layout_meta:
            rank = _outcome_rank(c.question)
            if rank is None and looks_like_outcome(c.question):
                rank = 1  # overall / recommend asked in another language
        if rank is not None and (c.numeric_share >= 0.9 or 2 <= c.n_unique <= 3) and c.n_values > 0:
            outcomes.append((rank, i, c))
    outcomes.sort(key=lambda t: (t[0], t[1]))
    out_cols = [c for _, _, c in outcomes]
    if chosen_outcome is not None:
        out_cols = [chosen_outcome] + [c for c in out_cols if c.name != chosen_outcome.name]
    for c in free:  # other 0/1 columns are outcome candidates too (not the default)
        if c not in out_cols and c.name not in layout_meta and _is_binary_01(c) and c.numeric_share >= 0.99:
            out_cols.append(c)
    outcome = out_cols[0].name if out_cols and (chosen_outcome is not None or outcomes) else None
    for c in out_cols:
        kind = "binary" if (c.numeric_share < 0.9 or _is_binary_01(c)) else "rating"
        roles[c.name] = ColumnRole(c.name, "outcome", ("default outcome, " if c.name == outcome else "outcome candidate, ") + kind, c.question)
    if options.positive is not None:
        if outcome is None:
            raise SurveyError(f"A positive label {options.positive!r} was given but no outcome column was found or chosen.")
        oc = out_cols[0]
        labels = [t for t in oc.texts((oc.counts > 0) & ~oc.empty & ~oc.na)]
        if options.positive.strip().casefold() not in {t.casefold() for t in labels}:
            shown = ", ".join(repr(t) for t in labels[:10])
            raise SurveyError(f"The positive label {options.positive!r} is not a value of the outcome column {oc.name!r}; its values are {shown}.")
        notes.append(f"The outcome {oc.name!r} counts {options.positive!r} as positive.")
    used = set(taken) | {c.name for c in out_cols}

    # date
    date = None
    date_candidates = [c for c in free if c.name not in used]
    if layout_date:
        date_candidates.sort(key=lambda c: c.name != layout_date)
    for c in date_candidates:
        if (c.name == layout_date or _is_date_name(c.name) or c.numeric_share < 0.5) and _looks_like_dates(c):
            date = c
            break
    if date is not None:
        roles[date.name] = ColumnRole(date.name, "date", "response date", date.question)
        used.add(date.name)

    # segments
    segments: list[_Col] = []
    if options.segments:
        for s in options.segments:
            c = _find_column(s, cols, "a segment")
            if c.name in used and c.name not in {x.name for x in segments}:
                if c.name in taken:
                    raise SurveyError(f"The column {c.name!r} cannot be a segment: it is already used as {'the id' if c.name == ids_col else 'a stage or score'}.")
            segments.append(c)
    else:
        limit = min(MAX_SEGMENT_VALUES, max(2, n_resp_hint - 1))
        for c in free:
            if c.name in used or c.name in layout_meta:
                continue
            if c.numeric_share < 0.5 and 2 <= c.n_unique <= limit and not _is_comment_name(c.name) and not _is_id_name(c.name):
                segments.append(c)
    for c in segments:
        roles[c.name] = ColumnRole(c.name, "segment", f"{c.n_unique} values", c.question)
        used.add(c.name)

    # comment
    comment = None
    for c in free:
        if c.name in used or c.name in layout_meta or c.n_values == 0 or c.numeric_share >= 0.5:
            continue
        if _is_comment_name(c.name) or (c.n_unique > MAX_SEGMENT_VALUES and c.mean_text_length() >= 12 and not _mostly_datelike(c)):
            comment = c
            break
    if comment is not None:
        roles[comment.name] = ColumnRole(comment.name, "comment", "free text", comment.question)
        used.add(comment.name)
    for c in out_cols:
        if c.name not in roles:
            roles[c.name] = ColumnRole(c.name, "outcome", "outcome", c.question)
    return _RespPlan(date=date, comment=comment, segments=segments, outcomes=out_cols, outcome=outcome, roles=roles, notes=notes)


def _outcome_na(c: _Col, stage_scale: Scale) -> np.ndarray:
    """Which distinct values of a numeric outcome are N/A codes.

    Text codes always are. A numeric code is one when it lies outside 0-10, or when the outcome,
    without the codes, is on the stages' scale (same questionnaire convention); on another scale
    (a 0-10 recommend next to 1-5 stages) a code such as 0 is a valid answer and is kept.
    """
    numeric_code = c.na & ~np.isnan(c.num)
    if not numeric_code.any():
        return c.na
    keep = (c.counts > 0) & ~c.empty & ~c.na & ~np.isnan(c.num)
    own = infer_scale_from_counts(dict(zip(c.num[keep].tolist(), c.counts[keep].tolist())))
    if own == stage_scale:
        return c.na
    outside = (c.num < 0) | (c.num > 10)
    return c.na & (~numeric_code | outside)


def _respondent_frame(ids: pd.Categorical, plan: _RespPlan, value_codes, scale: Scale) -> pd.DataFrame:
    """``value_codes(col)`` gives, per respondent, the code of the value to use (-1 = none)."""
    for c in plan.outcomes:
        if c.numeric_share >= 0.9:
            c.na = _outcome_na(c, scale)
    data = {"response_id": ids}
    if plan.date is not None:
        codes = value_codes(plan.date)
        keep = (plan.date.counts > 0) & ~plan.date.empty
        parsed = np.full(len(plan.date.counts), np.datetime64("NaT"), dtype="datetime64[ns]")
        idx = np.nonzero(keep)[0]
        if idx.size:
            parsed[idx], _ = _parse_dates(plan.date.trimmed.take(pa.array(idx)).to_pylist())
        data["date"] = pd.to_datetime(np.where(codes >= 0, parsed[np.clip(codes, 0, None)], np.datetime64("NaT")))
    for c in plan.segments:
        codes = value_codes(c)
        codes = np.where((codes >= 0) & ~(c.empty | c.na)[np.clip(codes, 0, None)], codes, -1)
        data[c.name] = _categorical(codes, c.trimmed)
    for c in plan.outcomes:
        codes = value_codes(c)
        ok = codes >= 0
        if c.numeric_share >= 0.9:
            num = np.where(c.na, np.nan, c.num)
            data[c.name] = np.where(ok, num[np.clip(codes, 0, None)], np.nan).astype(np.float64)
        else:
            texts = np.asarray(c.trimmed.to_numpy(zero_copy_only=False), dtype=object)
            blank = c.empty | c.na
            vals = np.where(ok, texts[np.clip(codes, 0, None)], None)
            vals = np.where(ok & ~blank[np.clip(codes, 0, None)], vals, None)
            data[c.name] = pd.array(vals, dtype="str")
    if plan.comment is not None:
        c = plan.comment
        codes = value_codes(c)
        ok = codes >= 0
        ok &= ~c.empty[np.clip(codes, 0, None)]
        arr = c.raw.values.take(pa.array(np.clip(codes, 0, None)))
        arr = pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string()))
        data["comment"] = pd.Series(arr.to_pandas(), dtype="str").array if len(arr) else pd.array([], dtype="str")
    frame = pd.DataFrame(data)
    return frame


def _rejected_frame(raw: RawTable, rows: np.ndarray, reasons: list[str]) -> pd.DataFrame:
    """``rows``: table row indexes rejected; ``reasons`` aligned. Reader bad rows are added."""
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


def _finish_survey(raw: RawTable, rej: "_Rejects", accepted: np.ndarray, cols: list[_Col], roles: dict[str, ColumnRole],
                   rp: "_RespPlan", options: ImportOptions, notes: list[str], *, fmt: str, rows_accepted: int,
                   n_resp: int, ratings: pd.DataFrame, responses: pd.DataFrame, scale: Scale, scale_source: str,
                   stages: list[str], id_column: str | None, na_answers: int) -> Survey:
    """The shared end of the long and wide builders: N/A note, rejected rows, ``DatasetInfo``, ``Survey``."""
    notes = notes + _na_note(na_answers, options)
    rej_rows = np.nonzero(~accepted)[0]
    rejected = _rejected_frame(raw, rej_rows, [rej.texts[k] for k in rej.code[rej_rows].tolist()])
    info = DatasetInfo(
        format=fmt,
        rows_read=raw.rows_read,
        rows_accepted=rows_accepted,
        rows_rejected=int((~accepted).sum()) + len(raw.bad_rows),
        respondents=n_resp,
        ratings=len(ratings),
        scale=scale,
        stages=tuple(stages),
        outcome=rp.outcome,
        outcome_candidates=tuple(c.name for c in rp.outcomes),
        segments=tuple(c.name for c in rp.segments),
        id_column=id_column,
        date_column=rp.date.name if rp.date is not None else None,
        comment_column=rp.comment.name if rp.comment is not None else None,
        na_values=tuple(options.na_values),
        na_answers=na_answers,
        scale_source=scale_source,
        columns=_column_roles(cols, roles, raw),
        notes=tuple(notes),
        source={**raw.source, **({"positive": options.positive} if options.positive is not None else {})},
    )
    return Survey(ratings=ratings, responses=responses, rejected=rejected, info=info, cycle=options.cycle)


def _empty_rows(cols: list[_Col], n: int) -> np.ndarray:
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


def _column_roles(cols: list[_Col], roles: dict[str, ColumnRole], raw: RawTable) -> tuple[ColumnRole, ...]:
    """One ColumnRole per input column, in file order (personal-data columns included)."""
    by_name: dict[str, ColumnRole] = {}
    for c in cols:
        if c.name in roles:
            by_name[c.name] = roles[c.name]
        else:
            fit, why = _rating_fit(c)
            reason = "not a stage" if fit else f"not a stage: {why}"
            by_name[c.name] = ColumnRole(c.name, "ignored", reason, c.question)
    order = [str(n).strip() for n in raw.layout.columns] if raw.layout is not None else list(raw.names)
    out = []
    for name in order:
        if name in by_name:
            out.append(by_name.pop(name))
        elif name in raw.dropped:
            out.append(ColumnRole(name, "dropped_personal", "personal data, not read"))
    out.extend(by_name.values())
    return tuple(out)


def _source_notes(raw: RawTable) -> list[str]:
    notes = list(raw.notes)
    if raw.layout is not None:
        notes.extend(raw.layout.notes)
    if raw.bad_rows:
        notes.append(f"{len(raw.bad_rows)} rows did not have the header's number of cells and were rejected.")
    return notes


# --------------------------------------------------------------------------------------------
# Long layout


@dataclass
class _LongPlan:
    id: _Col
    stage: _Col
    score: _Col


def _find_long_columns(cols: list[_Col], raw: RawTable, options: ImportOptions) -> _LongPlan | None:
    n = raw.n_rows
    forced = options.layout == "long"  # the user said so: rank the candidates, do not insist on thresholds
    if n < 2 and not forced:
        return None
    ids = [c for c in cols if c.n_values > 0 and (forced or c.n_unique * 1.5 <= c.n_values)]
    id_named = [c for c in ids if _is_id_name(c.name)]
    stage_cands = []
    for c in cols:
        named = bool(set(_words(c.name)) & _STAGE_WORDS)
        if c.n_values == 0 or _is_id_name(c.name):
            continue
        if not (forced and named) and (c.numeric_share >= 0.5 or not (1 <= c.n_unique <= 200)):
            continue
        if c.n_unique * 2 > c.n_values and not forced:  # stage names repeat across respondents
            continue
        matched = 0
        if options.cycle is not None:
            texts = c.texts((c.counts > 0) & ~c.empty)
            matched = sum(1 for t in texts if options.cycle.find_stage(t) is not None)
        stage_cands.append((matched, named, c))
    if not stage_cands:
        return None
    score_cands = []
    for c in cols:
        fit, _ = _rating_fit(c)
        named = bool(set(_words(c.name)) & _SCORE_WORDS)
        if fit or (forced and named):
            score_cands.append((named, _outcome_rank(c.name) is None, c))
    if not score_cands:
        return None
    m = min(n, 200_000)
    best = None
    strong = any(named or matched for matched, named, _ in stage_cands)
    for id_col in (id_named if id_named or not strong else ids):
        id_codes = id_col.raw.codes[:m].astype(np.int64)
        n_ids = _n_distinct(id_codes)
        if n_ids >= m and not forced:  # ids do not repeat
            continue
        for matched, named, st in stage_cands:
            if st is id_col:
                continue
            pair = id_codes * (len(st.counts) + 1) + st.raw.codes[:m]
            distinct = len(pd.unique(pair)) / m
            if distinct < 0.9 and not forced:  # stage values repeat within a respondent: a segment, not a stage
                continue
            key = (matched, named, distinct, _is_id_name(id_col.name), -st.n_unique)
            if best is None or key > best[0]:
                best = (key, id_col, st)
    if best is None:
        return None
    _, id_col, st = best
    # the score: varies within respondents, named like a score first
    scored = []
    for named, not_outcome, c in score_cands:
        if c is id_col or c is st:
            continue
        pair = id_col.raw.codes[:m].astype(np.int64) * (len(c.counts) + 1) + c.raw.codes[:m]
        varies = len(pd.unique(pair)) > _n_distinct(id_col.raw.codes[:m]) * 1.05
        scored.append(((named, not_outcome, varies), c))
    scored = [s for s in scored if s[0][0] or s[0][2] or forced]
    if not scored:
        return None
    scored.sort(key=lambda t: t[0], reverse=True)
    return _LongPlan(id=id_col, stage=st, score=scored[0][1])


def _stage_order(stage_idx: np.ndarray, resp: np.ndarray, n_stage: int) -> np.ndarray:
    """Order of ``n_stage`` stages from the order of appearance within each respondent's rows.

    Pairwise precedence (how many respondents rate a before b) ranked by Copeland score, ties
    broken by the mean relative position, then by first appearance. Uses at most
    ``ORDER_SAMPLE_RESPONDENTS`` respondents (the first ones in the file).
    """
    if n_stage <= 1:
        return np.arange(n_stage)
    sel = resp < ORDER_SAMPLE_RESPONDENTS
    r, s = resp[sel], stage_idx[sel]
    n_r = int(r.max()) + 1 if r.size else 0
    order_rows = np.argsort(r, kind="stable")
    r_sorted = r[order_rows]
    starts = np.searchsorted(r_sorted, np.arange(n_r))
    pos = np.arange(r_sorted.size) - starts[r_sorted]
    P = np.full((n_r, n_stage), np.nan)
    P[r_sorted, s[order_rows]] = pos
    size = np.bincount(r_sorted, minlength=n_r).astype(float)
    rel = P / np.maximum(size - 1, 1)[:, None]
    before = np.zeros((n_stage, n_stage))
    for a in range(n_stage):
        before[a] = np.sum(P[:, [a]] < P, axis=0)
    copeland = np.sign(before - before.T).sum(axis=1)
    mean_rel = np.nanmean(np.where(np.isnan(rel), np.nan, rel), axis=0) if n_r else np.zeros(n_stage)
    mean_rel = np.where(np.isnan(mean_rel), 2.0, mean_rel)
    first = np.full(n_stage, stage_idx.size, dtype=np.int64)
    np.minimum.at(first, stage_idx, np.arange(stage_idx.size))
    return np.lexsort((first, mean_rel, -copeland))


def _build_long(raw: RawTable, cols: list[_Col], plan: _LongPlan, options: ImportOptions) -> Survey:
    n = raw.n_rows
    rej = _Rejects.new(n)
    notes = _source_notes(raw)
    id_c, st_c, sc_c = plan.id, plan.stage, plan.score
    notes.append(
        f"Long layout: one row per respondent and stage (id {id_c.name!r}, stage {st_c.name!r}, score {sc_c.name!r})."
    )
    if options.stage_map:
        notes.append("Your stage mapping was not used: it applies to wide files (one column per stage), and this file is long.")
    empty_row = _empty_rows(cols, n)
    rej.mark(empty_row, rej.reason("empty row"))

    # ids: stripped texts, whitespace variants merged, in order of first appearance
    id_uniq, id_map = _canonical(id_c)
    id_empty_vals = id_c.empty
    rej.mark(id_empty_vals[id_c.raw.codes], rej.reason("missing id"))

    # stages: distinct stage texts -> stage index (-1 unknown, -2 empty)
    st_texts = st_c.trimmed.to_pylist()
    present = (st_c.counts > 0) & ~st_c.empty
    stage_of_value = np.full(len(st_texts), -1, dtype=np.int64)
    stage_of_value[st_c.empty] = -2
    unknown_reason = np.zeros(len(st_texts), dtype=np.int32)
    stage_names: list[str]
    if options.cycle is not None:
        cyc = options.cycle
        mapped = {}
        for i, t in enumerate(st_texts):
            if present[i]:
                stg = cyc.find_stage(t)
                if stg is not None:
                    mapped[i] = stg.name
        if options.stages:
            chosen = {cyc.find_stage(s).name if cyc.find_stage(s) else s for s in options.stages}
            mapped = {i: nm for i, nm in mapped.items() if nm in chosen}
        in_file = set(mapped.values())
        stage_names = [s for s in cyc.stage_names if s in in_file]
        pos = {s: k for k, s in enumerate(stage_names)}
        for i, nm in mapped.items():
            stage_of_value[i] = pos[nm]
        missing = [s for s in cyc.stage_names if s not in in_file]
        if missing:
            notes.append(f"Stages of the cycle {cyc.name!r} not in the file: {', '.join(missing)}.")
        order_source = f"the cycle {cyc.name!r}"
        for i in np.nonzero(present & (stage_of_value == -1))[0]:
            unknown_reason[i] = rej.reason(f"unknown stage {st_texts[i]!r} (not a stage of the cycle {cyc.name!r})")
    else:
        names_present = []
        seen = {}
        for i, t in enumerate(st_texts):
            if present[i]:
                if t not in seen:
                    seen[t] = len(names_present)
                    names_present.append(t)
                stage_of_value[i] = seen[t]
        if options.stages:
            wanted = {normalise_key(s): s for s in options.stages}
            keep_names = [nm for nm in names_present if normalise_key(nm) in wanted]
            if not keep_names:
                raise SurveyError(f"None of the chosen stages ({', '.join(options.stages)}) is a value of the column {st_c.name!r}.")
            user_order = {normalise_key(s): k for k, s in enumerate(options.stages)}
            keep_names.sort(key=lambda nm: user_order[normalise_key(nm)])
            newpos = {nm: k for k, nm in enumerate(keep_names)}
            remap = np.array([newpos.get(nm, -1) for nm in names_present] or [0], dtype=np.int64)
            ok = stage_of_value >= 0
            stage_of_value[ok] = remap[stage_of_value[ok]]
            for i in np.nonzero(present & (stage_of_value == -1))[0]:
                unknown_reason[i] = rej.reason(f"stage {st_texts[i]!r} is not among the chosen stages")
            stage_names = keep_names
            order_source = "the chosen stages"
        else:
            stage_names = names_present
            order_source = None
    if not stage_names:
        raise SurveyError(f"No value of the stage column {st_c.name!r} is a usable stage.")
    row_stage_val = st_c.raw.codes
    rej.mark(st_c.empty[row_stage_val], rej.reason("missing stage"))
    if unknown_reason.any():
        row_unknown = unknown_reason[row_stage_val]
        rej.mark(row_unknown > 0, row_unknown)

    # scores: numbers among distinct values
    score_counts: dict[float, int] = {}
    ok_rows_so_far = rej.code == 0
    cnt_ok = np.bincount(sc_c.raw.codes[ok_rows_so_far], minlength=len(sc_c.counts))
    keepv = (cnt_ok > 0) & ~sc_c.empty & ~sc_c.na & ~np.isnan(sc_c.num)
    for v, c in zip(sc_c.num[keepv].tolist(), cnt_ok[keepv].tolist()):
        score_counts[v] = score_counts.get(v, 0) + c
    scale, scale_source, scale_notes = _choose_scale(score_counts, options, f"scores in {sc_c.name!r}")
    notes += scale_notes
    cls = _classify(sc_c, scale)
    row_cls = cls[sc_c.raw.codes]
    rej.mark(row_cls == EMPTY, rej.reason("missing score"))
    bad_reason = _value_reasons(sc_c, cls, rej, "score {value!r} is {what}", scale)
    if bad_reason.any():
        row_bad = bad_reason[sc_c.raw.codes]
        rej.mark(row_bad > 0, row_bad)

    # duplicates: a respondent rating the same stage twice keeps the first row
    resp_all = id_map[id_c.raw.codes]
    stage_all = stage_of_value[row_stage_val]
    ok = rej.code == 0
    all_ok = bool(ok.all())
    key = resp_all * (len(stage_names) + 1) + stage_all if all_ok else resp_all[ok] * (len(stage_names) + 1) + stage_all[ok]
    dup = _duplicated(key)
    if dup.any():
        dup_rows = np.nonzero(dup)[0] if all_ok else np.nonzero(ok)[0][dup]
        mask = np.zeros(n, dtype=bool)
        mask[dup_rows] = True
        rej.mark(mask, rej.reason("the respondent already rated this stage on an earlier row"))

    accepted = rej.code == 0
    used = np.zeros(len(id_uniq), dtype=bool)
    used[resp_all if bool(accepted.all()) else resp_all[accepted]] = True
    new_code = np.cumsum(used) - 1
    n_resp = int(used.sum())
    id_cats = pd.Index(id_uniq.filter(pa.array(used)).to_pandas(), dtype="str") if n_resp else pd.Index([], dtype="str")
    id_dtype = pd.CategoricalDtype(id_cats)  # validated once, reused below
    code_type = np.int32 if n_resp < np.iinfo(np.int32).max else np.int64
    resp_row = np.where(accepted, new_code.astype(code_type)[resp_all], code_type(-1))

    rating_rows = accepted & (row_cls == OK)
    na_answers = int((accepted & (row_cls == NA)).sum())
    r_resp = resp_row[rating_rows]
    r_stage = stage_all[rating_rows]

    if order_source is None:
        order = _stage_order(r_stage, r_resp, len(stage_names))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        stage_names = [stage_names[i] for i in order]
        r_stage = rank[r_stage]
        notes.append("Stage order: the order in which stages appear within the respondents' rows.")
    else:
        notes.append(f"Stage order: {order_source}.")
    stage_dtype = pd.CategoricalDtype(pd.Index(stage_names, dtype="str"), ordered=True)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(r_resp, dtype=id_dtype),
            "stage": pd.Categorical.from_codes(r_stage, dtype=stage_dtype),
            "score": sc_c.num[sc_c.raw.codes[rating_rows]].astype(np.float64),
        }
    )

    # respondent columns: first non-empty value per respondent (accepted rows)
    taken = {id_c.name, st_c.name, sc_c.name}
    rp = _plan_respondent_columns(cols, taken, options, n_resp, id_c.name)
    notes += rp.notes
    conflicts = []

    all_accepted = bool(accepted.all())
    acc_rows = None if all_accepted else np.nonzero(accepted)[0]
    resp_acc = resp_row if all_accepted else resp_row[acc_rows]
    # each respondent's accepted rows in one run (the usual long file): conflicts show between neighbours
    contiguous, same_next = False, None
    if n_resp and resp_acc.size:
        run_start = np.empty(resp_acc.size, dtype=bool)
        run_start[0] = True
        np.not_equal(resp_acc[1:], resp_acc[:-1], out=run_start[1:])
        starts = np.flatnonzero(run_start)
        contiguous = starts.size == n_resp
        if contiguous:
            same_next = ~run_start[1:]  # row i+1 belongs to the respondent of row i
            first_row = np.empty(n_resp, dtype=np.int64)
            first_row[resp_acc[starts]] = starts if all_accepted else acc_rows[starts]
        del run_start, starts
    if not contiguous:
        first_row = _first_per_respondent(None, accepted, resp_row, n_resp)

    def value_codes(c: _Col) -> np.ndarray:
        codes = c.raw.codes
        blank = c.empty | c.na
        first = codes[first_row] if n_resp else np.zeros(0, dtype=codes.dtype)
        missing = blank[first] if n_resp else np.zeros(0, dtype=bool)
        if missing.any():  # the respondent's first row is empty here: look at their other rows
            valid = accepted & ~blank[codes]
            later = _first_per_respondent(codes, valid, resp_row, n_resp)
            first = np.where(missing, later, first).astype(codes.dtype, copy=False)
        # respondents whose rows disagree (differences of surrounding spaces only are not counted)
        if c.n_unique > 1 and n_resp and contiguous:
            # a respondent disagrees when two of their consecutive non-blank rows do
            rows_codes = codes if all_accepted else codes[acc_rows]
            if (blank & (c.counts > 0)).any():
                keep = np.flatnonzero(~blank[rows_codes])
                cod, rsp = rows_codes[keep], resp_acc[keep]
                same = rsp[1:] == rsp[:-1]
            else:
                cod, rsp, same = rows_codes, resp_acc, same_next
            pairs = np.flatnonzero(same & (cod[1:] != cod[:-1]))
            if pairs.size:
                canon = _canonical(c)[1]
                real = canon[cod[pairs]] != canon[cod[pairs + 1]]
                n_diff = _n_distinct(rsp[pairs[real]])
                if n_diff:
                    conflicts.append(f"{c.name!r} ({n_diff} respondents)")
        elif c.n_unique > 1 and n_resp:
            rows_codes = codes if all_accepted else codes[acc_rows]
            ref = first[resp_acc]
            differ = (rows_codes != ref) & (ref >= 0) & ~blank[rows_codes]
            if differ.any():
                canon = _canonical(c)[1]
                rows = np.nonzero(differ)[0]
                real = canon[rows_codes[rows]] != canon[ref[rows]]
                n_diff = _n_distinct(resp_acc[rows[real]])
                if n_diff:
                    conflicts.append(f"{c.name!r} ({n_diff} respondents)")
        return first.astype(np.int64)

    responses = _respondent_frame(pd.Categorical.from_codes(np.arange(n_resp), dtype=id_dtype), rp, value_codes, scale)
    if conflicts:
        notes.append("Some respondents have different values on different rows; the first non-empty value was kept: " + ", ".join(conflicts) + ".")
    roles = dict(rp.roles)
    roles[id_c.name] = ColumnRole(id_c.name, "id", "respondent id (repeats on each of a respondent's rows)", id_c.question)
    roles[st_c.name] = ColumnRole(st_c.name, "stage_name", f"{len(stage_names)} stages", st_c.question)
    roles[sc_c.name] = ColumnRole(sc_c.name, "score", f"scale {scale.label()}", sc_c.question)
    return _finish_survey(raw, rej, accepted, cols, roles, rp, options, notes, fmt="long", rows_accepted=int(accepted.sum()),
                          n_resp=n_resp, ratings=ratings, responses=responses, scale=scale, scale_source=scale_source,
                          stages=stage_names, id_column=id_c.name, na_answers=na_answers)


# --------------------------------------------------------------------------------------------
# Text answers (choice labels) -> scores, on distinct values only


def _score_labels(cols: list[_Col], skip: set[str], options: ImportOptions) -> list[str]:
    """Score the choice-text answers of the columns not in ``skip`` in place; returns notes.

    The user's labels (``options.label_map``: label -> score, or ``None`` = no answer) are applied
    first, to any column; then :func:`cycle_analytics.ingest.labels.match_columns` finds the label columns
    (built-in label sets, labelled numbers, N/A labels) from each column's distinct texts and
    counts. In a label column a coded label gets its score (``_Col.num``), an N/A label becomes no
    answer (``_Col.na``) and any other text is an unknown label (``_Col.unknown``: the rows holding
    it are rejected when the column is a stage, and a note names it).
    """
    user = {label_key(k): v for k, v in options.label_map}
    user.pop("", None)
    user_nums = []  # numeric labels the user mapped ("99" -> N/A)
    for k, _ in options.label_map:
        try:
            user_nums.append(float(str(k).strip().replace(",", ".")))
        except ValueError:
            pass
    user_nums = np.array(user_nums, dtype=float)
    notes: list[str] = []
    distinct: dict[str, tuple[list[str], list[int]]] = {}
    where: dict[str, np.ndarray] = {}
    by_name = {c.name: c for c in cols}
    n_user = 0
    for c in cols:
        if c.name in skip:
            continue
        keep = (c.counts > 0) & ~c.empty & ~c.na
        if not keep.any():
            continue
        text_vals = keep & np.isnan(c.num)
        cand = (text_vals | np.isin(c.num, user_nums)) if user else text_vals
        if user and int(cand.sum()) <= MAX_USER_LABEL_VALUES:
            _make_writable(c)
            idx = np.nonzero(cand)[0]
            for i, t in zip(idx.tolist(), c.trimmed.take(pa.array(idx)).to_pylist()):
                k = label_key(t)
                if k in user:
                    n_user += int(c.counts[i])
                    if user[k] is None:
                        c.na[i] = True
                        c.num[i] = np.nan
                    else:
                        c.num[i] = float(user[k])
            keep = (c.counts > 0) & ~c.empty & ~c.na
            text_vals = keep & np.isnan(c.num)
        if not text_vals.any() or c.n_unique > MAX_LABEL_VALUES or (_is_comment_name(c.name) and not c.question):
            continue
        idx = np.nonzero(keep)[0]
        values = c.trimmed.take(pa.array(idx)).to_pylist()
        distinct[c.name] = (values, c.counts[idx].tolist())
        where[c.name] = idx
    if n_user:
        notes.append(f"{n_user} answers were read with your label mapping.")
    if not distinct:
        return notes
    matches, _ = match_columns(distinct)
    # one label repeated is not a rating scale ("OK" in a comment column): at least two scores
    matches = {k: m for k, m in matches.items() if len(set(m.codes.values())) >= 2}
    unknown: dict[str, list] = {}
    for name, m in matches.items():
        c = by_name[name]
        _make_writable(c)
        idx = where[name]
        values, counts = distinct[name]
        na_set = set(m.na_labels)
        unk = np.zeros(len(c.num), dtype=bool)
        for i, v, k in zip(idx.tolist(), values, counts):
            if v in m.codes:
                c.num[i] = float(m.codes[v])
            elif v in na_set:
                c.na[i] = True
                c.num[i] = np.nan
            elif np.isnan(c.num[i]):  # a plain number stays a number; other text is an unknown label
                unk[i] = True
                entry = unknown.setdefault(v, [0, []])
                entry[0] += int(k)
                if name not in entry[1]:
                    entry[1].append(name)
        c.unknown = unk
        c.label_variant = m.variant
        c.label_scale = m.scale
        notes.extend(n for n in m.notes if n not in notes)
    if matches:
        shown = ", ".join(f"{n!r} ({matches[n].variant})" for n in list(matches)[:10]) + (" ..." if len(matches) > 10 else "")
        notes.append(f"Text answers were scored with the built-in answer labels: {shown}.")
    for label, (count, names) in sorted(unknown.items(), key=lambda kv: (-kv[1][0], kv[0])):
        notes.append(
            f"The label {label!r} ({count} answer{'s' if count != 1 else ''}, column{'s' if len(names) > 1 else ''} "
            f"{_COLUMN_SEP.join(names)}) is not known; map it to a score or to N/A."
        )
    return notes


_COLUMN_SEP = "; "
_UNKNOWN_NOTE = re.compile(r"^The label (?P<label>'.*'|\".*\") \((?P<count>\d+) answers?, columns? (?P<cols>.*)\) is not known; map it to a score or to N/A\.$", re.S)


def unknown_labels(info: DatasetInfo) -> pd.DataFrame:
    """The answer labels the import did not know, read back from ``info.notes``.

    Returns a DataFrame ``label, count, columns`` (``columns``: the column names joined with
    ``"; "``), most frequent first, as the notes list them; empty when every label was known.

    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,a,b\\n1,Satisfied,Meh\\n2,Dissatisfied,Satisfied\\n3,Meh,Very satisfied\\n", file_name="x.csv")
    >>> unknown_labels(s.info).values.tolist()
    [['Meh', 2, 'a; b']]
    """
    import ast

    if not isinstance(info, DatasetInfo):
        raise SurveyError(f"unknown_labels needs the import summary (DatasetInfo), not a {type(info).__name__}.")
    rows = []
    for note in info.notes:
        m = _UNKNOWN_NOTE.match(str(note))
        if m:
            rows.append({"label": str(ast.literal_eval(m.group("label"))), "count": int(m.group("count")), "columns": m.group("cols")})
    return pd.DataFrame(rows, columns=["label", "count", "columns"]).astype({"label": "str", "count": "int64", "columns": "str"})


def _make_writable(c: _Col) -> None:
    """Own copies of the per-value arrays (Arrow may hand out read-only views)."""
    if not c.num.flags.writeable:
        c.num = c.num.copy()
    if not c.na.flags.writeable:
        c.na = c.na.copy()


def _label_scale(stage_cols: list[_Col]) -> tuple[Scale, str] | None:
    """The label set's scale when every label stage column agrees on one."""
    scales = {(c.label_scale.minimum, c.label_scale.maximum) for c in stage_cols if c.label_variant and c.label_scale is not None}
    if len(scales) != 1:
        return None
    variants = sorted({c.label_variant for c in stage_cols if c.label_variant and c.label_scale is not None})
    lo, hi = next(iter(scales))
    return Scale(lo, hi), ", ".join(variants)


def _stage_detail(name: str, method: str = "", confidence: float = 1.0) -> str:
    if not method:
        return f"stage {name!r}"
    if method == "fuzzy":
        return f"stage {name!r} (fuzzy, {confidence:.0%})"
    return f"stage {name!r} ({method})"


def _is_outcome_column(c: _Col) -> bool:
    """Named or asked like an overall outcome (overall, satisfaction, recommend; question text in several languages)."""
    if _outcome_rank(c.name) is not None:
        return True
    return bool(c.question) and (_outcome_rank(c.question) is not None or looks_like_outcome(c.question))


# --------------------------------------------------------------------------------------------
# Wide layout


def _apply_stage_map(cols: list[_Col], stage_cols: list[tuple[_Col, str]], details: dict[str, str],
                     roles: dict[str, ColumnRole], taken: set[str], user_outcome: _Col | None,
                     options: ImportOptions, order_note: str) -> tuple[list[tuple[_Col, str]], str]:
    """The stages after the user's reviewed mapping (``options.stage_map``) overrides the guesses.

    A listed column becomes the named stage (renamed) or, mapped to ``None``, is no stage; the
    guessed stages of unlisted columns stay unless the user gave their stage name to another
    column. Order: the cycle's (user stages outside the cycle follow, in mapping order), else the
    mapping's order, then the remaining guessed stages in their order.
    """
    user: dict[str, str | None] = {}
    listed: list[_Col] = []
    for entry in options.stage_map:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise SurveyError(f"Each stage mapping entry must be a (column, stage or None) pair, not {entry!r}.")
        col_text, stage = entry
        c = _find_column(str(col_text), cols, "a stage in your stage mapping")
        if c.name in taken:
            raise SurveyError(f"The column {c.name!r} in your stage mapping cannot be a stage: it is the respondent id.")
        if user_outcome is not None and c.name == user_outcome.name and stage is not None and str(stage).strip():
            raise SurveyError(f"The column {c.name!r} in your stage mapping cannot be a stage: it is the chosen outcome.")
        name = None if stage is None or not str(stage).strip() else str(stage).strip()
        if c.name in user:
            raise SurveyError(f"The column {c.name!r} appears twice in your stage mapping.")
        user[c.name] = name
        listed.append(c)
    chosen = [(c, user[c.name]) for c in listed if user[c.name] is not None]
    keys = [normalise_key(nm) for _, nm in chosen]
    dup = next((nm for (_, nm), k in zip(chosen, keys) if keys.count(k) > 1), None)
    if dup is not None:
        raise SurveyError(f"Your stage mapping gives the stage {dup!r} to more than one column.")
    user_keys = set(keys)
    if options.cycle is not None:
        names = {normalise_key(s): s for s in options.cycle.stage_names}
        chosen = [(c, names.get(normalise_key(nm), nm)) for c, nm in chosen]  # the cycle's spelling
    for c, nm in chosen:
        details[c.name] = _stage_detail(nm, "your mapping")
    for c in listed:
        if user[c.name] is None:
            roles[c.name] = ColumnRole(c.name, "ignored", "not a stage: your mapping", c.question)
            details.pop(c.name, None)
    kept = []
    for c, nm in stage_cols:
        if c.name in user:
            continue
        if normalise_key(nm) in user_keys:
            owner = next(u.name for u, unm in chosen if normalise_key(unm) == normalise_key(nm))
            roles[c.name] = ColumnRole(c.name, "ignored", f"not a stage: your mapping gives {nm!r} to the column {owner!r}", c.question)
            details.pop(c.name, None)
            continue
        kept.append((c, nm))
    if options.cycle is not None:
        pos = {s: k for k, s in enumerate(options.cycle.stage_names)}
        combined = chosen + kept
        rank = {id(t): k for k, t in enumerate(combined)}
        combined.sort(key=lambda t: (pos.get(t[1], len(pos)), rank[id(t)]))
        note = f"Stage order: the cycle {options.cycle.name!r} (stages mapped by you)."
    else:
        combined = chosen + kept
        note = "Stage order: your stage mapping."
    return combined, note if chosen else order_note


def _build_wide(raw: RawTable, cols: list[_Col], options: ImportOptions) -> Survey:
    n = raw.n_rows
    layout = raw.layout
    notes = _source_notes(raw)
    meta = frozenset(layout.metadata) if layout is not None else frozenset()
    roles: dict[str, ColumnRole] = {}

    # id
    id_c = None
    if layout is not None and layout.id_column and any(c.name == layout.id_column for c in cols):
        id_c = next(c for c in cols if c.name == layout.id_column)
    else:
        for c in cols:
            if _is_id_name(c.name) and c.n_values > 0 and c.n_unique >= 0.5 * c.n_values:
                id_c = c
                break
    taken = {id_c.name} if id_c is not None else set()

    # text answers -> scores (before the stages are chosen and the scale is inferred)
    notes += _score_labels(cols, set(meta) | taken, options)

    # outcome named by the user is never a stage
    user_outcome = _find_column(options.outcome, cols, "the outcome") if options.outcome else None
    is_export = layout is not None

    # stages
    stage_cols: list[tuple[_Col, str]] = []  # (column, stage name)
    details: dict[str, str] = {}  # column -> how it was mapped
    if options.stages:
        chosen: list[_Col] = []
        for s in options.stages:
            c = _find_column(s, cols, "a stage")
            if c.name in taken:
                raise SurveyError(f"The column {c.name!r} cannot be a stage: it is the respondent id.")
            chosen.append(c)
        default = default_stage_names({c.name: c.question or c.name for c in chosen}) if is_export else {}
        mapped: dict[str, tuple[str, str, float]] = {}
        if options.cycle is not None:
            if is_export:
                mp = map_questions({c.name: c.question for c in chosen}, options.cycle)
                for col, stg, method, conf in zip(mp["column"], mp["stage"], mp["method"], mp["confidence"]):
                    if stg is not None:
                        mapped[col] = (stg, method, float(conf))
            else:
                for c in chosen:
                    stg = options.cycle.find_stage(c.name) or (options.cycle.find_stage(c.question) if c.question else None)
                    if stg is not None:
                        mapped[c.name] = (stg.name, "", 1.0)
        for c in chosen:
            if c.name in mapped:
                name, method, conf = mapped[c.name]
                details[c.name] = _stage_detail(name, method, conf)
            else:
                name = default.get(c.name, c.name)
            stage_cols.append((c, name))
        order_note = "Stage order: the chosen stages."
        if options.cycle is not None:
            pos = {s: k for k, s in enumerate(options.cycle.stage_names)}
            stage_cols.sort(key=lambda t: pos.get(t[1], len(pos)))
            order_note = f"Stage order: the cycle {options.cycle.name!r}."
    elif options.cycle is not None:
        cyc = options.cycle
        by_stage: dict[str, _Col] = {}
        free = [c for c in cols if not (c.name in taken or c.name in meta or (user_outcome is not None and c.name == user_outcome.name))]
        if is_export:
            cands = [c for c in free if _rating_fit(c)[0] or cyc.find_stage(c.name) or (c.question and cyc.find_stage(c.question))]
            if cands:
                mp = map_questions({c.name: c.question for c in cands}, cyc)
                col_by = {c.name: c for c in cands}
                for col, stg, method, conf, note in zip(mp["column"], mp["stage"], mp["method"], mp["confidence"], mp["note"]):
                    c = col_by[col]
                    if stg is not None:
                        by_stage[stg] = c
                        details[c.name] = _stage_detail(stg, method, float(conf))
                    elif note.startswith("matches"):
                        roles[c.name] = ColumnRole(c.name, "ignored", f"not a stage: {note}", c.question)
        else:
            for c in free:
                stg = cyc.find_stage(c.name) or (cyc.find_stage(c.question) if c.question else None)
                if stg is None:
                    continue
                if stg.name in by_stage:
                    roles[c.name] = ColumnRole(c.name, "ignored", f"also matches the stage {stg.name!r}, already read from {by_stage[stg.name].name!r}", c.question)
                    continue
                by_stage[stg.name] = c
        if not by_stage and not any(stg for _, stg in options.stage_map):
            raise SurveyError(
                f"No column of the file matches a stage of the cycle {cyc.name!r} by name, alias or question; choose the stage columns."
            )
        stage_cols = [(by_stage[s], s) for s in cyc.stage_names if s in by_stage]
        missing = [s for s in cyc.stage_names if s not in by_stage]
        if missing:
            notes.append(f"Stages of the cycle {cyc.name!r} not in the file: {', '.join(missing)}.")
        order_note = f"Stage order: the cycle {cyc.name!r}."
    else:
        for c in cols:
            if c.name in taken or c.name in meta or (user_outcome is not None and c.name == user_outcome.name):
                continue
            if _is_outcome_column(c):
                continue
            if _is_id_name(c.name) or _is_derived_name(c.name):
                continue
            fit, _ = _rating_fit(c)
            if fit:
                stage_cols.append((c, c.name))
        if is_export and stage_cols:
            default = default_stage_names({c.name: c.question or c.name for c, _ in stage_cols})
            stage_cols = [(c, default[c.name]) for c, _ in stage_cols]
        order_note = "Stage order: the column order of the file."
    if options.stage_map:
        stage_cols, order_note = _apply_stage_map(cols, stage_cols, details, roles, taken, user_outcome, options, order_note)
    if not stage_cols:
        label = raw.source.get("file_name") or ""
        raise SurveyError(
            f"The file {repr(label) + ' ' if label else ''}has no rating columns: no column holds numbers that fit a 1-5, 1-7, 1-10 or 0-10 scale "
            "(for a long file: no id, stage and score columns were found)."
        )
    names = [nm for _, nm in stage_cols]
    dup = sorted({nm for nm in names if names.count(nm) > 1})
    if dup:
        raise SurveyError(f"Two chosen columns map to the same stage {dup[0]!r}.")
    taken |= {c.name for c, _ in stage_cols}
    notes.append(f"Wide layout: one row per respondent, {len(stage_cols)} stage columns.")
    notes.append(order_note)

    # scale over all stage columns
    counts: dict[float, int] = {}
    for c, _ in stage_cols:
        for v, k in c.number_counts().items():
            counts[v] = counts.get(v, 0) + k
    scale, scale_source, scale_notes = _choose_scale(counts, options, "numbers in the stage columns",
                                                     _label_scale([c for c, _ in stage_cols]))
    notes += scale_notes

    rej = _Rejects.new(n)
    rej.mark(_empty_rows(cols, n), rej.reason("empty row"))
    row_numbers = raw.data_row_numbers()
    if id_c is not None:
        rej.mark(id_c.empty[id_c.raw.codes], rej.reason("missing id"))
    S = len(stage_cols)
    score = np.full((n, S), np.nan)
    na_mask = np.zeros((n, S), dtype=bool)
    for j, (c, _) in enumerate(stage_cols):
        cls = _classify(c, scale)
        reasons = _value_reasons(c, cls, rej, "column {col!r} has {value!r}, which is {what}", scale)
        rc = reasons[c.raw.codes]
        rej.mark(rc > 0, rc)
        row_cls = cls[c.raw.codes]
        score[:, j] = np.where(row_cls == OK, c.num[c.raw.codes], np.nan)
        na_mask[:, j] = row_cls == NA

    # ids: from the id column (stripped) or the data row number
    if id_c is not None:
        id_uniq, id_map = _canonical(id_c)
        resp_all = id_map[id_c.raw.codes]
        ok = rej.code == 0
        dupl = np.zeros(n, dtype=bool)
        dupl[ok] = _duplicated(resp_all[ok])
        if dupl.any():
            rej.mark(dupl, rej.reason("duplicate respondent id (an earlier row has the same id)"))
        accepted = rej.code == 0
        id_text = np.asarray(id_uniq.to_numpy(zero_copy_only=False), dtype=object)[resp_all[accepted]]
    else:
        accepted = rej.code == 0
        id_text = np.array([str(x) for x in row_numbers[accepted].tolist()], dtype=object)
        notes.append("The file has no respondent id column; respondents are named by their data row number.")
    n_resp = int(accepted.sum())
    id_cats = pd.Index(list(id_text), dtype="str")
    acc_rows = np.nonzero(accepted)[0]
    sc = score[acc_rows]
    has = ~np.isnan(sc)
    r_resp, r_stage = np.nonzero(has)
    stage_dtype = pd.CategoricalDtype(pd.Index(names, dtype="str"), ordered=True)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(r_resp, categories=id_cats),
            "stage": pd.Categorical.from_codes(r_stage, dtype=stage_dtype),
            "score": sc[has].astype(np.float64),
        }
    )
    na_answers = int(na_mask[acc_rows].sum())

    rp = _plan_respondent_columns(cols, taken, options, n_resp, id_c.name if id_c else None, meta,
                                  layout.date_column if layout is not None else None)
    notes += rp.notes

    def value_codes(c: _Col) -> np.ndarray:
        return c.raw.codes[acc_rows].astype(np.int64)

    responses = _respondent_frame(pd.Categorical.from_codes(np.arange(n_resp), categories=id_cats), rp, value_codes, scale)

    roles.update(rp.roles)
    if id_c is not None:
        roles[id_c.name] = ColumnRole(id_c.name, "id", "respondent id", id_c.question)
    for c, nm in stage_cols:
        detail = details.get(c.name) or (nm if nm == c.name else f"stage {nm!r}")
        roles[c.name] = ColumnRole(c.name, "stage", detail, c.question)
    for c in cols:
        if c.name in meta and c.name not in roles:
            roles[c.name] = ColumnRole(c.name, "ignored", "not a stage: survey-tool metadata", c.question)
        elif c.name not in roles and _is_outcome_column(c) and options.cycle is None and not options.stages:
            roles[c.name] = ColumnRole(c.name, "ignored", "not a stage: named like an outcome", c.question)
    return _finish_survey(raw, rej, accepted, cols, roles, rp, options, notes,
                          fmt=layout.format if layout is not None else "wide", rows_accepted=n_resp,
                          n_resp=n_resp, ratings=ratings, responses=responses, scale=scale, scale_source=scale_source,
                          stages=names, id_column=id_c.name if id_c is not None else None, na_answers=na_answers)
