"""What a manager reads first: "fix first", critical moments by impact, and what each rank means.

The tables of :mod:`cycle_analytics.stats` say everything; these functions say it in a few
sentences, for the Overview page, the Priorities page, the HTML report, the deck and the PDF:

* :func:`moments_by_impact` - the critical moments (and pain points) ordered by **impact**: the
  penalty times the share of the stage's raters who had a bad experience, i.e. how much lower the
  average outcome of everyone who rated the stage is because of its bad experiences
  (``docs/statistics.md``, "Impact of a critical moment").
* :func:`priority_advice` - one phrase per ranked stage that reconciles its rank with its quadrant
  ("often rated badly; does not move satisfaction: fix if cheap").
* :func:`fix_first` - the top three priorities, each with one sentence.
* :func:`rank_outside_quadrant` - one sentence per stage that ranks in the top three although it is
  not in "Concentrate here", saying why.

Every function takes the analysis tables as they are and tolerates extra columns; a missing
optional column (verdicts, targets) only shortens the sentences.

Examples
--------
>>> import pandas as pd
>>> m = pd.DataFrame({"stage": ["Wait", "Pay"], "verdict": ["critical", "critical"], "penalty": [0.5, 2.0],
...                   "bad_pct": [40.0, 5.0], "evidence": ["w", "p"]})
>>> moments_by_impact(m)[["stage", "impact"]].values.tolist()
[['Wait', 0.2], ['Pay', 0.1]]
"""

from __future__ import annotations

import math

import pandas as pd

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_decimal, format_number, format_percent, gettext as _

FIX_FIRST = 3  #: how many priorities the "fix first" list holds
_ADVICE = {  # short: a table cell (English here, translated where it is said)
    "critical": N_("Critical moment: fix first."),
    "Concentrate here": N_("Matters and scores low: fix first."),
    "Keep up the good work": N_("Matters and scores well: keep it up."),
    "Low priority": N_("Scores low, matters little: fix if cheap."),
    "Possible overkill": N_("Scores well, matters little: do not invest more."),
    "pain point": N_("Often rated badly; does not move {outcome}: fix if cheap."),
    "no action needed": N_("At its target or no measurable link: no action needed."),
}


def _validate_analysis_table(table, required: tuple[str, ...], what: str) -> None:
    """Raise :class:`SurveyError` unless ``table`` is a DataFrame with the ``required`` columns."""
    if not isinstance(table, pd.DataFrame):
        raise SurveyError(_("The {what} must be a table (DataFrame).").format(what=what))
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise SurveyError(_("The {what} lack the column(s) {items}.").format(what=what, items=', '.join(missing)))


def outcome_words(outcome: OutcomeSpec | None) -> str:
    """The outcome as it reads inside a sentence: ``overall satisfaction`` (a capitalised word
    is lower-cased, an acronym or code kept).

    >>> outcome_words(OutcomeSpec(column="Q7", label="Overall satisfaction"))
    'overall satisfaction'
    >>> outcome_words(OutcomeSpec(column="Q7ALL", label="Q7ALL")), outcome_words(None)
    ('Q7ALL', 'the outcome')
    """
    if outcome is None:
        return _("the outcome")
    if outcome.is_proxy:
        return _("the respondent's other ratings")
    label = (outcome.label or str(outcome.column or _("the outcome"))).strip()
    first = label.split()[0] if label.split() else ""
    if len(first) > 1 and first[0].isupper() and first[1:].isalpha() and first[1:].islower():  # a word, not a code
        label = label[0].lower() + label[1:]
    return label


def _points(value: float, outcome: OutcomeSpec | None) -> str:
    """A penalty in the outcome's unit: ``0.84 points`` or ``23 percentage points``."""
    if outcome is not None and outcome.kind == "binary":
        return _("{size} percentage points").format(size=format_number(abs(value) * 100))
    return _("{size} points").format(size=format_decimal(abs(value), 2))


def _num(row: pd.Series, col: str) -> float:
    try:
        v = float(row.get(col, float("nan")))
    except (TypeError, ValueError):
        return float("nan")
    return v


def moments_by_impact(moments: pd.DataFrame, verdicts: tuple[str, ...] = ("critical",)) -> pd.DataFrame:
    """The stages with one of ``verdicts``, largest impact first, with a column ``impact``.

    ``impact = penalty × bad_pct / 100``: how many points lower the mean outcome of the stage's
    raters is because some of them had a bad experience there (penalty and share as in
    ``classify_moments``). Ties keep the cycle order.
    """
    _validate_analysis_table(moments, ("stage", "verdict", "penalty", "bad_pct"), _("critical-moment table"))
    chosen = moments[moments["verdict"].astype(str).isin(verdicts)].copy()
    penalty = pd.to_numeric(chosen["penalty"], errors="coerce")
    share = pd.to_numeric(chosen["bad_pct"], errors="coerce") / 100.0
    chosen["impact"] = (penalty * share).round(12)
    return chosen.sort_values("impact", ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def priority_advice(priorities: pd.DataFrame, moments: pd.DataFrame | None = None,
                    outcome: OutcomeSpec | None = None) -> pd.Series:
    """One short phrase per row of ``priorities`` (same index) saying what its place means (a
    table cell: at most about 60 characters).

    A critical moment or a pain point (``moments``) is said as such; an unranked stage needs no
    action; otherwise the quadrant is. A stage in the top three outside "Concentrate here" gets
    the short reason (:func:`rank_outside_quadrant` says it in a full sentence).
    """
    _validate_analysis_table(priorities, ("stage",), _("priority table"))
    words = outcome_words(outcome)
    verdict = _verdicts(moments)
    out = []
    for _index, r in priorities.iterrows():
        v = verdict.get(str(r["stage"]))
        quadrant = str(r.get("quadrant", "") or "")
        rank = _num(r, "rank")
        unranked = not math.isfinite(rank) or str(r.get("action", "")) == "no action needed"
        # A pain point that still ranks has a measurable link with the outcome: its quadrant says
        # more than "does not move the outcome", which is only true of an unranked one.
        key = v if v == "critical" or (v == "pain point" and unranked) else "no action needed" if unranked else quadrant
        text = _(_ADVICE[key]).format(outcome=words) if key in _ADVICE else ""
        if key in ("Keep up the good work", "Low priority", "Possible overkill") and rank <= FIX_FIRST:
            gap = _num(r, "gap")
            text = (_("Ranks high: {gap} points below its target, with a measurable link.").format(gap=format_number(gap))
                    if math.isfinite(gap) else _("Ranks high: far below its target, with a measurable link."))
        out.append(text)
    return pd.Series(out, index=priorities.index, dtype="str")


def _verdicts(moments: pd.DataFrame | None) -> dict[str, str]:
    if moments is None or len(moments) == 0 or not {"stage", "verdict"} <= set(moments.columns):
        return {}
    return dict(zip(moments["stage"].astype(str), moments["verdict"].astype(str)))


def _outside_sentence(r: pd.Series, words: str) -> str:
    """Why a stage ranks in the top three outside "Concentrate here": one whole sentence per case."""
    gap = _num(r, "gap")
    has_gap = math.isfinite(gap) and gap > 0
    quadrant = str(r.get("quadrant", "") or "")
    if quadrant == "Keep up the good work":
        text = (_("{stage} ranks {rank} although it is in '{quadrant}': it moves {outcome} more than most stages and "
                  "is {gap} points below its target.") if has_gap else
                _("{stage} ranks {rank} although it is in '{quadrant}': it moves {outcome} more than most stages and "
                  "is below its target."))
    else:
        text = (_("{stage} ranks {rank} although it is in '{quadrant}': its link with {outcome} is measurable and it "
                  "is {gap} points below its target, while most stages are at their target or have no measurable "
                  "link.") if has_gap else
                _("{stage} ranks {rank} although it is in '{quadrant}': its link with {outcome} is measurable and it "
                  "is below its target, while most stages are at their target or have no measurable link."))
    return text.format(stage=r["stage"], rank=format_number(_num(r, "rank")), outcome=words,
                       quadrant=_(quadrant), gap=format_number(gap))


def rank_outside_quadrant(priorities: pd.DataFrame, outcome: OutcomeSpec | None = None) -> list[str]:
    """A sentence for each stage in the top three that is not in "Concentrate here".

    >>> p = pd.DataFrame({"rank": [1, 2], "stage": ["Pay", "Wait"], "quadrant": ["Keep up the good work", "Concentrate here"],
    ...                   "gap": [7.0, 20.0]})
    >>> rank_outside_quadrant(p)
    ["Pay ranks 1 although it is in 'Keep up the good work': it moves the outcome more than most stages and is 7 points below its target."]
    """
    _validate_analysis_table(priorities, ("stage", "rank"), _("priority table"))
    if "quadrant" not in priorities.columns:
        return []
    words = outcome_words(outcome)
    out = []
    for _index, r in priorities.sort_values("rank", kind="stable").iterrows():
        rank = _num(r, "rank")
        quadrant = str(r.get("quadrant", "") or "")
        if not (rank <= FIX_FIRST) or quadrant in ("Concentrate here", ""):
            continue
        out.append(_outside_sentence(r, words))
    return out


def fix_first(priorities: pd.DataFrame, moments: pd.DataFrame | None = None, outcome: OutcomeSpec | None = None,
              n: int = FIX_FIRST) -> pd.DataFrame:
    """The ``n`` highest priorities (rank 1 first): ``rank, stage, sentence``.

    The sentence says why the stage comes first: the size of its penalty when it is a critical
    moment, else how it matters and where it scores, with its distance to the target.

    >>> p = pd.DataFrame({"rank": [1], "stage": ["Pay"], "quadrant": ["Concentrate here"], "performance": [62.0],
    ...                   "gap": [18.0]})
    >>> fix_first(p)["sentence"].tolist()
    ['It matters for the outcome more than most stages and scores 62 of 100, 18 points below its target.']
    """
    _validate_analysis_table(priorities, ("stage", "rank"), _("priority table"))
    words = outcome_words(outcome)
    rows = {}
    if moments is not None and len(moments) and {"stage", "verdict"} <= set(moments.columns):
        rows = {str(s): r for s, (_index, r) in zip(moments["stage"].astype(str), moments.iterrows())}
    ranked = priorities[pd.to_numeric(priorities["rank"], errors="coerce").notna()]  # unranked: no action needed
    top = ranked.sort_values("rank", kind="stable").head(n)
    out = []
    for _index, r in top.iterrows():
        stage = str(r["stage"])
        perf, gap = _num(r, "performance"), _num(r, "gap")
        m = rows.get(stage)
        text = _fix_first_sentence(str(m["verdict"]) if m is not None else "", m, r, words, outcome,
                                   _where_it_scores(perf, gap))
        out.append({"rank": int(_num(r, "rank")) if math.isfinite(_num(r, "rank")) else len(out) + 1, "stage": stage,
                    "sentence": text})
    return pd.DataFrame(out, columns=["rank", "stage", "sentence"])


def _where_it_scores(perf: float, gap: float) -> str:
    """The predicate 'scores 62 of 100, 18 points below its target' (empty without a performance)."""
    if not math.isfinite(perf):
        return ""
    if math.isfinite(gap) and gap > 0:
        return _("scores {performance} of 100, {gap} points below its target").format(
            performance=format_number(perf), gap=format_number(gap))
    return _("scores {performance} of 100").format(performance=format_number(perf))


def _fix_first_sentence(verdict: str, m, r: pd.Series, words: str, outcome: OutcomeSpec | None, where: str) -> str:
    """The sentence of one "fix first" stage: one whole template per case, ``where`` (a predicate)
    filled in."""
    if verdict == "critical":
        bad = _num(m, "bad_pct")
        if math.isfinite(bad):
            text = (_("A bad experience here lowers {outcome} by {points}, and {share} of its raters have one; "
                      "it {where}.") if where else
                    _("A bad experience here lowers {outcome} by {points}, and {share} of its raters have one."))
        else:
            text = (_("A bad experience here lowers {outcome} by {points}; it {where}.") if where else
                    _("A bad experience here lowers {outcome} by {points}."))
        return text.format(outcome=words, points=_points(_num(m, "penalty"), outcome), where=where,
                           share=format_percent(bad / 100.0))
    if verdict == "pain point":
        # In the list only when ranked, so its link with the outcome is measurable; what it lacks is
        # a penalty large enough to be critical.
        text = (_("Often rated badly and linked with {outcome}, though one bad experience here does not spoil it "
                  "on its own; it {where}.") if where else
                _("Often rated badly and linked with {outcome}, though one bad experience here does not spoil it "
                  "on its own."))
    elif str(r.get("quadrant", "")) in ("Concentrate here", "Keep up the good work", ""):
        text = (_("It matters for {outcome} more than most stages and {where}.") if where else
                _("It matters for {outcome} more than most stages."))
    else:  # ranked although its importance is below the average stage's
        text = (_("Its link with {outcome} is measurable and it {where}.") if where else
                _("Its link with {outcome} is measurable."))
    return text.format(outcome=words, where=where)


def settings_in_words(settings) -> pd.DataFrame:
    """The analysis settings a manager may ask about, as ``setting, value`` rows in words.

    >>> from cycle_analytics.stats.analysis import AnalysisSettings
    >>> settings_in_words(AnalysisSettings()).iloc[0].tolist()
    ['Significance level (chance of a false alarm per stage)', '5%']
    """
    correction = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}.get(settings.correction, str(settings.correction))
    importance = {"spearman": _("Spearman rank correlation with the outcome"),
                  "relative_weight": _("relative weights (Johnson)")}.get(settings.importance_method, str(settings.importance_method))
    rows = [
        (_("Significance level (chance of a false alarm per stage)"), format_percent(settings.alpha)),
        (_("Correction for comparing many stages"), correction),
        (_("Smallest drop that counts as critical"),
         _("{share} of the outcome's scale").format(share=format_percent(settings.min_effect_fraction))),
        (_("Fewest bad experiences to judge a stage"), format_number(settings.min_bad)),
        (_("Fewest answers before a figure is flagged as a small sample"), format_number(settings.min_n)),
        (_("How importance is measured"), importance),
        (_("Resamples for the stability of the ranking"),
         _("{n} (seed {seed})").format(n=format_number(settings.n_boot), seed=settings.seed)),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"])
