"""The name vocabularies of the import: which column names, question texts and answers mean what.

Every word list that the importer, and the statistics reading its outcome columns, match against
lives here, once. A column name is compared in one of two forms:

* its *words* (:func:`name_words`): camelCase split, lower case, runs of anything but letters and
  digits as separators: ``"RespondentID"`` -> ``["respondent", "id"]``;
* its *key* (:func:`cycle_analytics.cycles.normalise_key`): lower case with spaces, punctuation and
  underscores removed: ``"Overall_Sat."`` -> ``"overallsat"``.

Languages: the id, comment, derived, stage and score vocabularies are English (the words of
analysis tools and survey exports); the date words add Spanish and German; the outcome and
recommend vocabularies cover English, Spanish, French and German; the yes / no labels English,
German, French and Spanish. Tool-specific headers (Qualtrics' ``ResponseId``, Google Forms'
localised ``Timestamp``...) stay with their format in :mod:`cycle_analytics.ingest.formats`.

Examples
--------
>>> name_words("RespondentID"), is_id_name("RespondentID"), is_date_name("Fecha")
(['respondent', 'id'], True, True)
>>> outcome_rank("Overall satisfaction"), outcome_rank("CSAT"), outcome_rank("Likely to recommend"), outcome_rank("Room")
(0, 0, 2, None)
>>> looks_like_outcome("¿Qué tan probable es que recomiendes R a un colega?"), mentions_recommend("NPS (0-10)")
(True, True)
>>> "oui" in YES_LABELS, "nein" in NO_LABELS
(True, True)
"""

from __future__ import annotations

import re

from cycle_analytics.cycles import normalise_key

__all__ = [
    "ID_WORDS", "ID_KEYS", "DATE_KEY_PART", "DATE_WORDS", "COMMENT_WORDS", "DERIVED_WORDS", "DERIVED_PHRASES",
    "OVERALL_KEY_PART", "OVERALL_KEYS", "SATISFACTION_KEYS", "SATISFACTION_STEM", "SATISFACTION_NAME_WORDS",
    "RECOMMEND_STEMS", "RECOMMEND_ABBREVIATIONS", "RECOMMEND_KEYS", "LIKELIHOOD_STEM", "LIKELIHOOD_WORDS",
    "OUTCOME_QUESTION", "RECOMMEND_TEXT", "STAGE_WORDS", "SCORE_WORDS", "YES_LABELS", "NO_LABELS",
    "name_words", "is_id_name", "is_date_name", "is_comment_name", "is_derived_name", "outcome_rank",
    "looks_like_outcome", "mentions_recommend",
]

# --------------------------------------------------------------------------------------------
# Respondent columns (English)

#: Words of a column name that mark a respondent id ("Respondent ID", "case_id", "uuid").
ID_WORDS = frozenset({"id", "uuid", "respnum", "respondent", "respondentid", "responseid", "caseid", "recordid", "customerid"})
#: Whole keys that are a respondent id even without an id word ("Resp.ID", "Ticket").
ID_KEYS = frozenset({"respondent", "respondentid", "responseid", "respid", "caseid", "case", "ticket", "ticketid"})

#: A key containing this is a date name ("StartDate", "date_of_visit").
DATE_KEY_PART = "date"
#: Words of a date name: English, plus ``fecha`` (Spanish), ``datum`` (German, Dutch) and ``marca``
#: (Spanish "marca temporal").
DATE_WORDS = frozenset({"timestamp", "time", "submitted", "created", "when", "datetime", "fecha", "datum", "marca"})

#: Words of a free-text comment column ("Comments", "Why?", "Other (please specify)").
COMMENT_WORDS = frozenset({
    "comment", "comments", "feedback", "remark", "remarks", "verbatim", "suggestion", "suggestions", "why", "explain",
    "notes", "note", "text", "opinion", "other",
})

#: Words of a model output added to the data ("Predicted q1", "Prob(q1==2)"), never an answer.
DERIVED_WORDS = frozenset({"predicted", "prediction", "predict", "prob", "probability", "fitted", "residual", "pred"})
#: Phrases (of the name's words joined by spaces) that mark a model output ("Most Likely q1").
DERIVED_PHRASES = ("most likely",)

# --------------------------------------------------------------------------------------------
# Outcome columns: overall, satisfaction, recommend (English, Spanish, French, German)

#: A key containing this is an overall outcome ("Overall satisfaction", "overall_rating").
OVERALL_KEY_PART = "overall"
#: Whole keys that are an overall outcome.
OVERALL_KEYS = frozenset({"osat", "csat"})
#: Whole keys that are a satisfaction outcome.
SATISFACTION_KEYS = frozenset({"oversat", "sat"})
#: A satisfaction outcome has a word containing this stem and no words besides :data:`SATISFACTION_NAME_WORDS`.
SATISFACTION_STEM = "satisf"
SATISFACTION_NAME_WORDS = frozenset({"satisfaction", "satisfied", "customer", "csat", "general", "total", "sat", "level",
                                     "score"})
#: Key parts of a recommend question: English, Spanish (both spellings), French, German; and "promoter".
RECOMMEND_STEMS = ("recommend", "recomend", "recomiend", "recommand", "empfehl", "promoter")
#: Words that stand for a recommend question: net promoter score, likelihood to recommend.
RECOMMEND_ABBREVIATIONS = frozenset({"nps", "ltr"})
#: Whole keys of a recommend question ("N.P.S.", SPSS' "NETPRO").
RECOMMEND_KEYS = frozenset({"nps", "netpro", "ltr"})
#: A key containing this, or a word of :data:`LIKELIHOOD_WORDS`, names a likelihood (to recommend) question.
LIKELIHOOD_STEM = "likelihood"
LIKELIHOOD_WORDS = frozenset({"likely"})

#: Question texts (or column ids) that read like an overall outcome, in English, Spanish, French
#: and German: overall / in general / all in all, recommend in its spellings, NPS, "gesamt...".
OUTCOME_QUESTION = re.compile(
    r"\b(overall|recommend\w*|nps|in general|all in all|altogether|general satisfaction|gesamt\w*|"
    r"recomend\w*|recomiend\w*|recommand\w*|empfehl\w*|weiterempfehl\w*|en general|global)\b",
    re.I,
)
#: Names or question texts that mention recommending (any of :data:`RECOMMEND_STEMS` anywhere) or
#: NPS / LTR as a word.
RECOMMEND_TEXT = re.compile("|".join([*RECOMMEND_STEMS, *(rf"\b{a}\b" for a in sorted(RECOMMEND_ABBREVIATIONS))]), re.I)

# --------------------------------------------------------------------------------------------
# Long layout: the stage-name and score columns (English)

#: Words of a long file's stage-name column ("stage", "touchpoint", "question").
STAGE_WORDS = frozenset({"stage", "moment", "step", "touchpoint", "item", "question", "attribute", "aspect", "phase",
                         "dimension", "service", "area"})
#: Words of a long file's score column ("score", "rating", "answer").
SCORE_WORDS = frozenset({"score", "rating", "value", "answer", "rate", "points", "grade", "response", "mark"})

# --------------------------------------------------------------------------------------------
# Yes / no answers (compared in lower case): English, German, French, Spanish

#: Answers that mean yes: ``yes``, ``y``, ``true``, ``1``, ``ja`` (German), ``oui`` (French), ``si`` / ``sí`` (Spanish).
YES_LABELS = frozenset({"yes", "y", "true", "1", "ja", "oui", "si", "sí"})
#: Answers that mean no: ``no`` (English, Spanish), ``n``, ``false``, ``0``, ``nein`` (German), ``non`` (French).
NO_LABELS = frozenset({"no", "n", "false", "0", "nein", "non"})


# --------------------------------------------------------------------------------------------
# Predicates


def name_words(name: str) -> list[str]:
    """The words of a column name: camelCase split, lower case, non-alphanumerics as separators.

    >>> name_words("overallSat_2024"), name_words("¿Fecha?")
    (['overall', 'sat', '2024'], ['fecha'])
    """
    s = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [w for w in re.split(r"[^0-9a-zA-Z]+", s.casefold()) if w]


def is_id_name(name: str) -> bool:
    """Named like a respondent id (:data:`ID_WORDS`, :data:`ID_KEYS`)."""
    return bool(set(name_words(name)) & ID_WORDS) or normalise_key(name) in ID_KEYS


def is_date_name(name: str) -> bool:
    """Named like a response date (:data:`DATE_KEY_PART`, :data:`DATE_WORDS`)."""
    return DATE_KEY_PART in normalise_key(name) or bool(set(name_words(name)) & DATE_WORDS)


def is_comment_name(name: str) -> bool:
    """Named like a free-text comment (:data:`COMMENT_WORDS`)."""
    return bool(set(name_words(name)) & COMMENT_WORDS)


def is_derived_name(name: str) -> bool:
    """Named like a model output added to the data ("Predicted q1", "Prob(q1==2)", "Most Likely q1"), not an answer."""
    words = name_words(name)
    return bool(set(words) & DERIVED_WORDS) or any(p in " ".join(words) for p in DERIVED_PHRASES)


def outcome_rank(name: str) -> int | None:
    """How strongly a column name says "overall outcome": the lower, the likelier the default outcome.

    ``0`` overall satisfaction (:data:`OVERALL_KEY_PART`, :data:`OVERALL_KEYS`), ``1`` satisfaction
    (:data:`SATISFACTION_KEYS`, or satisfaction words only), ``2`` recommend / NPS / likelihood;
    ``None``: not an outcome name (model outputs such as "Predicted overall" never are).

    >>> [outcome_rank(n) for n in ("OSAT", "Customer satisfaction", "NETPRO", "Predicted overall", "Wait")]
    [0, 1, 2, None, None]
    """
    if is_derived_name(name):
        return None
    k = normalise_key(name)
    w = set(name_words(name))
    if OVERALL_KEY_PART in k or k in OVERALL_KEYS:
        return 0
    if k in SATISFACTION_KEYS or (any(SATISFACTION_STEM in x for x in w) and w <= SATISFACTION_NAME_WORDS):
        return 1
    if (
        any(stem in k for stem in (*RECOMMEND_STEMS, LIKELIHOOD_STEM))
        or w & (RECOMMEND_ABBREVIATIONS | LIKELIHOOD_WORDS)
        or k in RECOMMEND_KEYS
    ):
        return 2
    return None


def looks_like_outcome(text: str) -> bool:
    """Whether a column id or question text reads like an overall outcome (overall, recommend, NPS),
    in English, Spanish, French or German (:data:`OUTCOME_QUESTION`).

    >>> looks_like_outcome("¿Qué tan probable es que recomiendes R a un colega?"), looks_like_outcome("Room")
    (True, False)
    """
    return bool(OUTCOME_QUESTION.search(str(text)))


def mentions_recommend(text: str) -> bool:
    """Whether a name or question text mentions recommending, NPS or promoters (:data:`RECOMMEND_TEXT`).

    >>> mentions_recommend("¿Recomendaría el banco?"), mentions_recommend("Snpshot")
    (True, False)
    """
    return bool(RECOMMEND_TEXT.search(str(text)))
