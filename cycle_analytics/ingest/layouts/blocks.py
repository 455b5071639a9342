"""Which columns of a wide file are the stages: the largest coherent block of rating questions.

A careful analyst looks at a survey's columns and sees blocks of questions: ``Q7ART``, ``Q7FOOD``
... share the code ``Q7`` and a 1-5 scale; ``PERQ1`` .. ``PERQ7`` share ``PERQ``; a matrix
question's rows ``Q1_1`` .. ``Q1_4`` share ``Q1``. :func:`find_stage_block` does the same with the
columns that fit a rating scale and are not ruled out by their name (ids, outcomes, model outputs,
coded demographics, weights, sampling design, interview method, day codes):

1. **importance pairs** (:func:`importance_pairs`): a question asking how important something is
   ("How important is ...", in English, Indonesian or Spanish), or a family of paired codes such
   as ``qi6`` / ``q6`` (at least :data:`MIN_PAIRS` pairs), is a stated importance, not a stage;
2. **blocks by name** (:func:`name_stem`): the candidates grouped by the code their names share;
   the largest group of at least :data:`MIN_BLOCK` columns is the block when no group of columns
   without a code is larger (then those are the block); a file without such groups keeps every
   candidate (a plain file: ``wait, teller, cash``);
3. **one scale** (:func:`outlier_columns`): in a block of at least :data:`MIN_BLOCK` columns, a
   column with more than :data:`OUTLIER_SHARE` of its answers over one point above the block's
   typical range (the medians of the columns' lowest and highest numbers) is on another scale (a
   0-10 item among 1-5 ones, an age, a delay);
4. **moving together** (:func:`uncorrelated_columns`): in a block whose items correlate with the
   mean of the others (median item-rest correlation at least :data:`COHERENT_R`), an item whose
   correlation is below :data:`MIN_ITEM_R` (with at least :data:`MIN_PAIRS_R` answers) is not part
   of it (a coded category, a different topic); at most half of the block is dropped this way.

Each column left out gets a one-phrase reason (``ColumnRole.detail``). The rest scores of
:class:`~cycle_analytics.ingest.layouts.scale_choice.RestEvidence` (how a respondent rates the
other stages) are computed here too (:func:`wide_rest_evidence`).

Example
-------
>>> name_stem("Q7ART"), name_stem("Q1_3"), name_stem("CUSA2"), name_stem("qi6"), name_stem("Room")
('Q7', 'Q1', 'CUSA', 'qi', None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from cycle_analytics.i18n import N_, format_decimal, format_number, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.common import grid_row_label, split_row_label
from cycle_analytics.ingest.layouts.columns import ColumnProfile, rating_fit
from cycle_analytics.ingest.layouts.scale_choice import SENTINEL_CODES, RestEvidence, read_scale
from cycle_analytics.ingest.names import is_importance_question, role_of_name
from cycle_analytics.scales import Scale

__all__ = ["MIN_BLOCK", "MIN_PAIRS", "COHERENT_R", "MIN_ITEM_R", "MIN_PAIRS_R", "StageBlock", "name_stem",
           "find_stage_block", "importance_pairs", "outlier_columns", "uncorrelated_columns", "wide_rest_evidence",
           "column_values", "STRICT_NAME_ROLES", "name_role_reason", "item_rest_correlations"]

MIN_BLOCK = 3  # columns of a block
MIN_PAIRS = 3  # paired codes (qi6 / q6) that make a family of importance questions
COHERENT_R = 0.2  # median item-rest correlation of a block whose items move together
MIN_ITEM_R = 0.1  # an item below this in a coherent block is not part of it
MIN_PAIRS_R = 30  # answers an item-rest correlation needs
MIN_OUTLIER_ANSWERS = 10  # answers a column needs before its range can set it apart
OUTLIER_SHARE = 0.1  # answers beyond the block's range that put a column on another scale
#: Roles a name gives that keep a column that fits a rating scale out of the stages.
STRICT_NAME_ROLES = ("weight", "sampling design", "interview method", "day or date code", "count", "time or duration")

_MATRIX = re.compile(r"^(.*\d)[_.](\d+)$")  # Q1_3 -> Q1
_CODE_WORD = re.compile(r"^([A-Za-z]{1,3}\d+)(?=[A-Za-z_])")  # Q7ART -> Q7
_TRAILING = re.compile(r"^(.*?[A-Za-z])[ _.\-]?\d+$")  # CUSA1 -> CUSA, q6 -> q, var 3 -> var
_PAIRED = re.compile(r"^(?P<p>[A-Za-z]*?)(?:i|imp|_imp|I|IMP|Imp)_?(?P<n>\d+)$")  # qi6 -> (q, 6)


def name_stem(name: str) -> str | None:
    """The code a column's name shares with the other questions of its block, or ``None``.

    A survey-tool matrix ``"question - row"`` / ``"question [row]"`` gives its question; ``Q1_3``
    gives ``Q1``; ``Q7ART`` gives ``Q7``; ``CUSA2`` gives ``CUSA``.
    """
    text = str(name).strip()
    for split in (split_row_label, grid_row_label):
        question, row = split(text)
        if row is not None:
            return question
    for pattern in (_MATRIX, _CODE_WORD, _TRAILING):
        m = pattern.match(text)
        if m:
            return m.group(1)
    return None


@dataclass(frozen=True)
class StageBlock:
    """The stage columns a wide file proposes (file order), the importance pairs ``(importance
    column, rating column)``, why each other candidate is not a stage, and one sentence on the block."""

    columns: tuple[ColumnProfile, ...]
    importance: tuple[tuple[ColumnProfile, ColumnProfile], ...]
    excluded: dict
    reason: str


#: The role a column's name gives it (:func:`cycle_analytics.ingest.names.role_of_name`) -> the phrase
#: that says it is no stage (English; said with ``_``), one whole phrase per role.
_ROLE_REASONS = {
    "weight": N_("not a stage: weight"), "time or duration": N_("not a stage: time or duration"),
    "day or date code": N_("not a stage: day or date code"), "sampling design": N_("not a stage: sampling design"),
    "interview method": N_("not a stage: interview method"), "count": N_("not a stage: count"),
    "demographic (age)": N_("not a stage: demographic (age) coded as numbers"),
    "demographic (background)": N_("not a stage: demographic (background) coded as numbers"),
    "demographic (education)": N_("not a stage: demographic (education) coded as numbers"),
    "demographic (gender)": N_("not a stage: demographic (gender) coded as numbers"),
    "demographic (household)": N_("not a stage: demographic (household) coded as numbers"),
    "demographic (income)": N_("not a stage: demographic (income) coded as numbers"),
    "demographic (language)": N_("not a stage: demographic (language) coded as numbers"),
    "demographic (marital status)": N_("not a stage: demographic (marital status) coded as numbers"),
    "demographic (occupation)": N_("not a stage: demographic (occupation) coded as numbers"),
    "demographic (place)": N_("not a stage: demographic (place) coded as numbers"),
}


def name_role_reason(role: str) -> str:
    """The one phrase that says a column is no stage because of the role its name gives it.

    >>> name_role_reason("demographic (age)"), name_role_reason("weight")
    ('not a stage: demographic (age) coded as numbers', 'not a stage: weight')
    """
    if role in _ROLE_REASONS:
        return _(_ROLE_REASONS[role])
    return _("not a stage: {role}").format(role=role)


def column_values(c: ColumnProfile, codes_rows: np.ndarray | None = None) -> np.ndarray:
    """Per row, the number a cell reads as (NaN for empty, N/A, text)."""
    num = np.where(c.na | c.empty, np.nan, c.num)
    return num[c.raw.codes if codes_rows is None else codes_rows]


def find_stage_block(candidates: list[ColumnProfile], others: list[ColumnProfile]) -> StageBlock:
    """The stage block among ``candidates`` (columns that may be stages, file order); ``others``
    are the remaining free columns (an importance question may be among them). See the module
    docstring for the steps."""
    excluded: dict[str, str] = {}
    kept = []
    for c in candidates:
        fit, _ = rating_fit(c)
        role = role_of_name(c.name, strict=True)
        if role is not None and (role in STRICT_NAME_ROLES or role.startswith("demographic")):
            excluded[c.name] = name_role_reason(role)
        elif fit:
            kept.append(c)
    pairs = importance_pairs(kept, others)
    paired = {imp.name for imp, _ in pairs}
    kept = [c for c in kept if c.name not in paired]
    block, why = _choose_group(kept, excluded)
    n_group = len(block)
    for c, reason in outlier_columns(block).items():
        excluded[c] = reason
    block = [c for c in block if c.name not in excluded]
    for c, reason in uncorrelated_columns(block).items():
        excluded[c] = reason
    block = [c for c in block if c.name not in excluded]
    if len(block) < n_group:
        why += " " + ngettext("{n} of its {total} column is a stage: the others are on another scale or do not move "
                              "with the rest.",
                              "{n} of its {total} columns are stages: the others are on another scale or do not move "
                              "with the rest.", n_group).format(n=format_number(len(block)), total=format_number(n_group))
    return StageBlock(tuple(block), tuple(pairs), excluded, why)


def _choose_group(cols: list[ColumnProfile], excluded: dict[str, str]) -> tuple[list[ColumnProfile], str]:
    """The block by name codes (module docstring, step 2); the other groups' columns are explained in ``excluded``."""
    if not cols:
        return [], _("No column holds ratings.")
    groups: dict[str | None, list[ColumnProfile]] = {}
    for c in cols:
        groups.setdefault(name_stem(c.name), []).append(c)
    named = {k: v for k, v in groups.items() if k is not None}
    free = groups.get(None, [])
    best_key = max(named, key=lambda k: (len(named[k]), -cols.index(named[k][0])), default=None)
    best = named.get(best_key, [])
    if len(best) < MIN_BLOCK or len(free) > len(best):
        if len(free) >= MIN_BLOCK and len(free) > len(best) and named:
            for k, members in named.items():
                for c in members:
                    excluded[c.name] = _("not a stage: a rating question outside the main block of questions")
            return free, _("The stages are the {n} rating questions not coded like the others.").format(
                n=format_number(len(free)))
        return cols, _("The stages are the columns that hold ratings, in file order.")
    label = _block_label(best_key)
    for k, members in groups.items():
        if k == best_key:
            continue
        for c in members:
            excluded[c.name] = _("not a stage: a rating outside the main block {block}").format(block=label[:-1])
    return best, _("The stages are the largest block of rating questions: {block}").format(block=label)


def _block_label(stem: str) -> str:
    """How a block is named in a sentence (ending with its full stop): ``"Q7*."`` or the question."""
    return f"{stem}*." if len(stem) <= 12 else f"“{stem[:40]}”."


def importance_pairs(cols: list[ColumnProfile], others: list[ColumnProfile]) -> list[tuple[ColumnProfile, ColumnProfile]]:
    """Stated-importance columns and the rating column each belongs to.

    Paired codes: a family of at least :data:`MIN_PAIRS` columns ``<p>i<n>`` (or ``imp``) next to
    ratings ``<p><n>`` (``qi6`` / ``q6``). Importance questions ("How important is ...") pair with
    the rating question in the same position among the rating questions when both number the same,
    else with the rating whose name or question the importance question contains.
    """
    by_name = {c.name: c for c in cols}
    pairs: list[tuple[ColumnProfile, ColumnProfile]] = []
    coded = []
    for c in cols:
        m = _PAIRED.match(c.name)
        if m and (m.group("p") + m.group("n")) in by_name and m.group("p") + m.group("n") != c.name:
            coded.append((c, by_name[m.group("p") + m.group("n")]))
    if len(coded) >= MIN_PAIRS:
        pairs.extend(coded)
    taken = {imp.name for imp, _ in pairs}
    asked = [c for c in (*cols, *others) if c.name not in taken and (is_importance_question(c.question)
                                                                    or is_importance_question(c.name))]
    asked = [c for c in asked if c.numeric_share >= 0.5 and c.n_answers > 0]
    if asked:
        ratings = [c for c in cols if c.name not in taken and c not in asked]
        if len(ratings) == len(asked):
            pairs.extend(zip(asked, ratings))
        else:
            for imp in asked:
                text = f"{imp.name} {imp.question}".casefold()
                match = next((r for r in ratings if r.name.casefold() in text
                              or (r.question and r.question.casefold() in text)), None)
                if match is not None:
                    pairs.append((imp, match))
    return pairs


def _value_range(c: ColumnProfile) -> tuple[float, float] | None:
    """The lowest and highest number of a column (usual no-answer codes left out), or ``None`` with
    fewer than :data:`MIN_OUTLIER_ANSWERS` answers."""
    counts = {v: k for v, k in c.number_counts().items() if v not in SENTINEL_CODES}
    if sum(counts.values()) < MIN_OUTLIER_ANSWERS:
        return None
    return min(counts), max(counts)


def outlier_columns(block: list[ColumnProfile]) -> dict[str, str]:
    """Columns of ``block`` on another scale than most (module docstring, step 3): more than
    :data:`OUTLIER_SHARE` of their answers lie over one point above the block's typical range (the
    medians of the columns' lowest and highest numbers; below it, low answers of the same scale are
    common in a small file)."""
    if len(block) < MIN_BLOCK:
        return {}
    ranges = [r for r in (_value_range(c) for c in block) if r is not None]
    if len(ranges) < MIN_BLOCK:
        return {}
    lo, hi = float(np.median([r[0] for r in ranges])), float(np.median([r[1] for r in ranges]))
    out = {}
    for c in block:
        counts = {v: k for v, k in c.number_counts().items() if v not in SENTINEL_CODES}
        total = sum(counts.values())
        if total < MIN_OUTLIER_ANSWERS:
            continue
        beyond = sum(k for v, k in counts.items() if v > hi + 1)  # above: a bigger scale, an age, a count
        if beyond > OUTLIER_SHARE * total:
            vals = list(counts)
            out[c.name] = _("not a stage: its answers ({low} to {high}) are on another scale than the other rating "
                            "questions (mostly {lowest} to {highest})").format(
                low=f"{min(vals):g}", high=f"{max(vals):g}", lowest=f"{lo:g}", highest=f"{hi:g}")
    if len(out) * 2 > len(block):  # no majority to tell the others apart
        return {}
    return out


def _sure_core(block: list[ColumnProfile]) -> tuple[float, float] | None:
    """The values sure to be answers on any reading: the pooled distinct numbers without the
    lowest and the highest (either may be an N/A code) and without usual no-answer codes."""
    vals = sorted({v for c in block for v in c.number_counts() if v not in SENTINEL_CODES})
    if len(vals) < 3:
        return None
    return vals[1], vals[-2]


def _row_sums(block: list[ColumnProfile], keep) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Per row: the sum and the number of the block's values that ``keep`` (a function of a value
    array) accepts, and each column's values (NaN where not kept)."""
    n = len(block[0].raw.codes)
    total, count, values = np.zeros(n), np.zeros(n), []
    for c in block:
        v = column_values(c)
        v = np.where(keep(v), v, np.nan)
        ok = ~np.isnan(v)
        total += np.where(ok, v, 0.0)
        count += ok
        values.append(v)
    return total, count, values


def wide_rest_evidence(block: list[ColumnProfile]) -> RestEvidence | None:
    """Rest scores of a wide block: for each value of each column, the mean of the same row's other
    block values that are sure answers (:func:`_sure_core`), pooled over the columns."""
    if len(block) < 2:
        return None

    def compute() -> dict[float, tuple[int, float, float]]:
        core = _sure_core(block)
        if core is None:
            return {}
        total, count, kept = _row_sums(block, lambda v: (v >= core[0]) & (v <= core[1]))
        sums: dict[float, list[float]] = {}
        for c, own in zip(block, kept):
            v = column_values(c)
            own_ok = ~np.isnan(own)
            rest_n = count - own_ok
            rest = np.where(rest_n > 0, (total - np.where(own_ok, own, 0.0)) / np.maximum(rest_n, 1), np.nan)
            ok = ~np.isnan(v) & ~np.isnan(rest)
            if not ok.any():
                continue
            uniq, inv = np.unique(v[ok], return_inverse=True)
            r = rest[ok]
            n = np.bincount(inv, minlength=uniq.size)
            s = np.bincount(inv, weights=r, minlength=uniq.size)
            ss = np.bincount(inv, weights=r * r, minlength=uniq.size)
            for u, a, b, d in zip(uniq.tolist(), n.tolist(), s.tolist(), ss.tolist()):
                acc = sums.setdefault(u, [0.0, 0.0, 0.0])
                acc[0] += a
                acc[1] += b
                acc[2] += d
        out = {}
        for u, (n, s, ss) in sums.items():
            mean = s / n
            out[u] = (int(n), mean, max(ss / n - mean * mean, 0.0) * n / max(n - 1, 1))
        return out

    return RestEvidence(compute)


def item_rest_correlations(block: list[ColumnProfile], scale: Scale | None = None) -> dict[str, tuple[float, int]]:
    """Per column: Pearson's correlation between its answers and the mean of the same row's other
    block answers (on ``scale`` when given, else the sure answers), and the number of rows used."""
    if scale is not None:
        lo, hi = scale.minimum, scale.maximum
    else:
        core = _sure_core(block)
        if core is None:
            return {}
        lo, hi = core
    total, count, kept = _row_sums(block, lambda v: (v >= lo) & (v <= hi))
    out = {}
    for c, own in zip(block, kept):
        ok = ~np.isnan(own) & (count - 1 > 0)
        n = int(ok.sum())
        if n < 3:
            continue
        rest = (total[ok] - own[ok]) / (count[ok] - 1)
        x = own[ok]
        if x.std() == 0 or rest.std() == 0:
            out[c.name] = (0.0, n)
            continue
        out[c.name] = (float(np.corrcoef(x, rest)[0, 1]), n)
    return out


def uncorrelated_columns(block: list[ColumnProfile]) -> dict[str, str]:
    """Items of a coherent block that do not move with the others (module docstring, step 4)."""
    if len(block) < MIN_BLOCK:
        return {}
    reading = read_scale(_pooled_counts(block), wide_rest_evidence(block))
    corr = item_rest_correlations(block, reading.scale if reading is not None else None)
    usable = [r for r, n in corr.values() if n >= MIN_PAIRS_R]
    if len(usable) < MIN_BLOCK or float(np.median(usable)) < COHERENT_R:
        return {}
    out = {name: _("not a stage: its answers do not move with the other ratings (r = {r})").format(r=format_decimal(r, 2))
           for name, (r, n) in corr.items() if n >= MIN_PAIRS_R and r < MIN_ITEM_R}
    if len(out) * 2 > len(block):
        return {}
    return out


def _pooled_counts(cols: list[ColumnProfile]) -> dict[float, int]:
    counts: dict[float, int] = {}
    for c in cols:
        for v, k in c.number_counts().items():
            counts[v] = counts.get(v, 0) + k
    return counts
