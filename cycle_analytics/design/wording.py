"""Ambiguity checks for survey questions: warnings a manager can act on.

The service-cycle method asks for a satisfaction survey written "as unambiguously as possible"
(see the domain articles in ``shared/seeds``). :func:`check_question` applies seven rules to one
question text and returns one :class:`WordingWarning` per problem found, each with a plain
sentence saying what is wrong and what to do instead.

Rules (``WordingWarning.rule``)
-------------------------------
``double_barrelled``
    Two things asked at once: two qualities or objects joined by *and*, *or*, *&*, *as well as*,
    *and/or* ("fast and friendly", "the staff or the manager"). Balanced answer pairs ("satisfied
    or dissatisfied", "agree or disagree", "likely or unlikely") and "between X and Y" are not
    flagged.
``negation``
    An explicit negation: *not*, *never*, *no*, *nor*, *cannot* and the *n't* contractions.
    Prefixes such as *un-* or *dis-* are not negations here ("dissatisfied" is fine).
``leading``
    Leading or loaded wording: evaluative adjectives (*wonderful*, *excellent*, *amazing*,
    *terrible*, ...), tag questions ("don't you agree", "isn't it"), presuppositions ("how much did
    you enjoy / like / love") and one-sided satisfaction questions ("how satisfied were you"
    without "or dissatisfied").
``vague_quantifier``
    Words whose meaning differs between people: *often*, *regularly*, *usually*, *recently*,
    *a lot*, *frequently*, *sometimes*, *occasionally*, *rarely*, *lately*, *normally*, ...
``jargon``
    Internal terms and abbreviations customers may not know (:data:`JARGON`: IVR, SLA, KYC,
    onboarding, omnichannel, touchpoint, NPS, FCR, CSAT, ...), and any other all-capital
    abbreviation of 2-5 letters not in :data:`KNOWN_ABBREVIATIONS`.
``missing_na``
    The stage is one that not every customer goes through (``optional_stage=True``) but the
    question offers no "Not applicable" answer (``has_na_option`` is not true).
``too_long``
    More than :data:`MAX_WORDS` (20) words or more than :data:`MAX_CHARS` (140) characters. A
    common rule of thumb in questionnaire design: a question should be read and understood at a
    glance; longer questions are skimmed and answered inconsistently.

Examples
--------
>>> [w.rule for w in check_question("How satisfied were you with our fast and friendly staff?")]
['double_barrelled', 'leading']
>>> check_question("How satisfied or dissatisfied were you with the waiting time?")
[]
>>> check_question("How satisfied or dissatisfied were you with breakfast?", stage="Breakfast",
...                has_na_option=False, optional_stage=True)[0].rule
'missing_na'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cycle_analytics.errors import SurveyError

__all__ = ["WordingWarning", "check_question", "RULES", "JARGON", "KNOWN_ABBREVIATIONS", "MAX_WORDS", "MAX_CHARS"]

MAX_WORDS = 20
MAX_CHARS = 140

RULES = ("double_barrelled", "negation", "leading", "vague_quantifier", "jargon", "missing_na", "too_long")


@dataclass(frozen=True)
class WordingWarning:
    """One wording problem: ``rule`` (one of :data:`RULES`), a plain ``message`` saying what to do,
    and the ``excerpt`` of the question that triggered it."""

    rule: str
    message: str
    excerpt: str


# Internal terms -> what a customer would understand (used in the message).
JARGON: dict[str, str] = {
    "ivr": "the automated phone menu",
    "sla": "the time we promised",
    "kyc": "the identity checks",
    "onboarding": "getting started / opening your account",
    "omnichannel": "phone, online and in person",
    "touchpoint": "the name of the moment, e.g. 'the phone call'",
    "touchpoints": "the names of the moments",
    "nps": "a plain question, not the name of the score",
    "fcr": "solving your problem on the first contact",
    "csat": "your satisfaction",
    "ces": "how easy it was",
    "aht": "the length of the call",
    "crm": "our records",
    "kpi": "plain words",
    "b2b": "plain words",
    "b2c": "plain words",
    "tat": "the time it took",
    "eta": "the expected arrival time",
    "escalation": "passing your case to a specialist or manager",
    "escalated": "passed to a specialist or manager",
    "moment of truth": "the name of the moment, e.g. 'paying at the till'",
    "moments of truth": "the names of the moments",
    "service cycle": "your visit / your experience",
    "customer journey": "your visit / your experience",
    "first contact resolution": "solving your problem on the first contact",
    "tier 1": "the first person you spoke to",
    "tier 2": "the specialist team",
    "ticket": "your request",
    "fulfilment": "the delivery of your order",
    "fulfillment": "the delivery of your order",
    "upsell": "plain words",
    "self-service": "doing it yourself online or at a machine",
}

# All-capital abbreviations most customers know: not flagged by the generic abbreviation check.
KNOWN_ABBREVIATIONS = frozenset({
    "ATM", "PIN", "OK", "TV", "USA", "UK", "EU", "US", "ID", "PDF", "SMS", "FAQ", "VAT", "GPS", "DVD", "CD",
    "PC", "IT", "AM", "PM", "HR", "CEO", "WIFI", "QR", "USB", "APP", "NHS", "DIY", "VIP",
})

_WORD = r"[A-Za-z][A-Za-z'’-]*"

# Balanced answer pairs are not two questions: "satisfied or dissatisfied", "likely or unlikely".
_BALANCED = re.compile(
    r"\b(\w+)\s+(?:or|and)\s+(?:dis|un|in|im|non-?)\1\b"
    r"|\b(?:easy\s+or\s+difficult|difficult\s+or\s+easy|good\s+or\s+bad|bad\s+or\s+good|agree\s+or\s+disagree"
    r"|positive\s+or\s+negative|better\s+or\s+worse|more\s+or\s+less|yes\s+or\s+no|whether\s+or\s+not|or\s+not)\b",
    re.IGNORECASE,
)
# Fixed phrases naming one thing.
_FIXED_PAIRS = re.compile(
    r"\b(?:terms\s+and\s+conditions|bed\s+and\s+breakfast|pros\s+and\s+cons|friends\s+and\s+family|q\s*&\s*a"
    r"|research\s+and\s+development|health\s+and\s+safety|food\s+and\s+drinks?|salt\s+and\s+pepper"
    r"|black\s+and\s+white|trial\s+and\s+error|more\s+and\s+more|friends?\s+or\s+colleagues?|family\s+or\s+friends)\b",
    re.IGNORECASE,
)
_BETWEEN = re.compile(r"\bbetween\s+[^?.,;]*?\s+and\s+", re.IGNORECASE)
_CONJ = re.compile(rf"({_WORD})\s*(?:,\s*)?(\band/or\b|\band\b|\bor\b|&|\bas\s+well\s+as\b)\s*({_WORD})", re.IGNORECASE)

_NEGATION = re.compile(
    r"\b(?:not|never|nor|cannot|no(?=\s+[a-z])|none|nothing|nobody)\b"
    r"|\b[a-z]+n[’']t\b",
    re.IGNORECASE,
)

_LOADED_ADJ = (
    "wonderful", "excellent", "amazing", "fantastic", "outstanding", "superb", "exceptional", "brilliant",
    "delightful", "awesome", "perfect", "terrific", "marvellous", "marvelous", "world-class", "first-class",
    "terrible", "awful", "horrible", "dreadful", "lousy", "appalling", "disgraceful", "unacceptable",
)
_LEADING = re.compile(
    r"\b(?:" + "|".join(re.escape(a) for a in _LOADED_ADJ) + r")\b"
    r"|\b(?:don[’']t|do\s+not|wouldn[’']t|would\s+not|won[’']t|isn[’']t|wasn[’']t|aren[’']t|weren[’']t|didn[’']t)\s+"
    r"(?:you|it|they|we|he|she)\b(?:\s+(?:agree|think|feel|say))?"
    r"|\bhow\s+(?:much|well)\s+did\s+you\s+(?:enjoy|like|love|appreciate)\b"
    r"|\bhow\s+(?:happy|pleased|delighted|great|wonderful)\b"
    r"|\b(?:surely|obviously|of\s+course|everyone\s+knows|most\s+people\s+agree)\b"
    r"|\bagree\s+that\b"
    r"|\bhow\s+satisfied\s+(?!or\b)(?:were|are|was|is|have|would|did)\b(?![^?]*\bdissatisfied\b)",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(?:often|regularly|usually|recently|frequently|sometimes|occasionally|rarely|seldom|lately|normally"
    r"|generally|typically|a\s+lot|lots|several|a\s+few|most\s+of\s+the\s+time|from\s+time\s+to\s+time"
    r"|every\s+so\s+often|now\s+and\s+then)\b",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,4}s?\b")
_JARGON_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(k) for k in sorted(JARGON, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
_WORDS = re.compile(r"[\w'’-]+", re.UNICODE)


def _validate_question(text, stage, has_na_option, optional_stage) -> str:
    """Raise :class:`SurveyError` unless the inputs of :func:`check_question` can be used; returns
    the text with its white space collapsed."""
    if not isinstance(text, str):
        raise SurveyError(f"A question must be text, not {type(text).__name__}.")
    if not text.strip():
        where = f" for the stage {stage!r}" if stage else ""
        raise SurveyError(f"The question{where} has no text.")
    if has_na_option not in (None, True, False):
        raise SurveyError(f"has_na_option must be true, false or None, not {has_na_option!r}.")
    if not isinstance(optional_stage, bool):
        raise SurveyError(f"optional_stage must be true or false, not {optional_stage!r}.")
    return " ".join(text.split())


def _mask(text: str, pattern: re.Pattern) -> str:
    """``text`` with the matches of ``pattern`` replaced by spaces (positions kept)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _double_barrelled(text: str) -> list[WordingWarning]:
    masked = _mask(_mask(_mask(text, _BALANCED), _FIXED_PAIRS), _BETWEEN)
    out = []
    for m in _CONJ.finditer(masked):
        left, right = m.group(1), m.group(3)
        if left.isdigit() or right.isdigit():
            continue
        excerpt = text[m.start():m.end()]
        out.append(WordingWarning(
            "double_barrelled",
            f"Asks about two things at once ({excerpt!r}): a customer happy with one and not the other cannot "
            "answer. Split it into one question per thing.",
            excerpt,
        ))
        break  # one warning per question is enough to act on
    return out


def check_question(text: str, *, stage: str | None = None, has_na_option: bool | None = None,
                   optional_stage: bool = False) -> list[WordingWarning]:
    """Ambiguity warnings for one question (an empty list when none applies).

    Parameters
    ----------
    text : str
        The question as the respondent will read it.
    stage : str, optional
        The stage the question is about (used in the messages).
    has_na_option : bool, optional
        Whether the question offers a "Not applicable" answer (``None``: unknown, treated as no).
    optional_stage : bool
        The stage is one that not every customer goes through (e.g. breakfast, returns).

    Returns
    -------
    list of WordingWarning
        In the order of :data:`RULES`; at most one warning per rule, except ``jargon`` (one per term).

    Raises
    ------
    SurveyError
        When ``text`` is not text or is empty.

    Examples
    --------
    >>> [w.rule for w in check_question("Do you often use our IVR?")]
    ['vague_quantifier', 'jargon']
    >>> check_question("Was the teller not polite?")[0].message.startswith("Uses a negation")
    True
    """
    text = _validate_question(text, stage, has_na_option, optional_stage)
    out: list[WordingWarning] = []
    out += _double_barrelled(text)

    m = _NEGATION.search(text)
    if m:
        out.append(WordingWarning(
            "negation",
            f"Uses a negation ({m.group(0)!r}): answering a negative question on a satisfied-dissatisfied or "
            "agree-disagree scale is confusing (a 'no' may mean 'yes'). Ask it positively.",
            m.group(0),
        ))

    m = _LEADING.search(text)
    if m:
        found = m.group(0)
        if found.casefold().startswith("how satisfied"):
            msg = (f"Names only the positive side ({found!r}): ask 'how satisfied or dissatisfied' so that both "
                   "answers feel acceptable.")
        else:
            msg = (f"Leading or loaded wording ({found!r}) pushes customers towards one answer. Use neutral words "
                   "and let the answer scale carry the judgement.")
        out.append(WordingWarning("leading", msg, found))

    m = _VAGUE.search(text)
    if m:
        out.append(WordingWarning(
            "vague_quantifier",
            f"The word {m.group(0)!r} means different things to different people: give a period or a number instead "
            "(for example 'in the last 30 days' or 'how many times').",
            m.group(0),
        ))

    seen: set[str] = set()
    for m in _JARGON_RE.finditer(text):
        key = m.group(0).casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(WordingWarning(
            "jargon",
            f"The term {m.group(0)!r} is internal jargon a customer may not know: say {JARGON[key]!r} instead.",
            m.group(0),
        ))
    for m in _ACRONYM.finditer(text):
        word = m.group(0)
        base = word[:-1] if word.endswith("s") and len(word) > 2 else word
        if base.upper() in KNOWN_ABBREVIATIONS or base.casefold() in seen or word.casefold() in JARGON:
            continue
        if word.isdigit() or any(ch.isdigit() for ch in word[:1]):
            continue
        seen.add(base.casefold())
        out.append(WordingWarning(
            "jargon",
            f"The abbreviation {word!r} may not be known to customers: write it out in plain words.",
            word,
        ))

    if optional_stage and not has_na_option:
        what = f"the stage {stage!r}" if stage else "this stage"
        out.append(WordingWarning(
            "missing_na",
            f"Not every customer goes through {what}: add a 'Not applicable' answer so that those who skipped it "
            "are not forced to guess a score.",
            stage or "",
        ))

    n_words = len(_WORDS.findall(text))
    if n_words > MAX_WORDS or len(text) > MAX_CHARS:
        out.append(WordingWarning(
            "too_long",
            f"The question is long ({n_words} words, {len(text)} characters; aim for at most {MAX_WORDS} words and "
            f"{MAX_CHARS} characters): shorten it so it can be understood at a glance.",
            text[:60] + ("…" if len(text) > 60 else ""),
        ))
    order = {r: i for i, r in enumerate(RULES)}
    return sorted(out, key=lambda w: order[w.rule])
