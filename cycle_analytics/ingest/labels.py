"""Text answers to scores: built-in label sets (satisfaction, agreement, quality, ease, frequency,
likelihood, favourability) in English, Indonesian and Spanish, and the labels that mean *no answer*.

Survey tools often export the choice text (``Very satisfied``) instead of the code (``5``). A
column of such text is turned into scores here, before the wide reader infers the scale:

1. :func:`match_label_set` takes a column's distinct values (and their counts) and picks the
   label-set variant that explains the most of them (ties: more distinct scale points covered, then
   the more common variant, e.g. the 5-point before the 4- and 7-point ones). Labels are compared
   ignoring case, spaces and punctuation (``"very-satisfied "`` == ``"Very satisfied"``).
2. A label carrying its own number (``"5 - Very satisfied"``, ``"Extremely likely 10"``) is scored
   by that number, and bare numbers in the same column (``"7"``) are then scores too: this is how
   tools export scales with labelled end points.
3. N/A labels (``N/A``, ``NA``, ``Not applicable``, ``Don't know``, ``Did not use``, ``Unfamiliar
   (N/A)``, ``Prefer not to say``...) are no answer, never a score.
4. Anything else is an *unknown label*: it is reported with its count and the columns it appears
   in, never silently dropped; the user can map it (``user_map``, label -> score or ``None`` for
   no answer), which also overrides the built-in sets.

:func:`apply_labels` does this for every text column of a frame in one pass per column (codes are
looked up on the column's distinct values, so the cost does not grow with Python loops over rows).

Examples
--------
>>> m = match_label_set(["Very satisfied", "satisfied", "Neutral", "N/A", "Meh"])
>>> m.label_set, m.variant, m.codes["satisfied"], m.na_labels, m.unknown
('satisfaction', 'satisfaction-5', 4.0, ('N/A',), {'Meh': 1})
>>> match_label_set(["0 - Not at all likely", "7", "Extremely likely 10"]).codes["Extremely likely 10"]
10.0
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cycle_analytics.cycles import normalise_key
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import NP_, gettext as _
from cycle_analytics.ingest.names import NO_ANSWER_KEYS, NO_ANSWER_LABELS
from cycle_analytics.scales import Scale, infer_scale

__all__ = [
    "LabelVariant", "LabelMatch", "LabelResult", "LABEL_SETS", "NA_LABELS",
    "match_label_set", "match_columns", "apply_labels", "label_key", "split_number",
]


@dataclass(frozen=True)
class LabelVariant:
    """One ordered answer scale: ``points[i]`` holds the synonyms scored ``minimum + i``."""

    family: str
    name: str
    points: tuple[tuple[str, ...], ...]
    minimum: int = 1

    @property
    def scale(self) -> Scale:
        return Scale(self.minimum, self.minimum + len(self.points) - 1)

    def lookup(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for i, syns in enumerate(self.points):
            for s in syns:
                out.setdefault(normalise_key(s), self.minimum + i)
        return out


def _v(family, name, *points):
    return LabelVariant(family, name, tuple((p,) if isinstance(p, str) else tuple(p) for p in points))


_NEUTRAL = ("Neutral", "Neither", "Undecided",
            "Netral", "Biasa saja", "Ragu-ragu",  # Indonesian
            "Neutro", "Indiferente", "Indeciso")  # Spanish ("Neutral" is also Spanish)
# The survey builder shows the first synonym of each point of its variants, translated through the
# catalogue (NP_ marks them, context "answer label"); the Indonesian and Spanish synonyms hold those
# translations (tests/test_i18n.py checks it), so a questionnaire's answers are read with no mapping
# in every language.
# Order matters: earlier variants win ties (the common 5-point forms come first in each family).
LABEL_SETS: tuple[LabelVariant, ...] = (
    _v("satisfaction", "satisfaction-5",
       (NP_("answer label", "Very dissatisfied"), "Very unsatisfied", "Extremely dissatisfied", "Completely dissatisfied",
        "Sangat tidak puas", "Muy insatisfecho", "Muy insatisfecha", "Muy insatisfechos", "Nada satisfecho",
        "Nada satisfecha"),
       (NP_("answer label", "Dissatisfied"), "Unsatisfied", "Somewhat dissatisfied", "Somewhat unsatisfied",
        "Fairly dissatisfied", "Tidak puas", "Kurang puas", "Insatisfecho", "Insatisfecha", "Poco satisfecho",
        "Poco satisfecha"),
       (NP_("answer label", "Neither satisfied nor dissatisfied"), "Neither dissatisfied nor satisfied",
        "Neither satisfied or dissatisfied", *_NEUTRAL, "Cukup puas", "Ni satisfecho ni insatisfecho",
        "Ni satisfecha ni insatisfecha", "Algo satisfecho", "Algo satisfecha"),
       (NP_("answer label", "Satisfied"), "Somewhat satisfied", "Fairly satisfied", "Puas", "Satisfecho", "Satisfecha",
        "Bastante satisfecho", "Bastante satisfecha"),
       (NP_("answer label", "Very satisfied"), "Extremely satisfied", "Completely satisfied", "Sangat puas",
        "Muy satisfecho", "Muy satisfecha", "Muy satisfechos")),
    _v("satisfaction", "satisfaction-4",
       ("Very dissatisfied", "Very unsatisfied", "Sangat tidak puas", "Muy insatisfecho", "Muy insatisfecha"),
       ("Dissatisfied", "Somewhat dissatisfied", "Unsatisfied", "Tidak puas", "Insatisfecho", "Insatisfecha"),
       ("Satisfied", "Somewhat satisfied", "Puas", "Satisfecho", "Satisfecha"),
       ("Very satisfied", "Sangat puas", "Muy satisfecho", "Muy satisfecha")),
    _v("satisfaction", "satisfaction-7",
       (NP_("answer label", "Extremely dissatisfied"), "Completely dissatisfied", "Sangat tidak puas sekali",
        "Extremadamente insatisfecho", "Extremadamente insatisfecha"),
       (NP_("answer label", "Moderately dissatisfied"), "Mostly dissatisfied", "Cukup tidak puas",
        "Moderadamente insatisfecho", "Moderadamente insatisfecha"),
       (NP_("answer label", "Slightly dissatisfied"), "Somewhat dissatisfied", "Agak tidak puas",
        "Ligeramente insatisfecho", "Ligeramente insatisfecha"),
       ("Neither satisfied nor dissatisfied", "Neither dissatisfied nor satisfied", *_NEUTRAL,
        "Ni satisfecho ni insatisfecho", "Ni satisfecha ni insatisfecha"),
       (NP_("answer label", "Slightly satisfied"), "Somewhat satisfied", "Agak puas", "Ligeramente satisfecho",
        "Ligeramente satisfecha"),
       (NP_("answer label", "Moderately satisfied"), "Mostly satisfied", "Cukup puas", "Moderadamente satisfecho",
        "Moderadamente satisfecha"),
       (NP_("answer label", "Extremely satisfied"), "Completely satisfied", "Sangat puas sekali",
        "Extremadamente satisfecho", "Extremadamente satisfecha")),
    _v("satisfaction", "satisfaction-7b",
       ("Very dissatisfied",), ("Dissatisfied",), ("Somewhat dissatisfied", "Slightly dissatisfied"),
       ("Neither satisfied nor dissatisfied", "Neither dissatisfied nor satisfied", *_NEUTRAL),
       ("Somewhat satisfied", "Slightly satisfied"), ("Satisfied",), ("Very satisfied",)),
    _v("agreement", "agreement-5",
       (NP_("answer label", "Strongly disagree"), "Sangat tidak setuju", "Totalmente en desacuerdo", "Muy en desacuerdo"),
       (NP_("answer label", "Disagree"), "Somewhat disagree", "Tidak setuju", "Kurang setuju", "En desacuerdo"),
       (NP_("answer label", "Neither agree nor disagree"), "Neither disagree nor agree", *_NEUTRAL,
        "Ni de acuerdo ni en desacuerdo"),
       (NP_("answer label", "Agree"), "Somewhat agree", "Setuju", "De acuerdo"),
       (NP_("answer label", "Strongly agree"), "Sangat setuju", "Totalmente de acuerdo", "Muy de acuerdo")),
    _v("agreement", "agreement-4", ("Strongly disagree", "Sangat tidak setuju", "Totalmente en desacuerdo"),
       ("Disagree", "Somewhat disagree", "Tidak setuju", "En desacuerdo"),
       ("Agree", "Somewhat agree", "Setuju", "De acuerdo"), ("Strongly agree", "Sangat setuju", "Totalmente de acuerdo")),
    _v("agreement", "agreement-7",
       ("Strongly disagree", "Sangat tidak setuju", "Totalmente en desacuerdo"),
       ("Disagree", "Tidak setuju", "En desacuerdo"),
       (NP_("answer label", "Somewhat disagree"), "Slightly disagree", "Agak tidak setuju", "Algo en desacuerdo"),
       ("Neither agree nor disagree", "Neither disagree nor agree", *_NEUTRAL, "Ni de acuerdo ni en desacuerdo"),
       (NP_("answer label", "Somewhat agree"), "Slightly agree", "Agak setuju", "Algo de acuerdo"),
       ("Agree", "Setuju", "De acuerdo"), ("Strongly agree", "Sangat setuju", "Totalmente de acuerdo")),
    _v("quality", "quality-5",
       (NP_("answer label", "Poor"), "Kurang", "Deficiente"), (NP_("answer label", "Fair"), "Cukup", "Regular"),
       (NP_("answer label", "Good"), "Baik", "Bueno", "Buena"), (NP_("answer label", "Very good"), "Sangat baik",
                                                                  "Muy bueno", "Muy buena"),
       (NP_("answer label", "Excellent"), "Istimewa", "Sempurna", "Excelente")),
    _v("quality", "quality-5b", "Very poor", "Poor", ("Fair", "Average"), "Good", ("Excellent", "Very good")),
    _v("quality", "quality-5c", "Unacceptable", ("Below average", "Poor"), "Average", ("Good", "Above average"),
       ("Outstanding", "Excellent")),
    _v("quality", "quality-5d", ("Very bad", "Sangat buruk", "Muy malo", "Muy mala"), ("Bad", "Buruk", "Malo", "Mala"),
       ("Neither good nor bad", "Average", "Okay", "OK", "Sedang", "Ni bueno ni malo", "Normal"),
       ("Good", "Baik", "Bueno", "Buena"), ("Very good", "Sangat baik", "Muy bueno", "Muy buena")),
    _v("quality", "quality-4", "Poor", "Fair", "Good", "Excellent"),
    _v("ease", "ease-5",
       (NP_("answer label", "Very difficult"), "Extremely difficult", "Sangat sulit", "Sangat susah", "Muy difícil"),
       (NP_("answer label", "Difficult"), "Somewhat difficult", "Sulit", "Susah", "Difícil"),
       (NP_("answer label", "Neither easy nor difficult"), "Neither difficult nor easy", *_NEUTRAL,
        "Ni fácil ni difícil"),
       (NP_("answer label", "Easy"), "Somewhat easy", "Mudah", "Fácil"),
       (NP_("answer label", "Very easy"), "Extremely easy", "Sangat mudah", "Muy fácil")),
    _v("ease", "ease-7",
       (NP_("answer label", "Extremely difficult"), "Sangat sulit sekali", "Extremadamente difícil"),
       ("Very difficult", "Moderately difficult", "Sangat sulit", "Muy difícil"),
       (NP_("answer label", "Somewhat difficult"), "Slightly difficult", "Agak sulit", "Algo difícil"),
       ("Neither easy nor difficult", "Neither difficult nor easy", *_NEUTRAL, "Ni fácil ni difícil"),
       (NP_("answer label", "Somewhat easy"), "Slightly easy", "Agak mudah", "Algo fácil"),
       ("Very easy", "Moderately easy", "Sangat mudah", "Muy fácil"),
       (NP_("answer label", "Extremely easy"), "Sangat mudah sekali", "Extremadamente fácil")),
    _v("frequency", "frequency-5", ("Never", "Tidak pernah", "Nunca"), ("Rarely", "Seldom", "Jarang", "Rara vez", "Casi nunca"),
       ("Sometimes", "Occasionally", "Kadang-kadang", "A veces", "Algunas veces"),
       ("Often", "Most of the time", "Frequently", "Very often", "Sering", "A menudo", "Con frecuencia", "Frecuentemente",
        "Casi siempre"), ("Always", "Selalu", "Siempre")),
    _v("frequency", "frequency-4", ("Never", "Tidak pernah", "Nunca"), ("Sometimes", "Kadang-kadang", "A veces"),
       ("Usually", "Biasanya", "Normalmente"), ("Always", "Selalu", "Siempre")),
    _v("likelihood", "likelihood-5",
       ("Very unlikely", "Extremely unlikely", "Definitely not", "Definitely will not", "Sangat tidak mungkin",
        "Muy improbable", "Muy poco probable"),
       ("Unlikely", "Somewhat unlikely", "Probably not", "Probably will not", "Tidak mungkin", "Kemungkinan tidak",
        "Improbable", "Poco probable"),
       ("Neither likely nor unlikely", "Neither unlikely nor likely", "Might or might not", *_NEUTRAL,
        "Ni probable ni improbable"),
       ("Likely", "Somewhat likely", "Probably", "Probably will", "Mungkin", "Kemungkinan besar", "Probable"),
       ("Very likely", "Extremely likely", "Definitely", "Definitely will", "Sangat mungkin", "Muy probable")),
    _v("likelihood", "likelihood-5u", "Not at all likely", "Slightly likely", "Moderately likely", "Very likely",
       "Extremely likely"),
    _v("likelihood", "likelihood-7",
       "Extremely unlikely", ("Very unlikely", "Moderately unlikely"), ("Somewhat unlikely", "Slightly unlikely"),
       ("Neither likely nor unlikely", *_NEUTRAL), ("Somewhat likely", "Slightly likely"),
       ("Very likely", "Moderately likely"), "Extremely likely"),
    _v("favourability", "favourability-5",
       ("Very unfavourable", "Very unfavorable"),
       ("Unfavourable", "Unfavorable", "Somewhat unfavourable", "Somewhat unfavorable", "Mostly unfavourable",
        "Mostly unfavorable"),
       ("Neither favourable nor unfavourable", "Neither favorable nor unfavorable", *_NEUTRAL),
       ("Favourable", "Favorable", "Somewhat favourable", "Somewhat favorable", "Mostly favourable",
        "Mostly favorable"),
       ("Very favourable", "Very favorable")),
)

#: The labels that mean no answer (English, Indonesian, Spanish): one vocabulary for the whole import.
NA_LABELS: tuple[str, ...] = NO_ANSWER_LABELS
_NA_KEYS = NO_ANSWER_KEYS
_LOOKUPS = tuple((v, v.lookup()) for v in LABEL_SETS)

# Fewest answers in a column for "every point of a shorter scale is used" to decide a tie (below
# it, a 5-point scale whose midpoint nobody chose is the likelier reading).
COMPLETE_MIN_ANSWERS = 30
_PURE = re.compile(r"^\s*[-+]?\d+(?:\.0+)?\s*$")
_LEAD = re.compile(r"^\s*\(?([-+]?\d{1,3})\)?\s*(?:[-–—:=.)]\s*|\s+)(.*\D.*?)\s*$")
_TRAIL = re.compile(r"^\s*(.*?\D)\s*(?:[-–—:=]\s*|\s+|\()\(?([-+]?\d{1,3})\)?\s*$")


def label_key(text: object) -> str:
    """Normalised label: lower case, spaces and punctuation removed (``"Don't know"`` -> ``"dontknow"``)."""
    return normalise_key(text)


def split_number(text: str) -> tuple[float | None, str]:
    """``"5 - Very satisfied"`` -> ``(5.0, "Very satisfied")``; ``"7"`` -> ``(7.0, "")``; no number -> ``(None, text)``.

    >>> split_number("Extremely likely 10"), split_number("(1) Poor"), split_number("Good")
    ((10.0, 'Extremely likely'), (1.0, 'Poor'), (None, 'Good'))
    """
    t = str(text)
    if _PURE.match(t):
        return float(t), ""
    m = _LEAD.match(t)
    if m and normalise_key(m.group(2)):
        return float(m.group(1)), m.group(2).strip()
    m = _TRAIL.match(t)
    if m and normalise_key(m.group(1)):
        return float(m.group(2)), m.group(1).strip(" -–—:=(")
    return None, t.strip()


@dataclass(frozen=True)
class LabelMatch:
    """How one column's text values become scores.

    ``codes``: original value -> score (only coded values); ``na_labels``: values read as no answer;
    ``unknown``: value -> count of answers that no set, number or user mapping explains;
    ``scale``: the variant's scale, or the scale inferred from the numbers the labels carry;
    ``coverage``: share of the answers (by count) that are coded or N/A.
    """

    label_set: str
    variant: str
    codes: dict
    na_labels: tuple[str, ...] = ()
    unknown: dict = field(default_factory=dict)
    scale: Scale | None = None
    coverage: float = 1.0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelResult:
    """:func:`apply_labels` output.

    ``codes``: float64 scores of the converted columns (same index as the input; NaN = empty, N/A
    or unknown); ``unknown_mask``: where a cell held an unknown label; ``matches``: one row per
    converted column (``column, label_set, variant, scale_min, scale_max, n_coded, n_na,
    n_unknown``); ``unknown``: one row per unknown label (``label, count, columns``, the columns
    joined by ``"; "``), largest count first.
    """

    codes: pd.DataFrame
    unknown_mask: pd.DataFrame
    matches: pd.DataFrame
    unknown: pd.DataFrame
    label_matches: dict = field(default_factory=dict)


def _validate_values(values, counts, user_map):
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | np.ndarray | pd.Index):
        raise SurveyError(_("Label matching needs a list of a column's distinct text values."))
    if counts is not None and len(counts) != len(values):
        raise SurveyError(_("Label matching got {n} values but {n2} counts.").format(n=len(values), n2=len(counts)))
    if user_map is not None:
        if not isinstance(user_map, Mapping):
            raise SurveyError(_("The label mapping must be a dictionary from label to score (or None for no answer)."))
        for k, v in user_map.items():
            if v is not None and not isinstance(v, (int, float, np.integer, np.floating)):
                raise SurveyError(_("The label mapping gives {k!r} the score {v!r}, which is not a number.").format(k=k, v=v))


def match_label_set(
    distinct_values: Sequence[str],
    counts: Sequence[int] | None = None,
    *,
    user_map: Mapping[str, float | None] | None = None,
    variant: str | None = None,
) -> LabelMatch | None:
    """Pick the label set explaining the most of a column's distinct values and score every value.

    Parameters
    ----------
    distinct_values : the column's distinct non-empty values (text).
    counts : how many answers hold each value (default 1 each); used for ``unknown`` and ``coverage``.
    user_map : label -> score (or ``None`` = no answer) supplied by the user; wins over everything.
    variant : force this variant (a :data:`LABEL_SETS` name), e.g. the one chosen for the whole file.

    Returns
    -------
    LabelMatch, or ``None`` when no built-in label, labelled number or user label occurs.

    Examples
    --------
    >>> m = match_label_set(["Poor", "Fair", "Excellent", "Very good"], [3, 5, 9, 1])
    >>> m.variant, [m.codes[v] for v in ("Poor", "Fair", "Excellent")], m.scale
    ('quality-5', [1.0, 2.0, 5.0], Scale(minimum=1, maximum=5))
    >>> match_label_set(["Yes", "No"]) is None
    True
    """
    _validate_values(distinct_values, counts, user_map)
    values = [("" if v is None else str(v)) for v in distinct_values]
    cnt = [1] * len(values) if counts is None else [int(c) for c in counts]
    umap = {label_key(k): (None if v is None else float(v)) for k, v in (user_map or {}).items()}
    parsed = []  # (value, count, kind, number, label key)
    for v, c in zip(values, cnt):
        if not v.strip():
            continue
        k = label_key(v)
        if k in umap:
            parsed.append((v, c, "user", umap[k], k))
        elif k in _NA_KEYS:
            parsed.append((v, c, "na", None, k))
        else:
            num, label = split_number(v)
            lk = label_key(label)
            if num is not None and not lk:
                parsed.append((v, c, "number", num, ""))
            elif num is not None:
                parsed.append((v, c, "na" if lk in _NA_KEYS else "numbered", num, lk))
            else:
                parsed.append((v, c, "label", None, lk))
    label_keys = {p[4] for p in parsed if p[2] in ("label", "numbered")}
    answers = sum(p[1] for p in parsed if p[2] in ("label", "numbered"))
    best, best_rank, tie = None, None, None
    for order, (v, lookup) in enumerate(_LOOKUPS):
        if variant is not None and v.name != variant:
            continue
        hit = label_keys & lookup.keys()
        if not hit:
            continue
        points = {lookup[h] for h in hit}
        # Every point of the variant used, in a column with enough answers to show it (a 4-point
        # scale where a 5-point one would have its midpoint unused): that wins a tie.
        complete = len(points) == len(v.points) and answers >= COMPLETE_MIN_ANSWERS
        rank = (len(hit), len(points), complete, -order)
        if best_rank is None or rank > best_rank:
            if best_rank is not None and rank[:2] == best_rank[:2] and v.scale != best[0].scale:
                tie = best[0]
            else:
                tie = None
            best, best_rank = (v, lookup), rank
        elif rank[:2] == best_rank[:2] and tie is None and v.scale != best[0].scale:
            tie = v
    has_user = any(p[2] == "user" for p in parsed)
    has_numbered = any(p[2] == "numbered" for p in parsed)
    if best is None and not has_user:
        return None  # numbers with unknown words ("Store 12", "Region 3") are not a rating scale
    chosen, lookup = best if best is not None else (None, {})
    variant = chosen
    codes, na, unknown = {}, [], {}
    for v, c, kind, num, lk in parsed:
        if kind == "user":
            if num is None:
                na.append(v)
            else:
                codes[v] = num
        elif kind == "na":
            na.append(v)
        elif kind == "numbered" or (kind == "number" and has_numbered):
            codes[v] = float(num)
        elif kind == "label" and lk in lookup and not has_numbered:
            codes[v] = float(lookup[lk])
        else:
            unknown[v] = unknown.get(v, 0) + c
    total = sum(c for _, c, *_ in parsed)
    explained = sum(c for v, c, *_ in parsed if v in codes or v in na)
    notes = []
    if has_numbered:
        scale = infer_scale(np.fromiter(codes.values(), dtype=float)) if codes else None
        if variant is not None:
            pairs = sorted((num, lookup[lk]) for _, _, kind, num, lk in parsed if kind == "numbered" and lk in lookup)
            if len(pairs) >= 2 and pairs[0][1] > pairs[-1][1]:
                notes.append(_("The numbers in the labels run opposite to the label meanings; the numbers were used."))
    else:
        scale = variant.scale if variant is not None else None
        if tie is not None:
            notes.append(
                _("The labels fit both the {name} and the {name2} scale; {name} was assumed (map the labels yourself if that is wrong).").format(name=variant.name, name2=tie.name)
            )
    return LabelMatch(
        label_set=variant.family if variant is not None else ("numbered" if has_numbered else "user"),
        variant=variant.name if variant is not None else ("numbered" if has_numbered else "user"),
        codes=codes,
        na_labels=tuple(na),
        unknown=unknown,
        scale=scale,
        coverage=explained / total if total else 0.0,
        notes=tuple(notes),
    )


def match_columns(
    columns: Mapping[str, tuple[Sequence[str], Sequence[int]]],
    *,
    user_map: Mapping[str, float | None] | None = None,
    min_share: float = 0.5,
) -> tuple[dict[str, LabelMatch], pd.DataFrame]:
    """Label matches for many columns given as ``name -> (distinct values, counts)``.

    This is the entry point for a dictionary-encoded reader: each column's distinct texts and
    their counts are all that is needed; the reader then scores a column with
    ``lookup = [match.codes.get(v, nan) for v in values]`` and ``lookup[row_codes]``.

    A column is a label column when its values are not all plain numbers, a built-in label (or a
    user label) occurs in it, and the explained answers (coded or N/A) are at least ``min_share``
    of its non-empty answers. Other columns (numbers, free text, categories) are left out.

    Returns
    -------
    (matches, unknown): ``matches`` maps each label column to its :class:`LabelMatch`; ``unknown``
    is a DataFrame ``label, count, columns`` (columns joined by ``"; "``), largest count first.

    Examples
    --------
    >>> m, unk = match_columns({"room": (["Good", "Poor", "Okay-ish"], [5, 2, 1]), "region": (["N", "S"], [4, 4])})
    >>> list(m), m["room"].codes, unk.to_dict("records")
    (['room'], {'Good': 3.0, 'Poor': 1.0}, [{'label': 'Okay-ish', 'count': 1, 'columns': 'room'}])
    """
    if not isinstance(columns, Mapping):
        raise SurveyError(_("match_columns needs a mapping from column name to (distinct values, counts)."))
    if not 0 < min_share <= 1:
        raise SurveyError(_("min_share must be in (0, 1], not {min_share!r}.").format(min_share=min_share))
    found: dict[str, LabelMatch] = {}
    unknown_total: dict[str, list] = {}
    for col, pair in columns.items():
        try:
            values, counts = pair
        except (TypeError, ValueError):
            raise SurveyError(_("The column {col!r} must be given as (distinct values, counts).").format(col=col)) from None
        texts = [str(u) for u, c in zip(values, counts) if u is not None and str(u).strip() and c]
        if not texts or all(_PURE.match(u) for u in texts):
            continue  # plain numbers: the numeric path reads them
        m = match_label_set(list(values), list(counts), user_map=user_map)
        if m is None or m.coverage < min_share:
            continue
        found[col] = m
    # One variant per label family for the whole file, chosen on all its columns' answers together,
    # so that a column where nobody chose the midpoint is scored like its neighbours.
    families: dict[str, list[str]] = {}
    for col, m in found.items():
        if m.label_set not in ("user", "numbered") and not any(v not in m.na_labels and split_number(v)[0] is not None for v in m.codes):
            families.setdefault(m.label_set, []).append(col)
    for fam, cols in families.items():
        if len(cols) < 2 or len({found[c].variant for c in cols}) == 1 and not found[cols[0]].notes:
            continue
        pooled: dict[str, int] = {}
        for c in cols:
            for v, k in zip(*columns[c]):
                if v is not None and str(v).strip():
                    pooled[str(v)] = pooled.get(str(v), 0) + int(k)
        joint = match_label_set(list(pooled), list(pooled.values()), user_map=user_map)
        if joint is None or joint.label_set != fam:
            continue
        for c in cols:
            values, counts = columns[c]
            m = match_label_set(list(values), list(counts), user_map=user_map, variant=joint.variant)
            if m is not None and m.coverage >= min_share:
                found[c] = replace(m, notes=joint.notes)
    for col, m in found.items():
        for label, c in m.unknown.items():
            entry = unknown_total.setdefault(label, [0, []])
            entry[0] += int(c)
            entry[1].append(str(col))
    unknown = pd.DataFrame(
        [{"label": k, "count": v[0], "columns": "; ".join(v[1])} for k, v in unknown_total.items()],
        columns=["label", "count", "columns"],
    )
    if len(unknown):
        unknown = unknown.sort_values(["count", "label"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return found, unknown


def apply_labels(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    user_map: Mapping[str, float | None] | None = None,
    min_share: float = 0.5,
) -> LabelResult:
    """Turn the text-answer columns of ``frame`` into scores.

    The same rules as :func:`match_columns` decide which columns are label columns; columns of
    plain numbers, free text or categories (``Yes``/``No``, regions) are left alone and do not
    appear in the result. Unknown labels in converted columns are reported, never dropped.

    Parameters
    ----------
    frame : the data rows, one column per question (text or numbers).
    columns : the columns to try (default: all).
    user_map : label -> score or ``None`` (no answer), applied before the built-in sets.
    min_share : smallest share of explained answers for a column to count as a label column.

    Examples
    --------
    >>> df = pd.DataFrame({"room": ["Satisfied", "Very satisfied", "N/A", "Meh", ""],
    ...                    "region": ["North", "South", "North", "East", "West"]})
    >>> res = apply_labels(df)
    >>> res.codes["room"].tolist()
    [4.0, 5.0, nan, nan, nan]
    >>> res.unknown.to_dict("records")
    [{'label': 'Meh', 'count': 1, 'columns': 'room'}]
    """
    if not isinstance(frame, pd.DataFrame):
        raise SurveyError(_("Label conversion needs a table (DataFrame) of answers."))
    cols = list(frame.columns) if columns is None else list(columns)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise SurveyError(_("The column {missing!r} is not in the table.").format(missing=missing[0]))
    factorized, distinct = {}, {}
    for col in cols:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        codes, uniques = pd.factorize(s.astype("str"), use_na_sentinel=True)
        uniq = [str(u) for u in uniques]
        counts = np.bincount(codes[codes >= 0], minlength=len(uniq))
        factorized[col] = (codes, uniq)
        distinct[col] = (uniq, counts.tolist())
    found, unknown = match_columns(distinct, user_map=user_map, min_share=min_share)
    out, masks, rows = {}, {}, []
    for col, m in found.items():
        codes, uniq = factorized[col]
        counts = distinct[col][1]
        lookup = np.array([m.codes.get(u, np.nan) for u in uniq] + [np.nan], dtype=float)
        unk = np.array([u in m.unknown for u in uniq] + [False])
        idx = np.where(codes >= 0, codes, len(uniq))
        out[col] = lookup[idx]
        masks[col] = unk[idx]
        na = set(m.na_labels)
        rows.append({
            "column": col, "label_set": m.label_set, "variant": m.variant,
            "scale_min": m.scale.minimum if m.scale else None, "scale_max": m.scale.maximum if m.scale else None,
            "n_coded": int(np.isfinite(out[col]).sum()), "n_na": int(sum(c for u, c in zip(uniq, counts) if u in na)),
            "n_unknown": int(masks[col].sum()),
        })
    codes_df = pd.DataFrame(out, index=frame.index, dtype="float64") if out else pd.DataFrame(index=frame.index)
    mask_df = pd.DataFrame(masks, index=frame.index, dtype=bool) if masks else pd.DataFrame(index=frame.index)
    matches = pd.DataFrame(rows, columns=["column", "label_set", "variant", "scale_min", "scale_max", "n_coded", "n_na", "n_unknown"])
    return LabelResult(codes=codes_df, unknown_mask=mask_df, matches=matches, unknown=unknown, label_matches=found)
