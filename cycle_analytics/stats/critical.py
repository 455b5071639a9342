"""Critical moments, pain points and the data's verdict on stages the cycle declares critical.

Reads the table of :func:`cycle_analytics.stats.drivers.multivariate_penalty_reward` (the penalty of
a bad experience with every other stage held fixed, beside the raw one-stage penalty) - or of the
one-stage :func:`cycle_analytics.stats.drivers.penalty_reward` - and classes every stage:

* ``critical``: a bad (bottom-box) experience there measurably spoils the outcome - the penalty is
  positive, its corrected p-value is below ``alpha`` AND it is at least ``min_effect_fraction`` of
  the outcome's span (0.4 points on a 1-5 outcome, 0.1 = 10 percentage points on a 0/1 outcome)
  AND at least ``min_bad`` respondents rated the stage badly.
* ``not enough data``: fewer than ``min_bad`` bottom-box ratings with an outcome (including stages
  nobody rated and stages rated with one score only), so the question cannot be answered.
* ``pain point``: not critical, but at least ``pain_share`` (default 20%) of the stage's ratings
  are in the bottom box - many customers are unhappy there, yet (the other stages held fixed) a bad
  rating there does not lower the outcome by what a critical moment needs. Its sentence states
  the measured effect with its sign and p-value (never "no effect" where the data show one).
* ``ok``: everything else.

The corrected p-values are recomputed from the ``p_value`` column with ``settings.correction``, so
the verdicts always follow the settings shown next to them.

Declared-critical stages get ``declared_verdict``: ``confirmed`` (verdict critical), ``not enough
data`` (verdict not enough data) or ``not confirmed``; other stages get an empty string.
Every stage gets one plain ``evidence`` sentence a manager can repeat. For a critical moment of the
multivariate model it is in the seeds' own terms (a critical moment spoils the service even when
everything else went well): "Among N customers for whom every other moment went well, the k who had
a bad experience at X gave ... lower (p ...)" - the direct comparison of the model table's
``clean_*`` columns, when at least ``min_clean_bad`` such customers had a bad experience there;
otherwise the sentence says the group is too small and quotes the model's penalty instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.names import NO_LABELS, YES_LABELS
from cycle_analytics.stats.kernel import adjust_pvalues
from cycle_analytics.stats.validation import validate_alpha, validate_correction

__all__ = ["CriticalSettings", "classify_moments", "format_p", "VERDICTS", "DECLARED_VERDICTS"]

VERDICTS = ("critical", "pain point", "ok", "not enough data")
DECLARED_VERDICTS = ("confirmed", "not confirmed", "not enough data", "")

_NEEDED = ("stage", "n", "n_bad", "bad_pct", "mean_outcome_bad", "mean_outcome_rest", "penalty", "p_value")


@dataclass(frozen=True)
class CriticalSettings:
    """Thresholds of the critical-moment rule (shown next to the result).

    alpha : significance level for the corrected penalty p-value.
    min_effect_fraction : smallest penalty that counts, as a fraction of the outcome's span.
    min_bad : fewest bottom-box ratings needed for any verdict.
    correction : multiple-comparison correction across stages (``holm``, ``fdr_bh``, ...).
    pain_share : bottom-box share (0-1) from which a non-critical stage is a pain point.
    min_clean_bad : fewest bad experiences among the customers for whom every other moment went
        well before the evidence sentence quotes that direct comparison.
    """

    alpha: float = 0.05
    min_effect_fraction: float = 0.10
    min_bad: int = 30
    correction: str = "holm"
    pain_share: float = 0.20
    min_clean_bad: int = 20

    def min_penalty(self, outcome: OutcomeSpec, span: float | None = None) -> float:
        """The smallest penalty (in outcome units) that counts as practically large.

        ``span`` overrides the outcome's own range (the proxy has none: pass the rating scale's).
        """
        return self.min_effect_fraction * (outcome.span if span is None else span)

    def describe(self, outcome: OutcomeSpec, span: float | None = None) -> str:
        """One sentence stating the rule, e.g. for a caption."""
        size = _size_text(self.min_penalty(outcome, span), outcome)
        return (
            f"Critical: penalty (every other stage held fixed) significant at {self.alpha:g} after "
            f"{_correction_name(self.correction)} correction, "
            f"at least {size} ({self.min_effect_fraction:.0%} of the outcome's range), "
            f"and at least {self.min_bad} customers with a bad rating; "
            f"pain point: {self.pain_share:.0%} or more bad ratings without a critical effect."
        )


def _correction_name(c: str) -> str:
    return {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg", "bonferroni": "Bonferroni", "none": "no"}.get(c, c)


def _span(penalties: pd.DataFrame, outcome: OutcomeSpec) -> float:
    """The outcome's range: its own, else the ``outcome_span`` recorded by penalty_reward (proxy)."""
    span = outcome.span
    if not np.isfinite(span) and "outcome_span" in penalties.columns and len(penalties):
        span = float(penalties["outcome_span"].iloc[0])
    return span


def _validate_moment_inputs(penalties: pd.DataFrame, outcome: OutcomeSpec, declared, settings: CriticalSettings) -> tuple[str, ...]:
    """Check the penalty table, the outcome, the declared stages and the settings; returns the
    declared stages as a tuple of names."""
    if not isinstance(penalties, pd.DataFrame):
        raise SurveyError("Critical moments need the penalty table from penalty_reward().")
    missing = [c for c in _NEEDED if c not in penalties.columns]
    if missing:
        raise SurveyError(f"The penalty table lacks the column(s) {', '.join(missing)}.")
    if not isinstance(outcome, OutcomeSpec):
        raise SurveyError("Critical moments need the outcome's description (an OutcomeSpec).")
    span = _span(penalties, outcome)
    if not np.isfinite(span) or span <= 0:
        raise SurveyError(
            f"The outcome {outcome.display()!r} has no known scale, so the size of a penalty cannot be judged."
        )
    validate_correction(settings.correction)
    validate_alpha(settings.alpha)
    if settings.min_effect_fraction < 0 or settings.min_bad < 0 or settings.min_clean_bad < 0 or not (0 <= settings.pain_share <= 1):
        raise SurveyError("The critical-moment thresholds must not be negative (and the pain-point share at most 1).")
    if isinstance(declared, str):
        declared = (declared,)
    declared = tuple(str(d) for d in declared)
    names = set(penalties["stage"].astype(str))
    for d in declared:
        if d not in names:
            raise SurveyError(f"The declared critical stage {d!r} is not a stage of this survey.")
    return declared


def format_p(p: float) -> str:
    """APA-style p-value: ``p < 0.001``, ``p = 0.012``.

    >>> format_p(0.0004), format_p(0.01234), format_p(0.5)
    ('p < 0.001', 'p = 0.012', 'p = 0.500')
    """
    if p is None or not np.isfinite(p):
        return "p not computable"
    if p < 0.001:
        return "p < 0.001"
    if p > 0.999:
        return "p > 0.999"
    return f"p = {p:.3f}"


def _points_text(x: float) -> str:
    x = abs(float(x))
    if x >= 0.95:
        return f"{x:.1f}"
    if x >= 0.0095:
        return f"{x:.2f}".rstrip("0")
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _people(n: int) -> str:
    return f"{n:,} customer" + ("" if n == 1 else "s")


def _outcome_name(outcome: OutcomeSpec) -> str:
    label = (outcome.label or str(outcome.column or "the outcome")).strip()
    # lower-case a capitalised word ("Overall satisfaction") but keep acronyms ("NPS") and codes ("Q7ALL")
    if len(label) > 1 and label[0].isupper() and not label[1].isupper() and not _is_code(label):
        label = label[0].lower() + label[1:]
    return label


_TOKENS = YES_LABELS | NO_LABELS


def _binary_positive(outcome: OutcomeSpec) -> str:
    """How the positive answer reads after 'less often': 'satisfied', 'answered yes to "..."'."""
    pos = " ".join((outcome.positive or "").split())
    question = outcome.label or outcome.column
    if not pos or pos.casefold() in YES_LABELS:
        return f'answered yes to "{question}"'
    if pos.casefold() in _TOKENS:
        return f'answered "{pos}" to "{question}"'
    return pos if pos.isupper() else pos[0].lower() + pos[1:]


def _size_text(value: float, outcome: OutcomeSpec) -> str:
    """A penalty size in the outcome's units: '23 percentage points' or '1.8 points'."""
    if outcome.kind == "binary":
        pp = abs(value) * 100
        return f"{pp:.0f} percentage points" if pp >= 1 else f"{pp:.1f} percentage points"
    return f"{_points_text(value)} points"


def _effect_phrase(delta: float, outcome: OutcomeSpec) -> str:
    """Wording of 'their outcome was |delta| lower/higher' (delta = penalty, positive = lower)."""
    lower = delta >= 0
    if outcome.kind == "binary":
        return f"were {_size_text(delta, outcome)} {'less' if lower else 'more'} often {_binary_positive(outcome)}"
    if outcome.is_proxy:
        return f"rated the other stages {_size_text(delta, outcome)} {'lower' if lower else 'higher'} on average"
    name = _outcome_name(outcome)
    if _is_code(name):
        # A column code reads badly after an article ("gave a Q7ALL"): say what was rated instead.
        return f"rated {name} {_size_text(delta, outcome)} {'lower' if lower else 'higher'}"
    return f"gave {'an' if name[:1].lower() in 'aeiou' else 'a'} {name} {_size_text(delta, outcome)} {'lower' if lower else 'higher'}"


def _is_code(label: str) -> bool:
    """A column code such as ``Q7ALL`` or ``NETPRO`` rather than words ("overall satisfaction")."""
    return " " not in label and (any(ch.isdigit() for ch in label) or (label.isupper() and len(label) > 3))


def _outcome_short(outcome: OutcomeSpec) -> str:
    if outcome.is_proxy:
        return "their ratings of the other stages"
    if outcome.kind == "binary":
        return f"how often they {_binary_positive(outcome)}"
    return f"their {_outcome_name(outcome)}"


def _sentence(row: dict, verdict: str, outcome: OutcomeSpec, settings: CriticalSettings, min_pen: float) -> str:
    stage = row["stage"]
    n_bad = int(row["n_bad"])
    pen = row["penalty"]
    p = row["p_adj"]
    fixed = row["model"] == "multivariate"
    if verdict == "critical":
        if fixed:
            return _critical_sentence(row, outcome, settings)
        return f"Customers who rated {stage} badly {_effect_phrase(pen, outcome)} ({format_p(p)}, {_people(n_bad)}){_proxy_note(outcome)}."
    if verdict == "not enough data":
        if int(row["n"]) == 0:
            return f"Nobody with an outcome rated {stage}, so its effect cannot be judged."
        return (
            f"Only {_people(n_bad)} rated {stage} badly; at least {settings.min_bad} are needed to tell "
            f"whether a bad experience there spoils {_outcome_short(outcome)}."
        )
    what = (
        f"{_people(n_bad)} ({row['bad_pct']:.0f}%) rated {stage} badly"
        if verdict == "pain point"
        else f"Customers who rated {stage} badly ({_people(n_bad)}, {row['bad_pct']:.0f}%)"
    )
    held = " with every other moment held fixed" if fixed else ""
    if not np.isfinite(pen):
        effect = "their outcome could not be compared with the rest"
    else:
        effect = f"{_effect_phrase(pen, outcome)} ({format_p(p)})"
    if verdict == "pain point":
        short = ""
        if fixed and pen > 0 and p < settings.alpha:
            short = f", less than the {_size_text(min_pen, outcome)} a critical moment needs"
        return (
            f"{what[0].upper() + what[1:]}, but{held} those customers {effect}{short}: "
            f"a pain point, not a critical moment{_proxy_note(outcome)}."
        )
    held = "," + held + "," if fixed else ""
    return (
        f"{what}{held} {effect}; a critical moment needs a significant penalty of at least {_size_text(min_pen, outcome)}"
        f"{_proxy_note(outcome)}."
    )


def _critical_sentence(row: dict, outcome: OutcomeSpec, settings: CriticalSettings) -> str:
    """The evidence of a critical moment of the multivariate model: the direct comparison among the
    customers for whom every other moment went well, or the model's figure when they are too few."""
    stage, n_bad, pen, p = row["stage"], int(row["n_bad"]), row["penalty"], row["p_adj"]
    model_figure = f"{_effect_phrase(pen, outcome)} ({format_p(p)}, {_people(n_bad)})"
    clean_bad, clean_n = int(row["clean_n_bad"]), int(row["clean_n"])
    if clean_bad < settings.min_clean_bad or clean_n - clean_bad < 2 or not np.isfinite(row["clean_penalty"]):
        return (
            f"Only {_people(clean_bad)} had a bad experience at {stage} while every other moment went well, "
            f"too few to compare directly; with every other moment held fixed, customers who rated {stage} badly "
            f"{model_figure}."
        )
    direct = (
        f"Among {_people(clean_n)} for whom every other moment went well, the {clean_bad:,} who had a bad "
        f"experience at {stage} {_effect_phrase(row['clean_penalty'], outcome)} ({format_p(row['clean_p_adj'])})."
    )
    if row["clean_penalty"] > 0 and row["clean_p_adj"] < settings.alpha:
        return direct
    return f"{direct} With every other moment held fixed, customers who rated {stage} badly {model_figure}."


def _proxy_note(outcome: OutcomeSpec) -> str:
    if not outcome.is_proxy:
        return ""
    return "; no overall question was chosen, so the outcome is the mean of the other stages"


def _verdict_flags(n, n_bad, bad_pct, pen, p_adj, min_pen: float, settings: CriticalSettings):
    """``(enough, critical, verdict)`` per stage: the rule of the module docstring."""
    enough = (n_bad >= settings.min_bad) & np.isfinite(pen) & (n_bad > 0) & (n > n_bad)
    critical = enough & (p_adj < settings.alpha) & (pen > 0) & (pen >= min_pen)
    pain = enough & ~critical & (bad_pct >= settings.pain_share * 100.0)
    verdict = np.full(len(n), "ok", dtype=object)
    verdict[~enough] = "not enough data"
    verdict[pain] = "pain point"
    verdict[critical] = "critical"
    return enough, critical, verdict


def _declared_verdicts(is_declared: np.ndarray, enough: np.ndarray, critical: np.ndarray) -> np.ndarray:
    """The data's verdict on the declared-critical stages (empty for the others)."""
    dv = np.full(len(is_declared), "", dtype=object)
    dv[is_declared] = "not confirmed"
    dv[is_declared & critical] = "confirmed"
    dv[is_declared & ~enough] = "not enough data"
    return dv


def classify_moments(
    penalties: pd.DataFrame,
    outcome: OutcomeSpec,
    *,
    declared=(),
    settings: CriticalSettings = CriticalSettings(),
) -> pd.DataFrame:
    """Class every stage as critical moment, pain point, ok or not enough data.

    Parameters
    ----------
    penalties : DataFrame
        The output of :func:`cycle_analytics.stats.drivers.multivariate_penalty_reward` (or of the
        one-stage :func:`cycle_analytics.stats.drivers.penalty_reward`).
    outcome : OutcomeSpec
        The outcome the penalties are measured on (its ``span`` sets the effect threshold, its
        label the wording of the evidence). For the proxy, which has no scale of its own, the
        ``outcome_span`` column written by ``penalty_reward`` (the rating scale's range) is used.
    declared : iterable of str
        Stages the cycle declares critical.
    settings : CriticalSettings
        Thresholds; see the module docstring for the rule.

    Returns
    -------
    DataFrame
        ``stage, verdict, declared_critical, declared_verdict, penalty, p_adjusted, n_bad, bad_pct,
        evidence`` then ``n, min_penalty, correction, raw_penalty, raw_p_adjusted, reward, factor,
        clean_n, clean_n_bad, clean_penalty, model, clean_p_adjusted`` (carried from a multivariate
        table; for a one-stage table ``raw_penalty`` is its penalty and ``model`` is "one stage").
        ``p_adjusted`` and ``clean_p_adjusted`` are recomputed with ``settings.correction``.

    Examples
    --------
    >>> from cycle_analytics.scales import Scale
    >>> pen = pd.DataFrame({"stage": ["Pay"], "n": [400], "n_bad": [120], "bad_pct": [30.0],
    ...     "mean_outcome_bad": [2.5], "mean_outcome_rest": [4.3], "penalty": [1.8], "p_value": [1e-9]})
    >>> out = classify_moments(pen, OutcomeSpec("overall", scale=Scale(1, 5), label="Overall satisfaction"))
    >>> out.verdict.tolist()
    ['critical']
    >>> out.evidence.iloc[0]
    'Customers who rated Pay badly gave an overall satisfaction 1.8 points lower (p < 0.001, 120 customers).'
    """
    declared = _validate_moment_inputs(penalties, outcome, declared, settings)
    stages = penalties["stage"]
    names = stages.astype(str).to_numpy()
    n = penalties["n"].to_numpy(dtype=np.float64)
    n_bad = penalties["n_bad"].to_numpy(dtype=np.float64)
    bad_pct = penalties["bad_pct"].to_numpy(dtype=np.float64)
    pen = penalties["penalty"].to_numpy(dtype=np.float64)
    p_adj = adjust_pvalues(penalties["p_value"].to_numpy(dtype=np.float64), settings.correction)
    min_pen = settings.min_penalty(outcome, _span(penalties, outcome))
    extra = _carried_columns(penalties, settings.correction)

    enough, critical, verdict = _verdict_flags(n, n_bad, bad_pct, pen, p_adj, min_pen, settings)
    is_declared = np.isin(names, np.asarray(declared, dtype=object)) if declared else np.zeros(len(names), bool)
    dv = _declared_verdicts(is_declared, enough, critical)

    evidence = [
        _sentence(
            {"stage": names[i], "n": n[i], "n_bad": n_bad[i], "bad_pct": bad_pct[i], "penalty": pen[i], "p_adj": p_adj[i],
             "model": extra["model"][i], "clean_n": extra["clean_n"][i], "clean_n_bad": extra["clean_n_bad"][i],
             "clean_penalty": extra["clean_penalty"][i], "clean_p_adj": extra["clean_p_adjusted"][i]},
            verdict[i],
            outcome,
            settings,
            min_pen,
        )
        for i in range(len(names))  # one sentence per stage (a handful), not per rating
    ]
    stage_col = stages.to_numpy() if not isinstance(stages.dtype, pd.CategoricalDtype) else stages.array
    out = pd.DataFrame(
        {
            "stage": stage_col,
            "verdict": verdict.astype(str),
            "declared_critical": is_declared,
            "declared_verdict": dv.astype(str),
            "penalty": pen,
            "p_adjusted": p_adj,
            "n_bad": n_bad.astype(np.int64),
            "bad_pct": bad_pct,
            "evidence": evidence,
            "n": n.astype(np.int64),
            "min_penalty": np.full(len(names), min_pen),
            "correction": settings.correction,
        }
    )
    for col, values in extra.items():
        out[col] = values
    return out


#: Columns of the multivariate table carried into the verdicts (NaN / 0 / "one stage" when absent).
_CARRIED = ("raw_penalty", "raw_p_adjusted", "reward", "factor", "clean_n", "clean_n_bad", "clean_penalty", "model")


def _carried_columns(penalties: pd.DataFrame, correction: str) -> dict:
    """The model's extra columns for the verdict table; the direct comparison's p-values are
    corrected with ``correction`` like the penalties'."""
    n_st = len(penalties)
    fallback = {"clean_n": 0, "clean_n_bad": 0, "factor": "", "model": "one stage"}
    out = {}
    for col in _CARRIED:
        if col in penalties.columns:
            out[col] = penalties[col].to_numpy()
        else:
            out[col] = np.full(n_st, fallback.get(col, np.nan), dtype=object if col in ("factor", "model") else None)
    if "raw_penalty" not in penalties.columns:  # a one-stage table: its penalty is the raw one
        out["raw_penalty"] = penalties["penalty"].to_numpy(dtype=np.float64)
    clean_p = penalties["clean_p_value"].to_numpy(dtype=np.float64) if "clean_p_value" in penalties.columns else np.full(n_st, np.nan)
    out["clean_p_adjusted"] = adjust_pvalues(clean_p, correction)
    out["clean_n"] = np.asarray(out["clean_n"], dtype=np.int64)
    out["clean_n_bad"] = np.asarray(out["clean_n_bad"], dtype=np.int64)
    return out
