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

Languages
---------
The rules read English, Indonesian and Spanish questions (``language``; default the interface
language), each with its own words (:data:`RULE_WORDS`): conjunctions (*dan*, *atau*, *serta* /
*y*, *o*, *así como*), balanced pairs (*puas atau tidak puas* / *satisfecho o insatisfecho*, masked
before the negation rule so their *tidak* is not a negation), negations (*tidak*, *bukan*, *belum*
/ *no*, *nunca*, *ni*), loaded words, one-sided satisfaction questions (*seberapa puas* / *qué tan
satisfecho* without the other side), vague quantifiers (*sering*, *biasanya* / *a menudo*,
*normalmente*) and internal terms (*momen kebenaran* / *momento de la verdad*). The messages are
in the interface language.

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
from cycle_analytics.i18n import N_, current_language, validate_interface_language
from cycle_analytics.i18n import gettext as _

__all__ = ["WordingWarning", "check_question", "RULES", "JARGON", "JARGON_BY_LANGUAGE", "RULE_WORDS",
           "KNOWN_ABBREVIATIONS", "MAX_WORDS", "MAX_CHARS"]

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


#: Internal terms -> what a customer would understand (used in the message, translated there).
JARGON: dict[str, str] = {
    "ivr": N_("the automated phone menu"),
    "sla": N_("the time we promised"),
    "kyc": N_("the identity checks"),
    "onboarding": N_("getting started / opening your account"),
    "omnichannel": N_("phone, online and in person"),
    "touchpoint": N_("the name of the moment, e.g. 'the phone call'"),
    "touchpoints": N_("the names of the moments"),
    "nps": N_("a plain question, not the name of the score"),
    "fcr": N_("solving your problem on the first contact"),
    "csat": N_("your satisfaction"),
    "ces": N_("how easy it was"),
    "aht": N_("the length of the call"),
    "crm": N_("our records"),
    "kpi": N_("plain words"),
    "b2b": N_("plain words"),
    "b2c": N_("plain words"),
    "tat": N_("the time it took"),
    "eta": N_("the expected arrival time"),
    "escalation": N_("passing your case to a specialist or manager"),
    "escalated": N_("passed to a specialist or manager"),
    "moment of truth": N_("the name of the moment, e.g. 'paying at the till'"),
    "moments of truth": N_("the names of the moments"),
    "service cycle": N_("your visit / your experience"),
    "customer journey": N_("your visit / your experience"),
    "first contact resolution": N_("solving your problem on the first contact"),
    "tier 1": N_("the first person you spoke to"),
    "tier 2": N_("the specialist team"),
    "ticket": N_("your request"),
    "fulfilment": N_("the delivery of your order"),
    "fulfillment": N_("the delivery of your order"),
    "upsell": N_("plain words"),
    "self-service": N_("doing it yourself online or at a machine"),
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
_WORDS = re.compile(r"[\w'’-]+", re.UNICODE)

# ---------------------------------------------------------------------------------------------
# Indonesian and Spanish words of the same rules (the English ones are above)

_WORD_ANY = r"[^\W\d_][^\W\d_'’-]*"  # a word in any alphabet, accents included
#: Internal terms customers may not know, per language: the shared abbreviations and the
#: method's own words (translated suggestions come from :data:`JARGON`).
_SHARED_JARGON = {k: v for k, v in JARGON.items() if k in (
    "ivr", "sla", "kyc", "onboarding", "omnichannel", "touchpoint", "touchpoints", "nps", "fcr", "csat", "ces",
    "aht", "crm", "kpi", "b2b", "b2c", "tat", "eta", "upsell", "ticket", "customer journey")}
JARGON_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "en": JARGON,
    "id": {**_SHARED_JARGON,
           "momen kebenaran": JARGON["moment of truth"], "siklus layanan": JARGON["service cycle"],
           "perjalanan pelanggan": JARGON["customer journey"], "eskalasi": JARGON["escalation"],
           "tiket": JARGON["ticket"], "layanan mandiri": JARGON["self-service"], "fulfilment": JARGON["fulfilment"]},
    "es": {**_SHARED_JARGON,
           "momento de la verdad": JARGON["moment of truth"], "momentos de la verdad": JARGON["moments of truth"],
           "ciclo de servicio": JARGON["service cycle"], "viaje del cliente": JARGON["customer journey"],
           "escalamiento": JARGON["escalation"], "escalado": JARGON["escalated"],
           "resolución en el primer contacto": JARGON["first contact resolution"], "fulfillment": JARGON["fulfillment"]},
}

#: The words each rule looks for, per language (regular expressions, case ignored).
RULE_WORDS: dict[str, dict[str, str]] = {
    "id": {
        "balanced": r"\b(\w+)\s+atau\s+tidak\s+\1\b|\b(?:mudah\s+atau\s+sulit|sulit\s+atau\s+mudah|baik\s+atau\s+buruk"
                    r"|buruk\s+atau\s+baik|setuju\s+atau\s+tidak\s+setuju|ya\s+atau\s+tidak|lebih\s+atau\s+kurang"
                    r"|atau\s+tidak)\b",
        "fixed": r"\b(?:syarat\s+dan\s+ketentuan|makanan\s+dan\s+minuman|tanya\s+jawab|teman\s+atau\s+kolega"
                 r"|keluarga\s+atau\s+teman|teman\s+dan\s+keluarga|suka\s+dan\s+duka|untung\s+dan\s+rugi)\b",
        "between": r"\bantara\s+[^?.,;]*?\s+dan\s+",
        "conjunctions": r"\bdan/atau\b|\bdan\b|\batau\b|\bserta\b|\bmaupun\b|&",
        "negation": r"\b(?:tidak|tak|bukan|belum|jangan|tiada|enggak|nggak|gak)\b",
        "loaded": r"\b(?:luar\s+biasa|hebat|sempurna|mengagumkan|menakjubkan|fantastis|istimewa|terbaik|mengecewakan"
                  r"|buruk\s+sekali|mengerikan|payah|parah)\b|\bbukankah\b|\bbukan\s+begitu\b"
                  r"|\bseberapa\s+(?:senang|suka|menikmati|bahagia)\b|\btentu\s+saja\b|\bsemua\s+orang\s+tahu\b",
        "one_sided": r"\bseberapa\s+puas(?![^?]*\btidak\s+puas\b)",
        "vague": r"\b(?:sering|seringkali|jarang|kadang-kadang|kadang|biasanya|umumnya|baru-baru\s+ini|akhir-akhir\s+ini"
                 r"|belakangan\s+ini|sesekali|beberapa\s+kali|banyak\s+kali|sering\s+kali)\b",
    },
    "es": {
        "balanced": r"\b(\w+)\s+o\s+(?:in|des|im)\1\b|\b(?:fácil\s+o\s+difícil|difícil\s+o\s+fácil|bueno\s+o\s+malo"
                    r"|malo\s+o\s+bueno|de\s+acuerdo\s+o\s+en\s+desacuerdo|sí\s+o\s+no|más\s+o\s+menos|mejor\s+o\s+peor"
                    r"|positivo\s+o\s+negativo|o\s+no)\b",
        "fixed": r"\b(?:términos\s+y\s+condiciones|preguntas\s+y\s+respuestas|comidas?\s+y\s+bebidas?|ida\s+y\s+vuelta"
                 r"|amigos?\s+o\s+colegas?|familiares\s+o\s+amigos|amigos\s+y\s+familiares|pros\s+y\s+contras"
                 r"|pérdidas\s+y\s+ganancias|blanco\s+y\s+negro)\b",
        "between": r"\bentre\s+[^?.,;]*?\s+y\s+",
        "conjunctions": r"\by/o\b|\by\b|\be\b|\bo\b|\bu\b|\bas[ií]\s+como\b|&",
        "negation": r"\b(?:no|nunca|jamás|ni|tampoco|nadie|nada|ninguno|ninguna|ningún)\b",
        "loaded": r"\b(?:maravillos[oa]s?|excelentes?|increíbles?|fantástic[oa]s?|extraordinari[oa]s?|magnífic[oa]s?"
                  r"|espléndid[oa]s?|perfect[oa]s?|estupend[oa]s?|terribles?|horribles?|pésim[oa]s?|espantos[oa]s?"
                  r"|inaceptables?|lamentables?)\b|¿?\s*no\s+es\s+así\b|¿?\s*verdad\s*\?|\bno\s+cree\b"
                  r"|\bcuánto\s+(?:disfrutó|le\s+gustó|le\s+encantó)\b|\bqué\s+tan\s+(?:content[oa]|feliz|encantad[oa])\b"
                  r"|\bpor\s+supuesto\b|\bobviamente\b|\btodo\s+el\s+mundo\s+sabe\b|\best(?:á|a)\s+de\s+acuerdo\s+en\s+que\b",
        "one_sided": r"\b(?:qué\s+tan|cuán|qué\s+grado\s+de)\s+satisfech[oa]s?\b(?![^?]*\binsatisfech[oa]s?\b)",
        "vague": r"\b(?:a\s+menudo|con\s+frecuencia|frecuentemente|normalmente|habitualmente|generalmente|recientemente"
                 r"|últimamente|a\s+veces|de\s+vez\s+en\s+cuando|rara\s+vez|ocasionalmente|muchas\s+veces|varias\s+veces"
                 r"|algunas\s+veces|casi\s+siempre)\b",
    },
}
#: Abbreviations customers of each language know (on top of :data:`KNOWN_ABBREVIATIONS`).
_KNOWN_BY_LANGUAGE = {"en": frozenset(), "id": frozenset({"KTP", "OTP", "NIK", "NPWP", "SIM", "BPJS", "WA"}),
                      "es": frozenset({"DNI", "NIF", "IVA", "RUT", "CURP", "RFC", "WA"})}


@dataclass(frozen=True)
class _Rules:
    """The compiled patterns of one language."""

    balanced: re.Pattern
    fixed: re.Pattern
    between: re.Pattern
    conjunctions: re.Pattern
    negation: re.Pattern
    leading: re.Pattern
    vague: re.Pattern
    jargon: re.Pattern
    jargon_terms: dict
    mask_before_negation: bool  # Indonesian and Spanish balanced pairs hold a negation word


def _jargon_pattern(terms) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(k) for k in sorted(terms, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def _compile_rules(language: str) -> _Rules:
    """The rules of ``language`` (English: the patterns above, unchanged)."""
    if language == "en":
        return _Rules(_BALANCED, _FIXED_PAIRS, _BETWEEN, _CONJ, _NEGATION, _LEADING, _VAGUE,
                      _jargon_pattern(JARGON), JARGON, False)
    words = RULE_WORDS[language]
    flags = re.IGNORECASE | re.UNICODE
    return _Rules(
        balanced=re.compile(words["balanced"], flags), fixed=re.compile(words["fixed"], flags),
        between=re.compile(words["between"], flags),
        conjunctions=re.compile(rf"({_WORD_ANY})\s*(?:,\s*)?({words['conjunctions']})\s*({_WORD_ANY})", flags),
        negation=re.compile(words["negation"], flags),
        leading=re.compile(f"(?:{words['one_sided']})|(?:{words['loaded']})", flags),
        vague=re.compile(words["vague"], flags),
        jargon=_jargon_pattern(JARGON_BY_LANGUAGE[language]), jargon_terms=JARGON_BY_LANGUAGE[language],
        mask_before_negation=True,
    )


_RULES = {code: _compile_rules(code) for code in ("en", "id", "es")}
_ONE_SIDED_START = re.compile(r"^(?:how\s+satisfied|seberapa\s+puas|qué\s+tan\s+satisf|cuán\s+satisf|qué\s+grado)", re.IGNORECASE)


def _validate_question(text, stage, has_na_option, optional_stage) -> str:
    """Raise :class:`SurveyError` unless the inputs of :func:`check_question` can be used; returns
    the text with its white space collapsed."""
    if not isinstance(text, str):
        raise SurveyError(_("A question must be text, not {kind}.").format(kind=type(text).__name__))
    if not text.strip():
        if stage:
            raise SurveyError(_("The question for the stage {stage!r} has no text.").format(stage=stage))
        raise SurveyError(_("The question has no text."))
    if has_na_option not in (None, True, False):
        raise SurveyError(_("has_na_option must be true, false or None, not {value!r}.").format(value=has_na_option))
    if not isinstance(optional_stage, bool):
        raise SurveyError(_("optional_stage must be true or false, not {value!r}.").format(value=optional_stage))
    return " ".join(text.split())


def _mask(text: str, pattern: re.Pattern) -> str:
    """``text`` with the matches of ``pattern`` replaced by spaces (positions kept)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _double_barrelled(text: str, rules: _Rules) -> list[WordingWarning]:
    masked = _mask(_mask(_mask(text, rules.balanced), rules.fixed), rules.between)
    out = []
    for m in rules.conjunctions.finditer(masked):
        left, right = m.group(1), m.group(3)
        if left.isdigit() or right.isdigit():
            continue
        excerpt = text[m.start():m.end()]
        out.append(WordingWarning(
            "double_barrelled",
            _("Asks about two things at once ({excerpt!r}): a customer happy with one and not the other cannot "
              "answer. Split it into one question per thing.").format(excerpt=excerpt),
            excerpt,
        ))
        break  # one warning per question is enough to act on
    return out


def _jargon(text: str, rules: _Rules, language: str) -> list[WordingWarning]:
    """Internal terms, then unknown all-capital abbreviations (one warning per term)."""
    out: list[WordingWarning] = []
    seen: set[str] = set()
    for m in rules.jargon.finditer(text):
        key = m.group(0).casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(WordingWarning(
            "jargon",
            _("The term {term!r} is internal jargon a customer may not know: say {instead!r} instead.").format(
                term=m.group(0), instead=_(rules.jargon_terms[key])),
            m.group(0),
        ))
    known = KNOWN_ABBREVIATIONS | _KNOWN_BY_LANGUAGE[language]
    for m in _ACRONYM.finditer(text):
        word = m.group(0)
        base = word[:-1] if word.endswith("s") and len(word) > 2 else word
        if base.upper() in known or base.casefold() in seen or word.casefold() in rules.jargon_terms:
            continue
        if word.isdigit() or any(ch.isdigit() for ch in word[:1]):
            continue
        seen.add(base.casefold())
        out.append(WordingWarning(
            "jargon",
            _("The abbreviation {word!r} may not be known to customers: write it out in plain words.").format(word=word),
            word,
        ))
    return out


def check_question(text: str, *, stage: str | None = None, has_na_option: bool | None = None,
                   optional_stage: bool = False, language: str | None = None) -> list[WordingWarning]:
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
    language : str, optional
        The language of ``text`` (``"en"``, ``"id"``, ``"es"``); default the interface language.
        The messages are in the interface language.

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
    >>> [w.rule for w in check_question("¿Qué tan satisfecho quedó con la rapidez y la amabilidad del cajero?", language="es")]
    ['double_barrelled', 'leading']
    >>> check_question("Seberapa puas atau tidak puas Anda dengan waktu tunggu?", language="id")
    []
    """
    text = _validate_question(text, stage, has_na_option, optional_stage)
    code = current_language() if language is None else validate_interface_language(language)
    rules = _RULES[code]
    out: list[WordingWarning] = []
    out += _double_barrelled(text, rules)

    m = rules.negation.search(_mask(text, rules.balanced) if rules.mask_before_negation else text)
    if m:
        out.append(WordingWarning(
            "negation",
            _("Uses a negation ({word!r}): answering a negative question on a satisfied-dissatisfied or "
              "agree-disagree scale is confusing (a 'no' may mean 'yes'). Ask it positively.").format(word=m.group(0)),
            m.group(0),
        ))

    m = rules.leading.search(text)
    if m:
        found = m.group(0)
        if _ONE_SIDED_START.match(found.strip()):
            msg = _("Names only the positive side ({words!r}): ask 'how satisfied or dissatisfied' so that both "
                    "answers feel acceptable.").format(words=found)
        else:
            msg = _("Leading or loaded wording ({words!r}) pushes customers towards one answer. Use neutral words "
                    "and let the answer scale carry the judgement.").format(words=found)
        out.append(WordingWarning("leading", msg, found))

    m = rules.vague.search(text)
    if m:
        out.append(WordingWarning(
            "vague_quantifier",
            _("The word {word!r} means different things to different people: give a period or a number instead "
              "(for example 'in the last 30 days' or 'how many times').").format(word=m.group(0)),
            m.group(0),
        ))

    out += _jargon(text, rules, code)

    if optional_stage and not has_na_option:
        if stage:
            message = _("Not every customer goes through the stage {stage!r}: add a 'Not applicable' answer so that "
                        "those who skipped it are not forced to guess a score.").format(stage=stage)
        else:
            message = _("Not every customer goes through this stage: add a 'Not applicable' answer so that those who "
                        "skipped it are not forced to guess a score.")
        out.append(WordingWarning("missing_na", message, stage or ""))

    n_words = len(_WORDS.findall(text))
    if n_words > MAX_WORDS or len(text) > MAX_CHARS:
        out.append(WordingWarning(
            "too_long",
            _("The question is long ({words} words, {chars} characters; aim for at most {max_words} words and "
              "{max_chars} characters): shorten it so it can be understood at a glance.").format(
                words=n_words, chars=len(text), max_words=MAX_WORDS, max_chars=MAX_CHARS),
            text[:60] + ("…" if len(text) > 60 else ""),
        ))
    order = {r: i for i, r in enumerate(RULES)}
    return sorted(out, key=lambda w: order[w.rule])
