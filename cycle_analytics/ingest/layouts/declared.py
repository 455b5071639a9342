"""What an SPSS or Stata file declares about its columns, applied to their profiles.

Such a file carries, per column, value labels (``1 = Very dissatisfied`` ... ``5 = Very
satisfied``, ``9 = Don't know``), declared missing values and a measurement level
(:class:`~cycle_analytics.ingest.formats.base.ExportLayout` ``value_labels``, ``missing_codes``,
``measures``; read by :mod:`cycle_analytics.ingest.spss`). :func:`apply_declared` turns them into
what the layouts read:

* a declared missing value, or a value labelled like *no answer* (``Don't know``, ``Not
  applicable``, ``Tidak tahu``, ``No sabe`` ...), is an N/A code of its column;
* the labelled values of a rating question give its scale (``ColumnProfile.label_scale``, used by
  :func:`cycle_analytics.ingest.layouts.scale_choice.label_scale` when the stage columns agree);
  when its labels run the other way (``1 = very satisfied`` ... ``7 = very dissatisfied``), its
  answers are reversed on that scale (``min + max - answer``) so that a higher score is better, and
  a note says so;
* a categorical column (declared nominal, or every value labelled with words that are no rating
  labels: ``1 = Male``, ``2 = Female``) is read as its labels, so it becomes a segment with readable
  values, never a stage.

Example
-------
>>> from cycle_analytics.ingest.formats.base import ExportLayout
>>> from cycle_analytics.ingest.layouts.columns import profile_column
>>> from cycle_analytics.ingest.reading import read_raw
>>> raw = read_raw(b"q1,sex\\n1,1\\n5,2\\n9,1\\n")
>>> cols = [profile_column(c, ()) for c in raw.columns]
>>> lay = ExportLayout("spss", 0, ("q1", "sex"), value_labels={"q1": {"1": "Very dissatisfied", "5": "Very satisfied",
...       "9": "Don't know"}, "sex": {"1": "Male", "2": "Female"}}, measures={"sex": "nominal"})
>>> declared = apply_declared(cols, lay)
>>> cols[0].label_scale, cols[0].na.tolist(), cols[1].texts(), declared.missing
(Scale(minimum=1, maximum=5), [False, False, True], ['Male', 'Female'], {'q1': {'9'}})
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from cycle_analytics.dataset import ImportOptions
from cycle_analytics.ingest.formats.base import ExportLayout
from cycle_analytics.ingest.labels import match_label_set
from cycle_analytics.ingest.layouts.columns import ColumnProfile
from cycle_analytics.ingest.names import is_no_answer
from cycle_analytics.scales import Scale

__all__ = ["apply_declared", "Declared", "LABELS_VARIANT"]

LABELS_VARIANT = "value labels of the file"


@dataclass(frozen=True)
class Declared:
    """What :func:`apply_declared` read: column -> the code texts that are no answer because the file
    says so, and notes (reversed columns)."""

    missing: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def apply_declared(cols: list[ColumnProfile], layout: ExportLayout | None,
                   options: ImportOptions = ImportOptions()) -> Declared:
    """Apply the file's value labels, declared missing values and measurement levels to ``cols``
    (in place).

    Declared missing values are not applied when the user set the N/A codes themselves
    (``options.infer_na_codes`` off).
    """
    if layout is None or not (layout.value_labels or layout.missing_codes):
        return Declared()
    declared: dict[str, set[str]] = {}
    reversed_cols: list[str] = []
    for c in cols:
        labels = {str(k): str(v) for k, v in (layout.value_labels.get(c.name) or {}).items()}
        missing = {str(m) for m in layout.missing_codes.get(c.name, ())} if options.infer_na_codes else set()
        missing |= {k for k, v in labels.items() if is_no_answer(v)}
        if missing:
            declared[c.name] = missing
            _mark_missing(c, missing)
        if labels:
            c.value_labels = labels
            valid = {k: v for k, v in labels.items() if k not in missing}
            if _categorical(c, valid, layout.measures.get(c.name, "")):
                _read_as_labels(c, valid)
            else:
                scale = _labelled_scale(valid)
                if scale is not None:
                    c.label_scale, c.label_variant = scale, LABELS_VARIANT
                    if _runs_backwards(valid):
                        _reverse(c, scale)
                        reversed_cols.append(c.name)
    notes = ()
    if reversed_cols:
        shown = ", ".join(repr(n) for n in reversed_cols[:8]) + (" ..." if len(reversed_cols) > 8 else "")
        notes = (f"The value labels of {shown} put the best answer first (1 = very satisfied); their answers were "
                 "reversed on the same scale so that a higher score is better.",)
    return Declared(declared, notes)


def _runs_backwards(labels: dict[str, str]) -> bool:
    """Whether the labelled codes run opposite to their meaning: the label of the lowest code scores
    higher than the label of the highest one in a built-in label set."""
    coded = []
    for k, v in labels.items():
        try:
            coded.append((float(k), v))
        except ValueError:
            return False
    if len(coded) < 2:
        return False
    coded.sort()
    match = match_label_set([coded[0][1], coded[-1][1]])
    if match is None or coded[0][1] not in match.codes or coded[-1][1] not in match.codes:
        return False
    return match.codes[coded[0][1]] > match.codes[coded[-1][1]]


def _reverse(c: ColumnProfile, scale: Scale) -> None:
    """Reverse the column's answers on ``scale`` (in place): ``min + max - answer``."""
    c.own_arrays()
    on = (c.num >= scale.minimum) & (c.num <= scale.maximum) & ~c.na
    c.num[on] = scale.minimum + scale.maximum - c.num[on]


def _mark_missing(c: ColumnProfile, missing: set[str]) -> None:
    """Make the values whose text (or number) is one of ``missing`` no answer."""
    nums = set()
    for m in missing:
        try:
            nums.add(float(m))
        except ValueError:
            pass
    texts = np.asarray(c.trimmed.to_numpy(zero_copy_only=False), dtype=object)
    hit = np.array([t in missing for t in texts], dtype=bool) | np.isin(c.num, np.array(sorted(nums)))
    hit &= ~c.empty
    if hit.any():
        c.own_arrays()
        c.na |= hit


def _labelled_scale(labels: dict[str, str]) -> Scale | None:
    """The scale the labelled whole-number codes span (at least two of them), or ``None``."""
    codes = []
    for k in labels:
        try:
            v = float(k)
        except ValueError:
            return None
        if v != int(v):
            return None
        codes.append(int(v))
    if len(codes) < 2 or min(codes) == max(codes):
        return None
    return Scale(min(codes), max(codes))


def _categorical(c: ColumnProfile, labels: dict[str, str], measure: str) -> bool:
    """A column of categories: declared nominal, or (not declared ordinal / scale) every occurring
    value labelled with words that no rating label set and no number explains."""
    if not labels:
        return False
    if measure == "nominal":
        return True
    if measure in ("ordinal", "scale"):
        return False
    occurring = set(c.texts((c.counts > 0) & ~c.empty & ~c.na))
    if not occurring or not occurring <= set(labels):
        return False
    return match_label_set(list(labels.values())) is None


def _read_as_labels(c: ColumnProfile, labels: dict[str, str]) -> None:
    """Replace the column's code texts by their labels (unlabelled codes stay as written)."""
    texts = c.trimmed.to_pylist()
    c.trimmed = pa.array([labels.get(t, t) for t in texts], pa.string())
    c.own_arrays()
    c.num[:] = np.nan
