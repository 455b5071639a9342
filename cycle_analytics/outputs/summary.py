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

FIX_FIRST = 3  #: how many priorities the "fix first" list holds
_ADVICE = {  # short: a table cell
    "critical": "Critical moment: fix first.",
    "Concentrate here": "Matters and scores low: fix first.",
    "Keep up the good work": "Matters and scores well: keep it up.",
    "Low priority": "Scores low, matters little: fix if cheap.",
    "Possible overkill": "Scores well, matters little: do not invest more.",
    "pain point": "Often rated badly; does not move {outcome}: fix if cheap.",
    "no action needed": "At its target or no measurable link: no action needed.",
    "outside": "Ranks high: {gap} below its target, with a measurable link.",
}


def _validate_analysis_table(table, required: tuple[str, ...], what: str) -> None:
    """Raise :class:`SurveyError` unless ``table`` is a DataFrame with the ``required`` columns."""
    if not isinstance(table, pd.DataFrame):
        raise SurveyError(f"The {what} must be a table (DataFrame).")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise SurveyError(f"The {what} lack the column(s) {', '.join(missing)}.")


def outcome_words(outcome: OutcomeSpec | None) -> str:
    """The outcome as it reads inside a sentence: ``overall satisfaction`` (a capitalised word
    is lower-cased, an acronym or code kept).

    >>> outcome_words(OutcomeSpec(column="Q7", label="Overall satisfaction"))
    'overall satisfaction'
    >>> outcome_words(OutcomeSpec(column="Q7ALL", label="Q7ALL")), outcome_words(None)
    ('Q7ALL', 'the outcome')
    """
    if outcome is None:
        return "the outcome"
    if outcome.is_proxy:
        return "the respondent's other ratings"
    label = (outcome.label or str(outcome.column or "the outcome")).strip()
    first = label.split()[0] if label.split() else ""
    if len(first) > 1 and first[0].isupper() and first[1:].isalpha() and first[1:].islower():  # a word, not a code
        label = label[0].lower() + label[1:]
    return label


def _points(value: float, outcome: OutcomeSpec | None) -> str:
    """A penalty in the outcome's unit: ``0.84 points`` or ``23 percentage points``."""
    if outcome is not None and outcome.kind == "binary":
        return f"{abs(value) * 100:,.0f} percentage points"
    return f"{abs(value):,.2f} points"


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
    _validate_analysis_table(moments, ("stage", "verdict", "penalty", "bad_pct"), "critical-moment table")
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
    _validate_analysis_table(priorities, ("stage",), "priority table")
    words = outcome_words(outcome)
    verdict = _verdicts(moments)
    out = []
    for _, r in priorities.iterrows():
        v = verdict.get(str(r["stage"]))
        quadrant = str(r.get("quadrant", "") or "")
        rank = _num(r, "rank")
        unranked = not math.isfinite(rank) or str(r.get("action", "")) == "no action needed"
        key = v if v in ("critical", "pain point") else "no action needed" if unranked else quadrant
        text = _ADVICE.get(key, "")
        if key in ("Keep up the good work", "Low priority", "Possible overkill") and rank <= FIX_FIRST:
            gap = _num(r, "gap")
            text = _ADVICE["outside"].replace("{gap}", f"{gap:,.0f} points" if math.isfinite(gap) else "far")
        out.append(text.format(outcome=words))
    return pd.Series(out, index=priorities.index, dtype="str")


def _verdicts(moments: pd.DataFrame | None) -> dict[str, str]:
    if moments is None or len(moments) == 0 or not {"stage", "verdict"} <= set(moments.columns):
        return {}
    return dict(zip(moments["stage"].astype(str), moments["verdict"].astype(str)))


def _outside_reason(r: pd.Series, words: str) -> str:
    """Why a stage ranks in the top three outside "Concentrate here", in words."""
    gap = _num(r, "gap")
    gap_text = f"{gap:,.0f} points below its target" if math.isfinite(gap) and gap > 0 else "below its target"
    quadrant = str(r.get("quadrant", "") or "")
    if quadrant == "Keep up the good work":
        return f"Ranks high although it scores above the average stage: it moves {words} more than most stages and is {gap_text}."
    return (f"Ranks high although it moves {words} less than the average stage: its link with {words} is measurable "
            f"and it is {gap_text}, while most stages are at their target or have no measurable link.")


def rank_outside_quadrant(priorities: pd.DataFrame, outcome: OutcomeSpec | None = None) -> list[str]:
    """A sentence for each stage in the top three that is not in "Concentrate here".

    >>> p = pd.DataFrame({"rank": [1, 2], "stage": ["Pay", "Wait"], "quadrant": ["Keep up the good work", "Concentrate here"],
    ...                   "gap": [7.0, 20.0]})
    >>> rank_outside_quadrant(p)
    ["Pay ranks 1 although it is in 'Keep up the good work': it moves the outcome more than most stages and is 7 points below its target."]
    """
    _validate_analysis_table(priorities, ("stage", "rank"), "priority table")
    if "quadrant" not in priorities.columns:
        return []
    words = outcome_words(outcome)
    out = []
    for _, r in priorities.sort_values("rank", kind="stable").iterrows():
        rank = _num(r, "rank")
        quadrant = str(r.get("quadrant", "") or "")
        if not (rank <= FIX_FIRST) or quadrant in ("Concentrate here", ""):
            continue
        reason = _outside_reason(r, words).split(": ", 1)[1]
        out.append(f"{r['stage']} ranks {rank:.0f} although it is in '{quadrant}': {reason}")
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
    _validate_analysis_table(priorities, ("stage", "rank"), "priority table")
    words = outcome_words(outcome)
    rows = {}
    if moments is not None and len(moments) and {"stage", "verdict"} <= set(moments.columns):
        rows = {str(s): r for s, (_, r) in zip(moments["stage"].astype(str), moments.iterrows())}
    ranked = priorities[pd.to_numeric(priorities["rank"], errors="coerce").notna()]  # unranked: no action needed
    top = ranked.sort_values("rank", kind="stable").head(n)
    out = []
    for _, r in top.iterrows():
        stage = str(r["stage"])
        perf, gap = _num(r, "performance"), _num(r, "gap")
        where = f"scores {perf:,.0f} of 100" if math.isfinite(perf) else ""
        if where and math.isfinite(gap) and gap > 0:
            where += f", {gap:,.0f} points below its target"
        m = rows.get(stage)
        verdict = str(m["verdict"]) if m is not None else ""
        if verdict == "critical":
            pen, bad = _num(m, "penalty"), _num(m, "bad_pct")
            text = f"A bad experience here lowers {words} by {_points(pen, outcome)}"
            if math.isfinite(bad):
                text += f", and {bad:,.0f}% of its raters have one"
            text += f"; it {where}." if where else "."
        elif verdict == "pain point":
            text = f"Often rated badly, though that does not measurably lower {words}" + (f"; it {where}." if where else ".")
        elif str(r.get("quadrant", "")) in ("Concentrate here", "Keep up the good work", ""):
            text = f"It matters for {words} more than most stages" + (f" and {where}." if where else ".")
        else:  # ranked although its importance is below the average stage's
            text = f"Its link with {words} is measurable" + (f" and it {where}." if where else ".")
        out.append({"rank": int(_num(r, "rank")) if math.isfinite(_num(r, "rank")) else len(out) + 1, "stage": stage,
                    "sentence": text})
    return pd.DataFrame(out, columns=["rank", "stage", "sentence"])


def settings_in_words(settings) -> pd.DataFrame:
    """The analysis settings a manager may ask about, as ``setting, value`` rows in words.

    >>> from cycle_analytics.stats.analysis import AnalysisSettings
    >>> settings_in_words(AnalysisSettings()).iloc[0].tolist()
    ['Significance level (chance of a false alarm per stage)', '5%']
    """
    correction = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}.get(settings.correction, str(settings.correction))
    importance = {"spearman": "Spearman rank correlation with the outcome",
                  "relative_weight": "relative weights (Johnson)"}.get(settings.importance_method, str(settings.importance_method))
    rows = [
        ("Significance level (chance of a false alarm per stage)", f"{settings.alpha:.0%}"),
        ("Correction for comparing many stages", correction),
        ("Smallest drop that counts as critical", f"{settings.min_effect_fraction:.0%} of the outcome's scale"),
        ("Fewest bad experiences to judge a stage", f"{settings.min_bad:,}"),
        ("Fewest answers before a figure is flagged as a small sample", f"{settings.min_n:,}"),
        ("How importance is measured", importance),
        ("Resamples for the stability of the ranking", f"{settings.n_boot:,} (seed {settings.seed})"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"])
