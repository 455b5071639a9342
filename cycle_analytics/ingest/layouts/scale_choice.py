"""Which rating scale the stage answers are on, and which values just outside it mean "no answer"
(docs/statistics.md, "Which scale is used" and "N/A codes").

In this order: the user's scale; the scale of the file's answer labels or value labels (when it
holds 99% of the numbers; the rest are N/A codes or invalid answers); the cycle's scale; else the *reading* of the numbers (:func:`read_scale`); else the candidate
holding most of them, at least half (the other answers are invalid).

:func:`read_scale` tries the candidates of :data:`cycle_analytics.scales.CANDIDATE_SCALES`, fewest
points first. A candidate fits when at most 1% of the answers fall outside it that are not codes,
and at most three values outside it are read as *N/A codes* (with at least half of the answers on
the scale, or a fifth when the codes rest on evidence):

* a value just outside its ends (``0`` or ``6`` on 1-5, ``11`` on 0-10) or a usual no-answer code
  beyond it (``9``, ``99``, ``999``, ``-1``, ``-9`` ...);
* but when that value would make another candidate scale of at most three more points (0 on 1-5
  gives 0-5, 6 on 1-5 gives 1-6), it is an answer of that scale, unless the file shows otherwise:
  that scale must be a less common one (never 1-5, 1-7, 1-10 or 0-10: 5 on 1-4 is an answer), and
  the respondents who gave the value must rate the *other* stages clearly unlike those at the
  neighbouring end of the scale (:class:`RestEvidence`: people who answered 0 rate the rest like
  the average, not below those who answered 1, so 0 is not a point below 1). Without that
  evidence (one stage column, unrelated stages) the larger scale is read: data on 0-5 are 0-5.

Example
-------
>>> r = read_scale({1.0: 40, 2.0: 50, 3.0: 60, 4.0: 50, 5.0: 30, 99.0: 12})
>>> r.scale.label(), [(v, n) for v, n, _ in r.codes]
('1-5', [(99.0, 12)])
>>> read_scale({0.0: 40, 1.0: 50, 2.0: 60, 3.0: 50, 4.0: 30, 5.0: 10}).scale.label()
'0-5'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cycle_analytics.dataset import ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_decimal, format_number, format_percent, ngettext, gettext as _
from cycle_analytics.ingest.layouts.columns import ColumnProfile
from cycle_analytics.scales import CANDIDATE_SCALES, COMMON_SCALES, Scale, parse_scale, shows_scale

__all__ = ["ScaleReading", "RestEvidence", "choose_scale", "read_scale", "label_scale", "SENTINEL_CODES",
           "codes_outside_scale", "MAX_STRAY_SHARE",
           "MAX_CODES", "EVIDENCE_Z", "MIN_EVIDENCE_ANSWERS", "rest_statistics", "rest_statistics_from_sums"]

#: Usual no-answer codes beyond a scale (never answers of a scale they lie outside of by 2 or more).
SENTINEL_CODES = frozenset({9.0, 99.0, 999.0, 9999.0, 98.0, 998.0, 97.0, 997.0, 88.0, 888.0,
                            -1.0, -9.0, -99.0, -999.0, -8.0, -98.0, -7.0, -97.0})
MAX_CODES = 3  # values outside a scale read as N/A codes, at most
MAX_STRAY_SHARE = 0.01  # answers outside the scale that are no code (invalid answers), at most
MIN_INSIDE_SHARE = 0.2  # answers on the scale, at least (a stage most skip: its N/A code may dominate)
UNEVIDENCED_INSIDE_SHARE = 0.5  # ... at least, when a code rests on no evidence (a value outside, or 9, 99)
EVIDENCE_Z = 3.0  # how many standard errors apart a code's rest score must be from the end point's
MIN_EVIDENCE_ANSWERS = 10  # answers on each side of the comparison, at least
LABEL_COVERAGE = 0.99  # share of the numbers the answer labels' scale must hold to be used
EXTENSION_POINTS = 3  # a value outside a scale by one makes a scale of up to this many more points ambiguous


@dataclass(frozen=True)
class ScaleReading:
    """What :func:`read_scale` found: the ``scale``, the N/A ``codes`` as ``(value, answers, reason)``,
    the answers outside the scale that are no code (``strays``: invalid answers) and a sentence."""

    scale: Scale
    codes: tuple[tuple[float, int, str], ...] = ()
    strays: int = 0
    reason: str = ""

    @property
    def code_values(self) -> tuple[float, ...]:
        return tuple(v for v, _, _ in self.codes)


def rest_statistics(values: np.ndarray, rest: np.ndarray, counts: int | None = None) -> dict[float, tuple[int, float, float]]:
    """Per distinct value of ``values``: ``(n, mean, variance)`` of ``rest`` over the entries where
    both are finite (the building block of :class:`RestEvidence`)."""
    ok = np.isfinite(values) & np.isfinite(rest)
    v, r = values[ok], rest[ok]
    if v.size == 0:
        return {}
    uniq, inv = np.unique(v, return_inverse=True)
    n = np.bincount(inv, minlength=uniq.size).astype(float)
    s = np.bincount(inv, weights=r, minlength=uniq.size)
    ss = np.bincount(inv, weights=r * r, minlength=uniq.size)
    return rest_statistics_from_sums(uniq, n, s, ss)


def rest_statistics_from_sums(values: np.ndarray, n: np.ndarray, s: np.ndarray, ss: np.ndarray) -> dict[float, tuple[int, float, float]]:
    """:func:`rest_statistics` from, per distinct value, the count ``n``, sum ``s`` and sum of
    squares ``ss`` of the rest scores (values with ``n == 0`` left out; the query engine sums them
    in SQL, :mod:`cycle_analytics.engine.csv_source`)."""
    values, n, s, ss = (np.asarray(x, dtype=float) for x in (values, n, s, ss))
    keep = n > 0
    values, n, s, ss = values[keep], n[keep], s[keep], ss[keep]
    mean = s / n
    var = np.maximum(ss / n - mean * mean, 0.0) * n / np.maximum(n - 1, 1)
    return {float(u): (int(k), float(m), float(w)) for u, k, m, w in zip(values, n, mean, var)}


@dataclass
class RestEvidence:
    """How the respondents who gave each value rate the *other* stages (their rest score).

    ``compute`` returns value -> ``(n, mean, variance)`` (:func:`rest_statistics`); it is called
    once, the first time evidence is needed, so files that need none pay nothing.
    """

    compute: Callable[[], dict[float, tuple[int, float, float]]]
    _stats: dict | None = field(default=None, repr=False)

    @property
    def stats(self) -> dict[float, tuple[int, float, float]]:
        if self._stats is None:
            self._stats = self.compute()
        return self._stats

    def coherent(self, scale: Scale) -> bool:
        """The rest score rises across the scale: the mean of those at its top end is more than
        :data:`EVIDENCE_Z` standard errors above the mean of those at its bottom end."""
        lo, hi = self._side(float(scale.minimum), +1, scale), self._side(float(scale.maximum), -1, scale)
        if lo is None or hi is None:
            return False
        return self._z(hi, lo) > EVIDENCE_Z

    def _side(self, end: float, step: int, scale: Scale):
        """The statistics of ``end``, or of the nearest point inward with enough answers."""
        v = end
        while scale.minimum <= v <= scale.maximum:
            st = self.stats.get(v)
            if st is not None and st[0] >= MIN_EVIDENCE_ANSWERS:
                return st
            v += step
        return None

    @staticmethod
    def _z(a, b) -> float:
        se = np.sqrt(a[2] / a[0] + b[2] / b[0])
        return float((a[1] - b[1]) / se) if se > 0 else (np.inf if a[1] > b[1] else -np.inf if a[1] < b[1] else 0.0)

    def no_answer(self, value: float, scale: Scale) -> tuple[bool, str]:
        """Whether ``value`` (just outside ``scale``) is no point of it: its respondents' rest score
        lies clearly on the wrong side of the neighbouring end's (above the lowest point's for a
        value below, below the highest point's for a value above). Returns the verdict and the
        comparison in words (a whole clause: why ``value`` is read as no answer)."""
        below = value < scale.minimum
        end = float(scale.minimum if below else scale.maximum)
        mine = self.stats.get(float(value))
        theirs = self._side(end, +1 if below else -1, scale)
        if mine is None or theirs is None or mine[0] < MIN_EVIDENCE_ANSWERS or not self.coherent(scale):
            return False, ""
        z = self._z(mine, theirs)
        verdict = z > EVIDENCE_Z if below else z < -EVIDENCE_Z
        if below:
            words = _("{value} lies just outside the {scale} answers and those who answered {value} rate the other "
                      "stages {mine} on average, above those who answered {end} ({theirs})")
        else:
            words = _("{value} lies just outside the {scale} answers and those who answered {value} rate the other "
                      "stages {mine} on average, below those who answered {end} ({theirs})")
        return verdict, words.format(value=f"{value:g}", scale=scale.label(), mine=format_decimal(mine[1], 2),
                                     end=f"{end:g}", theirs=format_decimal(theirs[1], 2))


def _extension(scale: Scale, value: float) -> Scale | None:
    """The smallest other candidate holding ``scale`` and ``value`` with at most
    :data:`EXTENSION_POINTS` more points, or ``None``."""
    for cand in CANDIDATE_SCALES:
        if cand == scale or cand.points > scale.points + EXTENSION_POINTS:
            continue
        if cand.minimum <= min(scale.minimum, value) and cand.maximum >= max(scale.maximum, value):
            return cand
    return None


def read_scale(counts: dict[float, int], evidence: RestEvidence | None = None) -> ScaleReading | None:
    """The scale of the numbers ``counts`` (number -> answers) and its N/A codes (see the module
    docstring); ``None`` when no candidate fits."""
    items = {float(v): int(k) for v, k in counts.items() if k > 0 and v == v}
    total = sum(items.values())
    if total == 0:
        return None
    for scale in CANDIDATE_SCALES:
        inside = {v: k for v, k in items.items() if scale.minimum <= v <= scale.maximum and v == int(v)}
        n_inside = sum(inside.values())
        if n_inside < MIN_INSIDE_SHARE * total or not shows_scale(scale, inside):
            continue
        found = _codes_outside(scale, items, inside, evidence)
        if found is None:
            continue
        codes, strays, evidenced = found
        if len(codes) > MAX_CODES or strays > MAX_STRAY_SHARE * total:
            continue
        if len(codes) > evidenced and n_inside < UNEVIDENCED_INSIDE_SHARE * total:
            continue  # codes without evidence need most answers on the scale (0, 3, 6, 9 are answers of 0-10)
        return ScaleReading(scale, tuple(codes), strays, _reading_sentence(scale, codes, strays, total))
    return None


def _codes_outside(scale: Scale, items: dict[float, int], inside: dict,
                   evidence: RestEvidence | None) -> tuple[list, int, int] | None:
    """The N/A codes, the stray answers and how many of the codes rest on evidence, for ``scale``;
    ``None`` when a value outside it is an answer of a neighbouring candidate scale (it does not fit)."""
    codes, strays, evidenced = [], 0, 0
    for v, k in sorted(items.items()):
        if v in inside:
            continue
        edge = v in (scale.minimum - 1, scale.maximum + 1)
        sentinel = v in SENTINEL_CODES and (v >= scale.maximum + 2 or v <= scale.minimum - 2)
        if not (edge or sentinel):
            strays += k
            continue
        if edge:
            ext = _extension(scale, v)
            if ext is not None:
                if ext in COMMON_SCALES or evidence is None:
                    return None
                verdict, words = evidence.no_answer(v, scale)
                if not verdict:
                    return None
                codes.append((v, k, words))
                evidenced += 1
                continue
            codes.append((v, k, _edge_code_reason(v, scale)))
        else:
            codes.append((v, k, _usual_code_reason(v, scale)))
    return codes, strays, evidenced


def _edge_code_reason(value: float, scale: Scale) -> str:
    """Why a value just outside ``scale`` is read as no answer (a whole clause)."""
    return _("{value} lies just outside the {scale} scale, where no answer can be").format(value=f"{value:g}",
                                                                                           scale=scale.label())


def _usual_code_reason(value: float, scale: Scale) -> str:
    """Why a usual no-answer code far outside ``scale`` is read as no answer (a whole clause)."""
    return _("{value} is a usual no-answer code, far outside the {scale} scale").format(value=f"{value:g}",
                                                                                       scale=scale.label())


def codes_outside_scale(scale: Scale, counts: dict[float, int]) -> tuple[tuple[float, int, str], ...]:
    """The N/A codes of numbers on a scale the user, the cycle or the answer labels gave: the values
    just outside it and the usual no-answer codes beyond it (no evidence needed: the scale is known).

    >>> [(v, n) for v, n, _ in codes_outside_scale(Scale(1, 5), {1.0: 4, 5.0: 3, 6.0: 2, 7.0: 1, 99.0: 1})]
    [(6.0, 2), (99.0, 1)]
    """
    out = []
    for v, k in sorted(counts.items()):
        if k <= 0 or scale.minimum <= v <= scale.maximum:
            continue
        if v in (scale.minimum - 1, scale.maximum + 1):
            out.append((v, int(k), _edge_code_reason(v, scale)))
        elif v in SENTINEL_CODES and (v >= scale.maximum + 2 or v <= scale.minimum - 2):
            out.append((v, int(k), _usual_code_reason(v, scale)))
    return tuple(out[:MAX_CODES])


def _reading_sentence(scale: Scale, codes: list, strays: int, total: int) -> str:
    """How the scale was read from the answers, in one sentence: the smallest usual scale holding
    them, the N/A codes and the invalid answers outside it."""
    fields = {"scale": scale.label(), "codes": ", ".join(f"{v:g}" for v, _k, _why in codes),
              "n": format_number(strays)}
    if codes and strays:
        text = ngettext("{scale}: the smallest usual scale holding the answers, with {codes} read as no answer, "
                        "{n} other answer outside it is invalid.",
                        "{scale}: the smallest usual scale holding the answers, with {codes} read as no answer, "
                        "{n} other answers outside it are invalid.", strays)
    elif codes:
        text = _("{scale}: the smallest usual scale holding the answers, with {codes} read as no answer.")
    elif strays:
        text = ngettext("{scale}: the smallest usual scale holding the answers, {n} other answer outside it is invalid.",
                        "{scale}: the smallest usual scale holding the answers, {n} other answers outside it are "
                        "invalid.", strays)
    else:
        text = _("{scale}: the smallest usual scale holding the answers.")
    return text.format(**fields)


#: The sentences about the numbers a scale is read from: those of the stage columns of a wide file
#: (key ``None``) and those of the score column of a long file (``"column"``, named ``{column!r}``);
#: whole sentences (English here, said translated), so that each language words them its own way.
_SCALE_SENTENCES = {
    None: {
        "inferred": N_("The scale {scale} was inferred from the numbers in the stage columns: the smallest usual "
                       "scale holding them."),
        "inferred_na": N_("The scale {scale} was inferred from the numbers in the stage columns: the smallest usual "
                          "scale holding them, with the values just outside it read as no answer."),
        "empty": N_("The numbers in the stage columns hold no numbers, so no rating scale can be inferred."),
        "unfit": N_("The numbers in the stage columns do not fit a usual rating scale such as 1-5 or 0-10 (values "
                    "from {min:g} to {max:g}); give the scale."),
        "partial": N_("No scale holds 99% of the numbers in the stage columns; the scale {scale} holds {share} of them "
                      "and the other answers are invalid."),
    },
    "column": {
        "inferred": N_("The scale {scale} was inferred from the scores in {column!r}: the smallest usual scale holding "
                       "them."),
        "inferred_na": N_("The scale {scale} was inferred from the scores in {column!r}: the smallest usual scale "
                          "holding them, with the values just outside it read as no answer."),
        "empty": N_("The scores in {column!r} hold no numbers, so no rating scale can be inferred."),
        "unfit": N_("The scores in {column!r} do not fit a usual rating scale such as 1-5 or 0-10 (values from {min:g} "
                    "to {max:g}); give the scale."),
        "partial": N_("No scale holds 99% of the scores in {column!r}; the scale {scale} holds {share} of them and the "
                      "other answers are invalid."),
    },
}


def _scale_sentence(score_column: str | None, which: str, **fields) -> str:
    """One sentence of :data:`_SCALE_SENTENCES` in the current language."""
    return _(_SCALE_SENTENCES[None if score_column is None else "column"][which]).format(column=score_column, **fields)


def choose_scale(counts: dict[float, int], options: ImportOptions, score_column: str | None,
                 label_scale: tuple[Scale, str] | None = None,
                 evidence: RestEvidence | None = None) -> tuple[Scale, str, list[str], ScaleReading | None]:
    """The scale of the numbers ``counts`` (number -> answers), where it came from, notes, and the
    reading with its N/A codes when the scale was inferred.

    ``score_column`` is the score column of a long file (``None``: the stage columns of a wide
    file), named in the notes and errors; ``label_scale`` is the answer
    labels' scale and variant names (:func:`label_scale`); ``evidence`` the rest scores that can
    make a value just outside a scale an N/A code. The source is ``"user"``, ``"labels"``,
    ``"cycle"`` or ``"inferred"``.
    """
    notes = []
    if options.scale is not None:
        return options.scale, "user", notes, None
    if label_scale is not None:  # the file's own answer labels say it: they win over the cycle's usual scale
        lscale, variant = label_scale
        vals = np.fromiter(counts.keys(), dtype=float)
        cnt = np.fromiter(counts.values(), dtype=float)
        if vals.size and cnt[lscale.contains(vals)].sum() >= LABEL_COVERAGE * cnt.sum():
            cyc = parse_scale(options.cycle.scale) if options.cycle is not None and options.cycle.scale else None
            if cyc is not None and cyc == lscale:
                return cyc, "cycle", notes, None
            text = (_("The scale {label} was taken from the answer labels ({variant}), not the cycle's {cycle}.")
                    if cyc is not None else _("The scale {label} was taken from the answer labels ({variant})."))
            notes.append(text.format(label=lscale.label(), variant=variant, cycle=cyc.label() if cyc is not None else ""))
            return lscale, "labels", notes, None
    if options.cycle is not None and options.cycle.scale:
        return parse_scale(options.cycle.scale), "cycle", notes, None
    reading = read_scale(counts, evidence)
    if reading is not None:
        notes.append(_scale_sentence(score_column, "inferred_na" if reading.codes else "inferred",
                                     scale=reading.scale.label()))
        return reading.scale, "inferred", notes, reading
    scale, source, notes = _best_covering_scale(counts, score_column, notes)
    return scale, source, notes, ScaleReading(scale, (), 0, notes[-1])


def _best_covering_scale(counts: dict[float, int], score_column: str | None, notes: list[str]) -> tuple[Scale, str, list[str]]:
    """No candidate fits: the one holding most of the numbers (earlier candidates win ties), at least half."""
    vals = np.fromiter(counts.keys(), dtype=float)
    cnt = np.fromiter(counts.values(), dtype=float)
    if cnt.sum() == 0:
        raise SurveyError(_scale_sentence(score_column, "empty"))
    cover = [(cnt[s.contains(vals)].sum() / cnt.sum(), -i, s) for i, s in enumerate(CANDIDATE_SCALES)]
    share, _order, scale = max(cover, key=lambda t: (t[0], t[1]))
    if share < 0.5:
        raise SurveyError(
            _scale_sentence(score_column, "unfit", min=vals.min(), max=vals.max())
        )
    notes.append(
        _scale_sentence(score_column, "partial", scale=scale.label(), share=format_percent(share, 1))
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
