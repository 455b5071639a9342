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

Stages rated almost alike (``alike_group`` of the multivariate table, see
:mod:`cycle_analytics.stats.drivers.contrast`) cannot be told apart by the model, so each member is
judged on the group's joint penalty and its p-value (``joint_penalty``, ``joint_p_value``) instead
of its own: ``penalty`` and ``p_adjusted`` of the verdict table are then the joint ones (corrected
over the stages as usual, the members sharing one p-value), ``own_penalty`` keeps the model's own,
``alike_with`` names the other members, and the evidence says why.

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
from cycle_analytics.i18n import format_decimal, format_list, format_number, format_percent, ngettext, gettext as _
from cycle_analytics.ingest.names import NO_LABELS, YES_LABELS
from cycle_analytics.stats.kernel import adjust_pvalues
from cycle_analytics.stats.validation import validate_alpha, validate_correction

__all__ = ["CriticalSettings", "classify_moments", "alike_notes", "format_p", "VERDICTS", "DECLARED_VERDICTS"]

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
        fields = {"alpha": format_decimal(self.alpha, len(f"{self.alpha:g}".partition(".")[2])), "size": size,
                  "fraction": format_percent(self.min_effect_fraction), "min_bad": format_number(self.min_bad),
                  "pain_share": format_percent(self.pain_share), "correction": _correction_name(self.correction)}
        if self.correction == "none":
            text = _("Critical: penalty (every other stage held fixed) significant at {alpha} after no correction, "
                     "at least {size} ({fraction} of the outcome's range), and at least {min_bad} customers with a "
                     "bad rating; pain point: {pain_share} or more bad ratings without a critical effect.")
        else:
            text = _("Critical: penalty (every other stage held fixed) significant at {alpha} after {correction} "
                     "correction, at least {size} ({fraction} of the outcome's range), and at least {min_bad} "
                     "customers with a bad rating; pain point: {pain_share} or more bad ratings without a critical "
                     "effect.")
        return text.format(**fields)


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
        raise SurveyError(_("Critical moments need the penalty table from penalty_reward()."))
    missing = [c for c in _NEEDED if c not in penalties.columns]
    if missing:
        raise SurveyError(_("The penalty table lacks the column(s) {items}.").format(items=', '.join(missing)))
    if not isinstance(outcome, OutcomeSpec):
        raise SurveyError(_("Critical moments need the outcome's description (an OutcomeSpec)."))
    span = _span(penalties, outcome)
    if not np.isfinite(span) or span <= 0:
        raise SurveyError(
            _("The outcome {display!r} has no known scale, so the size of a penalty cannot be judged.").format(display=outcome.display())
        )
    validate_correction(settings.correction)
    validate_alpha(settings.alpha)
    if settings.min_effect_fraction < 0 or settings.min_bad < 0 or settings.min_clean_bad < 0 or not (0 <= settings.pain_share <= 1):
        raise SurveyError(_("The critical-moment thresholds must not be negative (and the pain-point share at most 1)."))
    if isinstance(declared, str):
        declared = (declared,)
    declared = tuple(str(d) for d in declared)
    names = set(penalties["stage"].astype(str))
    for d in declared:
        if d not in names:
            raise SurveyError(_("The declared critical stage {d!r} is not a stage of this survey.").format(d=d))
    return declared


def format_p(p: float) -> str:
    """APA-style p-value in the current language: ``p < 0.001``, ``p = 0.012``.

    >>> format_p(0.0004), format_p(0.01234), format_p(0.5)
    ('p < 0.001', 'p = 0.012', 'p = 0.500')
    """
    if p is None or not np.isfinite(p):
        return _("p not computable")
    if p < 0.001:
        return f"p < {format_decimal(0.001, 3)}"
    if p > 0.999:
        return f"p > {format_decimal(0.999, 3)}"
    return f"p = {format_decimal(p, 3)}"


def _points_text(x: float) -> str:
    """``|x|`` with as many decimals as its size needs (1.8, 0.35, 0.004), in the current language."""
    x = abs(float(x))
    if x >= 0.95:
        digits = 1
    elif x >= 0.0095:
        digits = len(f"{x:.2f}".rstrip("0").split(".")[1])
    else:
        digits = len(f"{x:.3f}".rstrip("0").rstrip(".").partition(".")[2])
    return format_decimal(x, digits)


def _people(n: int) -> str:
    return ngettext("{n} customer", "{n} customers", int(n)).format(n=format_number(n))


def _share(pct: float) -> str:
    """A percentage (40.0) as the current language writes it ("40%", "40 %")."""
    return format_percent(pct / 100.0)


def _outcome_name(outcome: OutcomeSpec) -> str:
    label = (outcome.label or str(outcome.column or _("the outcome"))).strip()
    # lower-case a capitalised word ("Overall satisfaction") but keep acronyms ("NPS") and codes ("Q7ALL")
    if len(label) > 1 and label[0].isupper() and not label[1].isupper() and not _is_code(label):
        label = label[0].lower() + label[1:]
    return label


_TOKENS = YES_LABELS | NO_LABELS


def _binary_answer(outcome: OutcomeSpec) -> tuple[str, dict]:
    """How the positive answer of a yes/no outcome is worded: ``("yes", {question})``,
    ``("answer", {answer, question})`` or ``("word", {positive})`` (an adjective such as 'satisfied')."""
    pos = " ".join((outcome.positive or "").split())
    question = outcome.label or outcome.column
    if not pos or pos.casefold() in YES_LABELS:
        return "yes", {"question": question}
    if pos.casefold() in _TOKENS:
        return "answer", {"answer": pos, "question": question}
    return "word", {"positive": pos if pos.isupper() else pos[0].lower() + pos[1:]}


def _size_text(value: float, outcome: OutcomeSpec) -> str:
    """A penalty size in the outcome's units: '23 percentage points' or '1.8 points'."""
    if outcome.kind == "binary":
        pp = abs(value) * 100
        return _("{size} percentage points").format(size=format_decimal(pp, 0 if pp >= 1 else 1))
    return _("{size} points").format(size=_points_text(value))


def _binary_effect(lower: bool, size: str, outcome: OutcomeSpec) -> str:
    kind, fields = _binary_answer(outcome)
    if kind == "yes":
        text = (_('were {size} less often answered yes to "{question}"') if lower
                else _('were {size} more often answered yes to "{question}"'))
    elif kind == "answer":
        text = (_('were {size} less often answered "{answer}" to "{question}"') if lower
                else _('were {size} more often answered "{answer}" to "{question}"'))
    else:
        text = _("were {size} less often {positive}") if lower else _("were {size} more often {positive}")
    return text.format(size=size, **fields)


def _effect_phrase(delta: float, outcome: OutcomeSpec) -> str:
    """The predicate 'gave an overall satisfaction 1.8 points lower' (delta = penalty, positive = lower),
    one whole translatable phrase per outcome kind and direction."""
    lower = delta >= 0
    size = _size_text(delta, outcome)
    if outcome.kind == "binary":
        return _binary_effect(lower, size, outcome)
    if outcome.is_proxy:
        text = (_("rated the other stages {size} lower on average") if lower
                else _("rated the other stages {size} higher on average"))
        return text.format(size=size)
    name = _outcome_name(outcome)
    if _is_code(name):
        # A column code reads badly after an article ("gave a Q7ALL"): say what was rated instead.
        text = _("rated {outcome} {size} lower") if lower else _("rated {outcome} {size} higher")
    elif name[:1].lower() in "aeiou":
        text = _("gave an {outcome} {size} lower") if lower else _("gave an {outcome} {size} higher")
    else:
        text = _("gave a {outcome} {size} lower") if lower else _("gave a {outcome} {size} higher")
    return text.format(outcome=name, size=size)


def _is_code(label: str) -> bool:
    """A column code such as ``Q7ALL`` or ``NETPRO`` rather than words ("overall satisfaction")."""
    return " " not in label and (any(ch.isdigit() for ch in label) or (label.isupper() and len(label) > 3))


def _outcome_short(outcome: OutcomeSpec) -> str:
    if outcome.is_proxy:
        return _("their ratings of the other stages")
    if outcome.kind == "binary":
        kind, fields = _binary_answer(outcome)
        text = {"yes": _('how often they answered yes to "{question}"'),
                "answer": _('how often they answered "{answer}" to "{question}"'),
                "word": _("how often they {positive}")}[kind]
        return text.format(**fields)
    return _("their {outcome}").format(outcome=_outcome_name(outcome))


def _sentence(row: dict, verdict: str, outcome: OutcomeSpec, settings: CriticalSettings, min_pen: float) -> str:
    """The evidence sentence of one stage in the current language (one whole template per case)."""
    if row["alike_with"] and verdict != "not enough data":
        return _alike_sentence(row, verdict, outcome, min_pen)
    if verdict == "critical":
        if row["model"] == "multivariate":
            return _critical_sentence(row, outcome, settings)
        return _with_proxy_note(_("Customers who rated {stage} badly {effect} ({p}, {people})").format(
            stage=row["stage"], effect=_effect_phrase(row["penalty"], outcome), p=format_p(row["p_adj"]),
            people=_people(row["n_bad"])), outcome)
    if verdict == "not enough data":
        return _not_enough_sentence(row, outcome, settings)
    if verdict == "pain point":
        return _pain_sentence(row, outcome, settings, min_pen)
    return _ok_sentence(row, outcome, min_pen)


def _alike_sentence(row: dict, verdict: str, outcome: OutcomeSpec, min_pen: float) -> str:
    """The evidence of a stage rated almost like others: judged on their joint penalty."""
    fields = {"stage": row["stage"], "others": row["alike_with"], "phi": format_decimal(row["alike_phi"], 2),
              "effect": _effect_phrase(row["penalty"], outcome), "p": format_p(row["p_adj"]),
              "min_size": _size_text(min_pen, outcome)}
    if verdict == "critical":
        return _("Customers rated {stage} almost like {others} (their bad ratings correlate at {phi}), so the model "
                 "cannot tell these moments apart; judged together, customers who rated them badly {effect} ({p}).").format(
            **fields)
    if verdict == "pain point":
        n_bad = int(row["n_bad"])
        return ngettext(
            "{n} customer ({share}) rated {stage} badly: a pain point, not a critical moment. Customers rated it almost "
            "like {others} (their bad ratings correlate at {phi}), so the model cannot tell these moments apart; "
            "judged together, customers who rated them badly {effect} ({p}), and a critical moment needs a "
            "significant penalty of at least {min_size}.",
            "{n} customers ({share}) rated {stage} badly: a pain point, not a critical moment. Customers rated it "
            "almost like {others} (their bad ratings correlate at {phi}), so the model cannot tell these moments "
            "apart; judged together, customers who rated them badly {effect} ({p}), and a critical moment needs a "
            "significant penalty of at least {min_size}.", n_bad,
        ).format(n=format_number(n_bad), share=_share(row["bad_pct"]), **fields)
    return _("Customers rated {stage} almost like {others} (their bad ratings correlate at {phi}), so the model "
             "cannot tell these moments apart; judged together, customers who rated them badly {effect} ({p}); a "
             "critical moment needs a significant penalty of at least {min_size}.").format(**fields)


def _not_enough_sentence(row: dict, outcome: OutcomeSpec, settings: CriticalSettings) -> str:
    if int(row["n"]) == 0:
        return _("Nobody with an outcome rated {stage}, so its effect cannot be judged.").format(stage=row["stage"])
    n_bad = int(row["n_bad"])
    return ngettext(
        "Only {n} customer rated {stage} badly; at least {min_bad} are needed to tell whether a bad experience "
        "there spoils {outcome}.",
        "Only {n} customers rated {stage} badly; at least {min_bad} are needed to tell whether a bad experience "
        "there spoils {outcome}.", n_bad,
    ).format(n=format_number(n_bad), stage=row["stage"], min_bad=format_number(settings.min_bad),
             outcome=_outcome_short(outcome))


def _pain_sentence(row: dict, outcome: OutcomeSpec, settings: CriticalSettings, min_pen: float) -> str:
    n_bad, pen, p = int(row["n_bad"]), row["penalty"], row["p_adj"]
    fixed = row["model"] == "multivariate"
    fields = {"n": format_number(n_bad), "share": _share(row["bad_pct"]), "stage": row["stage"]}
    if not np.isfinite(pen):
        text = ngettext(
            "{n} customer ({share}) rated {stage} badly, but their outcome could not be compared with the rest: "
            "a pain point, not a critical moment",
            "{n} customers ({share}) rated {stage} badly, but their outcome could not be compared with the rest: "
            "a pain point, not a critical moment", n_bad)
    elif not fixed:
        text = ngettext(
            "{n} customer ({share}) rated {stage} badly, but those customers {effect} ({p}): "
            "a pain point, not a critical moment",
            "{n} customers ({share}) rated {stage} badly, but those customers {effect} ({p}): "
            "a pain point, not a critical moment", n_bad)
    elif pen > 0 and p < settings.alpha:
        text = ngettext(
            "{n} customer ({share}) rated {stage} badly, but with every other moment held fixed those customers "
            "{effect} ({p}), less than the {min_size} a critical moment needs: a pain point, not a critical moment",
            "{n} customers ({share}) rated {stage} badly, but with every other moment held fixed those customers "
            "{effect} ({p}), less than the {min_size} a critical moment needs: a pain point, not a critical moment",
            n_bad)
    else:
        text = ngettext(
            "{n} customer ({share}) rated {stage} badly, but with every other moment held fixed those customers "
            "{effect} ({p}): a pain point, not a critical moment",
            "{n} customers ({share}) rated {stage} badly, but with every other moment held fixed those customers "
            "{effect} ({p}): a pain point, not a critical moment", n_bad)
    effect = _effect_phrase(pen, outcome) if np.isfinite(pen) else ""
    return _with_proxy_note(text.format(effect=effect, p=format_p(p), min_size=_size_text(min_pen, outcome),
                                        **fields), outcome)


def _ok_sentence(row: dict, outcome: OutcomeSpec, min_pen: float) -> str:
    pen = row["penalty"]
    if not np.isfinite(pen):
        text = _("The outcome of the customers who rated {stage} badly ({people}, {share}) could not be compared "
                 "with the rest; a critical moment needs a significant penalty of at least {min_size}")
    elif row["model"] == "multivariate":
        text = _("Customers who rated {stage} badly ({people}, {share}), with every other moment held fixed, "
                 "{effect} ({p}); a critical moment needs a significant penalty of at least {min_size}")
    else:
        text = _("Customers who rated {stage} badly ({people}, {share}) {effect} ({p}); a critical moment needs "
                 "a significant penalty of at least {min_size}")
    effect = _effect_phrase(pen, outcome) if np.isfinite(pen) else ""
    return _with_proxy_note(text.format(
        stage=row["stage"], people=_people(row["n_bad"]), share=_share(row["bad_pct"]), effect=effect,
        p=format_p(row["p_adj"]), min_size=_size_text(min_pen, outcome)), outcome)


def _critical_sentence(row: dict, outcome: OutcomeSpec, settings: CriticalSettings) -> str:
    """The evidence of a critical moment of the multivariate model: the direct comparison among the
    customers for whom every other moment went well, or the model's figure when they are too few."""
    stage, n_bad, pen, p = row["stage"], int(row["n_bad"]), row["penalty"], row["p_adj"]
    clean_bad, clean_n = int(row["clean_n_bad"]), int(row["clean_n"])
    model = {"stage": stage, "effect": _effect_phrase(pen, outcome), "p": format_p(p), "people": _people(n_bad)}
    if clean_bad < settings.min_clean_bad or clean_n - clean_bad < 2 or not np.isfinite(row["clean_penalty"]):
        return ngettext(
            "Only {n} customer had a bad experience at {stage} while every other moment went well, too few to "
            "compare directly; with every other moment held fixed, customers who rated {stage} badly {effect} "
            "({p}, {people}).",
            "Only {n} customers had a bad experience at {stage} while every other moment went well, too few to "
            "compare directly; with every other moment held fixed, customers who rated {stage} badly {effect} "
            "({p}, {people}).", clean_bad,
        ).format(n=format_number(clean_bad), **model)
    direct = ngettext(
        "Among {n} customer for whom every other moment went well, the {k} who had a bad experience at {stage} "
        "{effect} ({p}).",
        "Among {n} customers for whom every other moment went well, the {k} who had a bad experience at {stage} "
        "{effect} ({p}).", clean_n,
    ).format(n=format_number(clean_n), k=format_number(clean_bad), stage=stage,
             effect=_effect_phrase(row["clean_penalty"], outcome), p=format_p(row["clean_p_adj"]))
    if row["clean_penalty"] > 0 and row["clean_p_adj"] < settings.alpha:
        return direct
    held = _("With every other moment held fixed, customers who rated {stage} badly {effect} ({p}, {people}).")
    return f"{direct} {held.format(**model)}"  # two whole sentences


def _with_proxy_note(clause: str, outcome: OutcomeSpec) -> str:
    """``clause`` as a sentence, with the note that the outcome is the proxy when it is."""
    if not outcome.is_proxy:
        return _("{clause}.").format(clause=clause)
    return _("{clause}; no overall question was chosen, so the outcome is the mean of the other stages.").format(
        clause=clause)


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
        table; for a one-stage table ``raw_penalty`` is its penalty and ``model`` is "one stage"),
        ``own_penalty, alike_with`` (stages rated almost alike: see the module docstring).
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
    own = penalties["penalty"].to_numpy(dtype=np.float64)
    alike = _alike(penalties)
    pen = np.where(alike.group > 0, alike.joint_penalty, own)
    p_adj = adjust_pvalues(np.where(alike.group > 0, alike.joint_p_value, penalties["p_value"].to_numpy(dtype=np.float64)),
                           settings.correction)
    min_pen = settings.min_penalty(outcome, _span(penalties, outcome))
    extra = _carried_columns(penalties, settings.correction)

    enough, critical, verdict = _verdict_flags(n, n_bad, bad_pct, pen, p_adj, min_pen, settings)
    is_declared = np.isin(names, np.asarray(declared, dtype=object)) if declared else np.zeros(len(names), bool)
    dv = _declared_verdicts(is_declared, enough, critical)

    evidence = [
        _sentence(
            {"stage": names[i], "n": n[i], "n_bad": n_bad[i], "bad_pct": bad_pct[i], "penalty": pen[i], "p_adj": p_adj[i],
             "model": extra["model"][i], "clean_n": extra["clean_n"][i], "clean_n_bad": extra["clean_n_bad"][i],
             "clean_penalty": extra["clean_penalty"][i], "clean_p_adj": extra["clean_p_adjusted"][i],
             "alike_with": alike.others[i], "alike_phi": alike.phi[i]},
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
    out["own_penalty"] = own
    out["alike_with"] = alike.others
    return out


def alike_notes(penalties: pd.DataFrame) -> list[str]:
    """One sentence per group of stages rated almost alike in the multivariate ``penalties`` table
    (none for a table without groups), for the notes under the results: the chart of each stage's
    own penalty misleads there.

    >>> t = pd.DataFrame({"stage": ["Info up", "Info down", "Food"], "alike_group": [1, 1, 0],
    ...                   "alike_phi": [0.87, 0.87, float("nan")]})
    >>> alike_notes(t)[0][:73]
    'Info up and Info down were rated almost alike (bad ratings correlated at '
    """
    if "alike_group" not in penalties.columns:
        return []
    group = penalties["alike_group"].to_numpy(dtype=np.int64)
    names = penalties["stage"].astype(str).to_numpy()
    phi = penalties["alike_phi"].to_numpy(dtype=np.float64)
    notes = []
    for g in range(1, int(group.max(initial=0)) + 1):
        members = group == g
        notes.append(_("{stages} were rated almost alike (bad ratings correlated at {phi} or more), so one model cannot "
                       "tell their penalties apart: each one's own penalty in the chart is unreliable, and their "
                       "verdicts judge them together.").format(stages=format_list(names[members]),
                                                               phi=format_decimal(float(np.min(phi[members])), 2)))
    return notes


@dataclass(frozen=True)
class _AlikeStages:
    """Per stage: its group of stages rated almost alike (0: none), the other members' names as a
    list in the current language ("" outside a group), its strongest link and the joint test."""

    group: np.ndarray
    others: list
    phi: np.ndarray
    joint_penalty: np.ndarray
    joint_p_value: np.ndarray


def _alike(penalties: pd.DataFrame) -> _AlikeStages:
    """The groups of the multivariate table (none for a one-stage table, which has no such columns)."""
    n_st = len(penalties)
    if "alike_group" not in penalties.columns:
        nan = np.full(n_st, np.nan)
        return _AlikeStages(np.zeros(n_st, dtype=np.int64), [""] * n_st, nan, nan, nan)
    group = penalties["alike_group"].to_numpy(dtype=np.int64)
    names = penalties["stage"].astype(str).to_numpy()
    others = [format_list(names[(group == g) & (np.arange(n_st) != i)]) if g else "" for i, g in enumerate(group)]
    return _AlikeStages(group, others, penalties["alike_phi"].to_numpy(dtype=np.float64),
                        penalties["joint_penalty"].to_numpy(dtype=np.float64),
                        penalties["joint_p_value"].to_numpy(dtype=np.float64))


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
