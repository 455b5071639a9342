"""Text answers (choice labels) -> scores, on the distinct values of each column.

The user's labels (``ImportOptions.label_map``: label -> score, or ``None`` = no answer) are applied
first, to any column; then :func:`cycle_analytics.ingest.labels.match_columns` finds the label
columns (built-in label sets, labelled numbers, N/A labels) from each column's distinct texts and
counts. In a label column a coded label gets its score (``ColumnProfile.num``), an N/A label becomes
no answer (``ColumnProfile.na``) and any other text is an unknown label (``ColumnProfile.unknown``:
the rows holding it are rejected when the column is a stage). Each unknown label is returned as an
:class:`~cycle_analytics.dataset.UnknownLabel` and said in a note.

Example
-------
>>> from cycle_analytics.dataset import ImportOptions
>>> from cycle_analytics.ingest.layouts.columns import profile_column
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"id,a,b\\n1,Satisfied,Meh\\n2,Dissatisfied,Satisfied\\n3,Meh,Very satisfied\\n")
>>> cols = [profile_column(c, ()) for c in raw.columns]
>>> scored = score_text_answers(cols, {"id"}, ImportOptions())
>>> scored.unknown_labels
(UnknownLabel(label='Meh', count=2, columns=('a', 'b')),)
>>> cols[1].num.tolist(), scored.notes[-1]
([4.0, 2.0, nan], "The label 'Meh' (2 answers, columns a; b) is not known; map it to a score or to N/A.")
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cycle_analytics.dataset import ImportOptions, UnknownLabel
from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.labels import LabelMatch, label_key, match_columns
from cycle_analytics.ingest.layouts.columns import ColumnProfile
from cycle_analytics.ingest.names import is_comment_name

__all__ = ["MAX_LABEL_VALUES", "MAX_USER_LABEL_VALUES", "TextAnswers", "score_text_answers"]

MAX_LABEL_VALUES = 100  # a column with more distinct texts is free text or ids, not answer labels
MAX_USER_LABEL_VALUES = 10_000  # distinct values looked up in the user's label map, per column
COLUMN_SEPARATOR = "; "  # between the column names of an unknown label, in its note


@dataclass(frozen=True)
class TextAnswers:
    """What scoring the text answers found: notes for the import summary and the unknown labels
    (most answers first, then by label)."""

    notes: tuple[str, ...]
    unknown_labels: tuple[UnknownLabel, ...] = ()


def score_text_answers(cols: list[ColumnProfile], skip: set[str], options: ImportOptions) -> TextAnswers:
    """Score the choice-text answers of the columns not in ``skip``, in place (see the module docstring)."""
    user, user_numbers = _user_labels(options)
    notes: list[str] = []
    distinct: dict[str, tuple[list[str], list[int]]] = {}  # label-column candidates: distinct texts and counts
    where: dict[str, np.ndarray] = {}  # ... and the indexes of those texts among the column's values
    n_user = 0
    for c in cols:
        if c.name in skip or not _answered(c).any():
            continue
        if user:
            n_user += _apply_user_labels(c, user, user_numbers)
        idx = _label_candidate_values(c)
        if idx is not None:
            distinct[c.name] = (c.trimmed.take(pa.array(idx)).to_pylist(), c.counts[idx].tolist())
            where[c.name] = idx
    if n_user:
        notes.append(_("{n_user} answers were read with your label mapping.").format(n_user=n_user))
    if not distinct:
        return TextAnswers(tuple(notes))
    matches, _notes = match_columns(distinct)
    # one label repeated is not a rating scale ("OK" in a comment column): at least two scores
    matches = {k: m for k, m in matches.items() if len(set(m.codes.values())) >= 2}
    by_name = {c.name: c for c in cols}
    unknown: dict[str, list] = {}  # label -> [answers, columns]
    for name, m in matches.items():
        for label, count in _apply_label_match(by_name[name], m, where[name], *distinct[name]).items():
            entry = unknown.setdefault(label, [0, []])
            entry[0] += count
            entry[1].append(name)
        notes.extend(n for n in m.notes if n not in notes)
    if matches:
        shown = ", ".join(f"{n!r} ({matches[n].variant})" for n in list(matches)[:10]) + (" ..." if len(matches) > 10 else "")
        notes.append(_("Text answers were scored with the built-in answer labels: {shown}.").format(shown=shown))
    labels = tuple(UnknownLabel(label, count, tuple(names))
                   for label, (count, names) in sorted(unknown.items(), key=lambda kv: (-kv[1][0], kv[0])))
    notes.extend(_unknown_label_note(u) for u in labels)
    return TextAnswers(tuple(notes), labels)


def _answered(c: ColumnProfile) -> np.ndarray:
    """Distinct values that occur and are neither empty nor N/A."""
    return (c.counts > 0) & ~c.empty & ~c.na


def _user_labels(options: ImportOptions) -> tuple[dict[str, float | None], np.ndarray]:
    """The user's label map by label key, and its labels that are numbers ("99" -> N/A)."""
    user = {label_key(k): v for k, v in options.label_map}
    user.pop("", None)
    numbers = []
    for k, _score in options.label_map:
        try:
            numbers.append(float(str(k).strip().replace(",", ".")))
        except ValueError:
            pass
    return user, np.array(numbers, dtype=float)


def _apply_user_labels(c: ColumnProfile, user: dict[str, float | None], user_numbers: np.ndarray) -> int:
    """Score (or make N/A) the values of ``c`` the user mapped; returns the answers read that way.

    Text values and numbers the user mapped are looked up, unless the column has more than
    ``MAX_USER_LABEL_VALUES`` of them (free text or ids).
    """
    keep = _answered(c)
    candidates = (keep & np.isnan(c.num)) | np.isin(c.num, user_numbers)
    if int(candidates.sum()) > MAX_USER_LABEL_VALUES:
        return 0
    c.own_arrays()
    n = 0
    idx = np.nonzero(candidates)[0]
    for i, t in zip(idx.tolist(), c.trimmed.take(pa.array(idx)).to_pylist()):
        k = label_key(t)
        if k in user:
            n += int(c.counts[i])
            if user[k] is None:
                c.na[i] = True
                c.num[i] = np.nan
            else:
                c.num[i] = float(user[k])
    return n


def _label_candidate_values(c: ColumnProfile) -> np.ndarray | None:
    """Indexes of the answered values when ``c`` may be a label column: some text, at most
    ``MAX_LABEL_VALUES`` distinct values, not a comment (unless it is a survey question)."""
    keep = _answered(c)
    has_text = (keep & np.isnan(c.num)).any()
    if not has_text or c.n_unique > MAX_LABEL_VALUES or (is_comment_name(c.name) and not c.question):
        return None
    return np.nonzero(keep)[0]


def _apply_label_match(c: ColumnProfile, m: LabelMatch, idx: np.ndarray, values: list[str], counts: list[int]) -> dict[str, int]:
    """Score the values ``idx`` of ``c`` with its label match ``m``, in place; returns unknown label -> answers."""
    c.own_arrays()
    na_set = set(m.na_labels)
    unknown_mask = np.zeros(len(c.num), dtype=bool)
    unknown: dict[str, int] = {}
    for i, v, k in zip(idx.tolist(), values, counts):
        if v in m.codes:
            c.num[i] = float(m.codes[v])
        elif v in na_set:
            c.na[i] = True
            c.num[i] = np.nan
        elif np.isnan(c.num[i]):  # a plain number stays a number; other text is an unknown label
            unknown_mask[i] = True
            unknown[v] = unknown.get(v, 0) + int(k)
    c.unknown = unknown_mask
    c.label_variant = m.variant
    c.label_scale = m.scale
    return unknown


def _unknown_label_note(u: UnknownLabel) -> str:
    fields = {"label": u.label, "n": format_number(u.count), "columns": COLUMN_SEPARATOR.join(u.columns)}
    if len(u.columns) > 1:
        text = ngettext("The label {label!r} ({n} answer, columns {columns}) is not known; map it to a score or to N/A.",
                        "The label {label!r} ({n} answers, columns {columns}) is not known; map it to a score or to N/A.",
                        u.count)
    else:
        text = ngettext("The label {label!r} ({n} answer, column {columns}) is not known; map it to a score or to N/A.",
                        "The label {label!r} ({n} answers, column {columns}) is not known; map it to a score or to N/A.",
                        u.count)
    return text.format(**fields)
