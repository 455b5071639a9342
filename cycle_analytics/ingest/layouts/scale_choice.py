"""Which rating scale the stage answers are on (docs/statistics.md, "Which scale is used").

In this order: the user's scale; the scale of the file's answer labels (when every number fits
it); the cycle's scale; the smallest of 1-5, 1-7, 1-10 and 0-10 holding 99% of the numbers; else
the candidate holding most of them, at least half (the other rows are rejected).

Example
-------
>>> from cycle_analytics.dataset import ImportOptions
>>> scale, source, notes = choose_scale({1.0: 3, 4.0: 5, 9.0: 2}, ImportOptions(), "scores")
>>> scale.label(), source
('1-10', 'inferred')
"""

from __future__ import annotations

import numpy as np

from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.layouts.columns import ColumnProfile
from cycle_analytics.scales import CANDIDATE_SCALES, Scale, infer_scale_from_counts, parse_scale

__all__ = ["choose_scale", "label_scale"]


def choose_scale(counts: dict[float, int], options: ImportOptions, what: str,
                 label_scale: tuple[Scale, str] | None = None) -> tuple[Scale, str, list[str]]:
    """The scale of the numbers ``counts`` (number -> answers), where it came from, and notes.

    ``what`` names the numbers in messages ("scores in 'score'"); ``label_scale`` is the answer
    labels' scale and variant names (:func:`label_scale`). The source is ``"user"``, ``"labels"``,
    ``"cycle"`` or ``"inferred"``.
    """
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
    return _best_covering_scale(counts, what, notes)


def _best_covering_scale(counts: dict[float, int], what: str, notes: list[str]) -> tuple[Scale, str, list[str]]:
    """No candidate holds 99%: the one holding most of the numbers (earlier candidates win ties), at least half."""
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


def label_scale(stage_cols: list[ColumnProfile]) -> tuple[Scale, str] | None:
    """The label set's scale and variant names when every label stage column agrees on one scale."""
    scales = {(c.label_scale.minimum, c.label_scale.maximum) for c in stage_cols if c.label_variant and c.label_scale is not None}
    if len(scales) != 1:
        return None
    variants = sorted({c.label_variant for c in stage_cols if c.label_variant and c.label_scale is not None})
    lo, hi = next(iter(scales))
    return Scale(lo, hi), ", ".join(variants)
