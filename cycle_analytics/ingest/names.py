"""The name vocabularies of the import: which column names, question texts and answers mean what.

Every word list that the importer, and the statistics reading its outcome columns, match against
lives here, once. A column name is compared in one of two forms:

* its *words* (:func:`name_words`): camelCase split, lower case, runs of anything but letters and
  digits as separators: ``"RespondentID"`` -> ``["respondent", "id"]``;
* its *key* (:func:`cycle_analytics.cycles.normalise_key`): lower case with spaces, punctuation and
  underscores removed: ``"Overall_Sat."`` -> ``"overallsat"``.

Languages: the id, derived, stage and score vocabularies are English (the words of analysis
tools and survey exports); the date words add Spanish and German; the outcome and recommend
vocabularies cover English, Spanish, French and German (loyalty also Indonesian); the yes / no
labels English, German, French and Spanish; the missing-answer tokens, the comment and open
question words, the column roles (weights, times, days, sampling design, interview method,
demographics, counts) and the importance questions English, Indonesian and Spanish; the names of
a survey duration and of start and end times English, Indonesian, Spanish and German.
Tool-specific headers (Qualtrics' ``ResponseId``, Google Forms' localised ``Timestamp``...) stay
with their format in :mod:`cycle_analytics.ingest.formats`.

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
>>> is_no_answer("#N/A"), is_no_answer("Tidak tahu"), is_no_answer("Prefiero no decirlo"), is_no_answer("3")
(True, True, True, False)
>>> role_of_name("Q19AGE"), role_of_name("WEIGHT"), role_of_name("Departure_Delay_in_Minutes"), role_of_name("Room")
('demographic (age)', 'weight', 'time or duration', None)
"""

from __future__ import annotations

import re
import unicodedata

from cycle_analytics.cycles import normalise_key

__all__ = [
    "ID_WORDS", "ID_KEYS", "DATE_KEY_PART", "DATE_WORDS", "COMMENT_WORDS", "DERIVED_WORDS", "DERIVED_PHRASES",
    "OVERALL_KEY_PART", "OVERALL_KEYS", "SATISFACTION_KEYS", "SATISFACTION_STEM", "SATISFACTION_NAME_WORDS",
    "RECOMMEND_STEMS", "RECOMMEND_ABBREVIATIONS", "RECOMMEND_KEYS", "LIKELIHOOD_STEM", "LIKELIHOOD_WORDS",
    "OUTCOME_QUESTION", "RECOMMEND_TEXT", "STAGE_WORDS", "SCORE_WORDS", "YES_LABELS", "NO_LABELS",
    "MISSING_TOKENS", "NO_ANSWER_LABELS", "NO_ANSWER_KEYS", "LOYALTY_STEMS", "LOYALTY_KEYS", "BLOCK_OVERALL_TAILS",
    "ROLE_FILLERS", "WEEKDAY_KEYS", "weekday_order",
    "OPEN_QUESTION", "IMPORTANCE_QUESTION", "ROLE_WORDS", "ROLE_STEMS", "DEMOGRAPHIC_WORDS",
    "DURATION_WORDS", "DURATION_PHRASES", "DURATION_FILLERS", "DURATION_UNITS", "START_TIME_KEYS", "END_TIME_KEYS",
    "duration_seconds_per_unit", "is_start_time_name", "is_end_time_name",
    "name_words", "is_id_name", "is_date_name", "is_comment_name", "is_derived_name", "outcome_rank",
    "looks_like_outcome", "mentions_recommend", "is_no_answer", "name_tail", "role_of_name", "is_open_question",
    "is_importance_question",
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

#: Words of a free-text comment column ("Comments", "Why?", "Other (please specify)"): English,
#: Indonesian (``komentar``, ``saran``, ``masukan``, ``alasan``, ``mengapa``, ``kenapa``) and Spanish
#: (``comentario``, ``sugerencia``, ``observaciones``, ``por qué``, ``otro``).
COMMENT_WORDS = frozenset({
    "comment", "comments", "feedback", "remark", "remarks", "verbatim", "suggestion", "suggestions", "why", "explain",
    "notes", "note", "text", "opinion", "other",
    "komentar", "saran", "masukan", "alasan", "mengapa", "kenapa", "catatan", "lainnya",
    "comentario", "comentarios", "sugerencia", "sugerencias", "observacion", "observación", "observaciones",
    "porque", "qué", "otro", "otros", "opinión",
})
#: Question texts that ask for free text: why, what could be better, anything else, please
#: specify (English, Indonesian, Spanish).
OPEN_QUESTION = re.compile(
    r"(\bwhy\b|\bplease (specify|explain|describe|tell)|\banything else\b|\bwhat (could|can|should) we\b|"
    r"\bin your own words\b|\bcomments?\b|\bsuggestions?\b|\bmengapa\b|\bkenapa\b|\bsebutkan\b|\bsaran\b|"
    r"\bkomentar\b|\balasan\b|por qu[eé]|\bcomentarios?\b|\bsugerencias?\b|\bespecifique\b|\bexplique\b|"
    r"\bqu[eé] podr[ií]amos\b|\balgo m[aá]s\b)",
    re.I,
)

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
#: Whole keys that are a satisfaction outcome (``CUSA``: the ECSI / ACSI customer satisfaction items,
#: ``kepuasan``: Indonesian, ``satisfaccion``: Spanish, ``hap``: overall happiness), compared without
#: trailing digits.
SATISFACTION_KEYS = frozenset({"oversat", "sat", "cusa", "kepuasan", "satisfaccion", "satisfacción", "happy", "happiness",
                               "hap"})
#: The name of a block's own overall item after its question code (``Q7ALL``, ``Q9_overall``): an outcome.
BLOCK_OVERALL_TAILS = frozenset({"all", "overall", "total", "global", "general", "ovr", "keseluruhan"})
#: A satisfaction outcome has a word containing this stem and no words besides :data:`SATISFACTION_NAME_WORDS`.
SATISFACTION_STEM = "satisf"
SATISFACTION_NAME_WORDS = frozenset({"satisfaction", "satisfied", "customer", "csat", "general", "total", "sat", "level",
                                     "score"})
#: Key parts of a recommend question: English, Spanish (both spellings), French, German; and "promoter".
RECOMMEND_STEMS = ("recommend", "recomend", "recomiend", "recommand", "empfehl", "promoter")
#: Key parts of a loyalty outcome (rank 2, with recommend): repurchase, loyalty, return, come back;
#: Spanish ``recompra``, ``lealtad``, ``volver``; Indonesian ``loyalitas``, ``kembali``; the ECSI
#: abbreviation ``CUSL`` (customer loyalty).
LOYALTY_STEMS = ("repurchase", "loyalty", "loyal", "retention", "comeback", "wouldreturn", "recompra", "lealtad",
                 "volveria", "volvería", "loyalitas", "kembalilagi")
LOYALTY_KEYS = frozenset({"cusl"})
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
# Days of the week as segment values (compared as keys): English, Indonesian, Spanish

#: Day names and their usual abbreviations -> position in the week (Monday first, ISO 8601).
WEEKDAY_KEYS = {
    **dict.fromkeys(("mon", "monday", "senin", "sen", "lunes", "lun"), 0),
    **dict.fromkeys(("tue", "tues", "tuesday", "selasa", "sel", "martes", "mar"), 1),
    **dict.fromkeys(("wed", "wednesday", "rabu", "rab", "miercoles", "miércoles", "mie", "mié"), 2),
    **dict.fromkeys(("thu", "thur", "thurs", "thursday", "kamis", "kam", "jueves", "jue"), 3),
    **dict.fromkeys(("fri", "friday", "jumat", "jum", "viernes", "vie"), 4),
    **dict.fromkeys(("sat", "saturday", "sabtu", "sab", "sabado", "sábado", "sáb"), 5),
    **dict.fromkeys(("sun", "sunday", "minggu", "min", "domingo", "dom"), 6),
}


def weekday_order(values) -> list | None:
    """``values`` in week order (Monday first) when every one names a different day, else None.

    A segment of days reads in the order of the week, not in the order the file met them.

    >>> weekday_order(["SAT", "MON", "SUN"]), weekday_order(["Sabtu", "Senin"]), weekday_order(["North", "Mon"])
    (['MON', 'SAT', 'SUN'], ['Senin', 'Sabtu'], None)
    """
    values = list(values)
    days = [WEEKDAY_KEYS.get(normalise_key(str(v))) for v in values]
    if len(values) < 2 or None in days or len(set(days)) < len(days):
        return None
    return [v for _day, v in sorted(zip(days, values), key=lambda pair: pair[0])]


# --------------------------------------------------------------------------------------------
# Yes / no answers (compared in lower case): English, German, French, Spanish

#: Answers that mean yes: ``yes``, ``y``, ``true``, ``1``, ``ja`` (German), ``oui`` (French), ``si`` / ``sí`` (Spanish).
YES_LABELS = frozenset({"yes", "y", "true", "1", "ja", "oui", "si", "sí"})
#: Answers that mean no: ``no`` (English, Spanish), ``n``, ``false``, ``0``, ``nein`` (German), ``non`` (French).
NO_LABELS = frozenset({"no", "n", "false", "0", "nein", "non"})


# --------------------------------------------------------------------------------------------
# No answer: missing-answer tokens and the labels that mean "no answer" (English, Indonesian, Spanish)

#: Cells that mean a missing answer in exports and statistics tools (compared ignoring case):
#: ``NA``, ``N/A``, ``#N/A``, ``NaN``, ``null``, ``#NULL!``, ``-``, ``.``, and ``Blank``.
MISSING_TOKENS = ("NA", "N/A", "n/a", "#N/A", "NaN", "null", "NULL", "#NULL!", "-", "--", ".", "Blank")
#: Answer labels that mean no answer: don't know, not applicable, prefer not to say, did not use, in
#: English, Indonesian (``Tidak tahu``, ``Tidak berlaku``, ``Tidak ingin menjawab``...) and Spanish
#: (``No sabe``, ``No aplica``, ``Prefiero no decirlo``, ``NS/NC``...).
NO_ANSWER_LABELS: tuple[str, ...] = (
    "N/A", "NA", "n.a.", "Not applicable", "Does not apply", "Don't know", "Do not know", "Dont know",
    "Don't know / not sure", "Not sure", "Did not use", "Didn't use", "Not used", "Have not used",
    "Unfamiliar (N/A)", "Unfamiliar", "Prefer not to say", "Prefer not to answer", "Rather not say",
    "No opinion", "Can't say", "Cannot say", "Not relevant", "Refused", "No answer", "Don't know / can't say",
    "Not available", "Not asked",
    # Indonesian
    "Tidak tahu", "Tidak berlaku", "Tidak relevan", "Tidak ada jawaban", "Tidak menjawab", "Tidak ingin menjawab",
    "Lebih suka tidak menjawab", "Memilih tidak menjawab", "Tidak pernah menggunakan", "Tidak menggunakan",
    "Tidak dapat menjawab", "Tidak bisa menjawab", "Tidak tahu / tidak berlaku", "Tidak yakin", "Tidak ada pendapat",
    # Spanish
    "No sabe", "No sé", "No lo sé", "No sabe / no contesta", "NS/NC", "No aplica",
    "No corresponde", "No procede", "No contesta", "No responde", "Sin respuesta", "Prefiero no decirlo",
    "Prefiero no responder", "Prefiero no contestar", "No lo he usado", "No utilizado", "No usado", "Sin opinión",
    "No estoy seguro", "No estoy segura",
)
#: :data:`NO_ANSWER_LABELS` and :data:`MISSING_TOKENS` compared as keys (``normalise_key``); the
#: tokens made only of punctuation (``-``, ``.``) are compared as written.
NO_ANSWER_KEYS = frozenset(normalise_key(x) for x in (*NO_ANSWER_LABELS, *MISSING_TOKENS)) - {""}
_PUNCTUATION_TOKENS = frozenset(t for t in MISSING_TOKENS if not normalise_key(t))

# --------------------------------------------------------------------------------------------
# Column roles that are never stages (English, Indonesian, Spanish)

#: Words of a column name (after its question code, :func:`name_tail`) that give a column's role,
#: with the phrase that explains it.
ROLE_WORDS: dict[str, frozenset] = {
    "weight": frozenset({"weight", "weights", "wt", "wgt", "weighting", "bobot", "peso", "pesos", "ponderacion",
                         "ponderación", "ponderador", "factor"}),
    "time or duration": frozenset({"minutes", "minute", "mins", "min", "seconds", "second", "secs", "sec", "hours",
                                   "duration", "delay", "delays", "elapsed", "howlong", "menit", "detik", "durasi",
                                   "jam", "minutos", "segundos", "horas", "duracion", "duración", "demora", "retraso"}),
    "day or date code": frozenset({"day", "dd", "dayofmonth", "intdate", "hari", "tanggal", "tgl", "dia", "día",
                                   "fecha", "date", "month", "year", "bulan", "tahun", "mes", "año", "ano", "week"}),
    "sampling design": frozenset({"strata", "stratum", "stratification", "peak", "wave", "batch", "cluster", "psu",
                                  "quota", "replicate", "interviewer", "estrato", "lote", "gelombang", "pewawancara",
                                  "encuestador", "entrevistador"}),
    "interview method": frozenset({"method", "meth", "mode", "saq", "cati", "capi", "cawi", "papi", "metode",
                                   "metodo", "método", "modo", "modalidad"}),
    "count": frozenset({"times", "count", "number", "num", "howmany", "visits", "trips", "jumlah", "berapa",
                        "kali", "numero", "número", "cantidad", "veces", "cuantos", "cuántos", "cuantas", "cuántas"}),
}
#: Demographic words: the role phrase names which one ("demographic (age)").
DEMOGRAPHIC_WORDS: dict[str, str] = {
    **dict.fromkeys(("age", "ageband", "agegroup", "usia", "umur", "edad"), "age"),
    **dict.fromkeys(("gender", "sex", "kelamin", "jeniskelamin", "gender", "genero", "género", "sexo"), "gender"),
    **dict.fromkeys(("income", "salary", "earnings", "pendapatan", "penghasilan", "gaji", "ingresos", "ingreso",
                     "salario", "renta"), "income"),
    **dict.fromkeys(("language", "lang", "bahasa", "idioma", "lengua"), "language"),
    **dict.fromkeys(("education", "educ", "edu", "pendidikan", "educacion", "educación", "estudios"), "education"),
    **dict.fromkeys(("occupation", "job", "employment", "pekerjaan", "profesi", "ocupacion", "ocupación", "empleo",
                     "profesion", "profesión"), "occupation"),
    **dict.fromkeys(("marital", "perkawinan", "civil"), "marital status"),
    **dict.fromkeys(("children", "kids", "household", "hhsize", "anak", "hijos", "hogar"), "household"),
    **dict.fromkeys(("ethnicity", "race", "religion", "agama", "suku", "etnia", "religion", "religión"), "background"),
    **dict.fromkeys(("zip", "zipcode", "postcode", "postal", "county", "country", "region", "state", "city", "home",
                     "residence", "nationality", "kota", "provinsi", "wilayah", "negara", "pais", "país", "región",
                     "provincia", "ciudad", "nacionalidad"), "place"),
}
#: Words that may stand next to a role word in a column that only holds that role ("Age group").
ROLE_FILLERS = frozenset({"group", "band", "code", "cat", "category", "class", "level", "type", "of", "the", "in",
                          "respondent", "resp", "years", "yrs", "range", "bracket", "final", "total", "kelompok",
                          "golongan", "grupo", "rango", "de", "del", "the", "your", "id", "no", "nr"})
#: Name stems that give a role when a name is written as one word (``Q5TIMESFLOWN``, ``HOWLONG``).
ROLE_STEMS = (("weight", "weight"), ("times", "count"), ("howmany", "count"), ("howlong", "time or duration"),
              ("long", "time or duration"), ("minute", "time or duration"), ("delay", "time or duration"),
              ("strat", "sampling design"))
#: Question texts asking how important something is (English, Indonesian, Spanish).
IMPORTANCE_QUESTION = re.compile(
    r"(\bhow important\b|\bimportance\b|\bseberapa penting\b|\bkepentingan\b|\bpentingnya\b|"
    r"\bqu[eé] tan importante\b|\bimportancia\b|\bcu[aá]n importante\b)",
    re.I,
)
_QUESTION_CODE = re.compile(r"^[A-Za-z]{1,3}\d+(?=[A-Z_\-. ]|$)")

# --------------------------------------------------------------------------------------------
# How long a respondent took: a duration column, or start and end times (the speeder check)

#: Words that name the time a respondent took to fill in the survey (English, Indonesian, Spanish,
#: German; LimeSurvey's ``interviewtime``). A duration name holds one of them, or a phrase of
#: :data:`DURATION_PHRASES`, and otherwise only :data:`DURATION_FILLERS` ("Duration (in seconds)",
#: "Q_TotalDuration", "survey_duration_min"): "Call duration" or "Stay duration" name a service
#: figure, not the survey's.
DURATION_WORDS = frozenset({"duration", "totalduration", "durasi", "duracion", "dauer", "interviewtime"})
#: Phrases (of the name's words joined by spaces) that name the survey duration.
DURATION_PHRASES = ("time taken", "completion time", "time to complete", "interview length", "survey length",
                    "lama pengisian", "tiempo de respuesta")
#: Words that may stand next to a duration word: units, "survey", "response", "total", "in".
DURATION_FILLERS = frozenset({
    "in", "of", "the", "to", "q", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "m",
    "hours", "hour", "h", "survey", "response", "interview", "questionnaire", "form", "total", "completion",
    "complete", "time", "taken", "length", "respondent", "detik", "menit", "jam", "lama", "pengisian", "segundos",
    "minutos", "horas", "de", "la", "del", "en", "tiempo", "respuesta", "sekunden", "minuten", "stunden",
})
#: Seconds per unit named in a duration column's name (seconds when the name gives none).
DURATION_UNITS = {**dict.fromkeys(("min", "mins", "minute", "minutes", "m", "menit", "minutos", "minuten"), 60.0),
                  **dict.fromkeys(("hours", "hour", "h", "jam", "horas", "stunden"), 3600.0)}
#: Keys of a column holding when a respondent started (Qualtrics ``StartDate``, SurveyMonkey
#: ``Start Date``, Typeform ``Start Date (UTC)``, Alchemer ``Time Started``, KoboToolbox ``start``...).
START_TIME_KEYS = frozenset({
    "startdate", "starttime", "start", "started", "startedat", "timestarted", "datestarted", "startdateutc",
    "starttimeutc", "startdatetime", "starttimestamp", "begintime", "anfangsdatum", "startzeit", "inicio",
    "fechainicio", "fechadeinicio", "horainicio", "horadeinicio", "mulai", "waktumulai",
})
#: Keys of a column holding when a respondent finished (``EndDate``, ``End Date``, ``Submit Date (UTC)``,
#: LimeSurvey ``submitdate``, Alchemer ``Date Submitted``, KoboToolbox ``end``...).
END_TIME_KEYS = frozenset({
    "enddate", "endtime", "end", "ended", "endedat", "timeended", "enddateutc", "endtimeutc", "enddatetime",
    "submitdate", "submitdateutc", "submittime", "datesubmitted", "submittedat", "timesubmitted", "completedat",
    "completiondate", "finishtime", "finishedat", "enddatum", "endzeit", "fin", "fechafin", "fechadefin", "horafin",
    "horadefin", "selesai", "waktuselesai",
})


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

    ``0`` overall satisfaction (:data:`OVERALL_KEY_PART`, :data:`OVERALL_KEYS`, or a question
    code followed by :data:`BLOCK_OVERALL_TAILS` such as ``Q7ALL``), ``1`` satisfaction
    (:data:`SATISFACTION_KEYS`, or satisfaction words only), ``2`` recommend / NPS / likelihood /
    loyalty (:data:`LOYALTY_STEMS`); ``None``: not an outcome name (model outputs such as
    "Predicted overall" never are).

    >>> [outcome_rank(n) for n in ("OSAT", "Customer satisfaction", "NETPRO", "Predicted overall", "Wait")]
    [0, 1, 2, None, None]
    >>> [outcome_rank(n) for n in ("Q7ALL", "CUSA1", "CUSL3", "Repurchase", "Q7ART")]
    [0, 1, 2, 2, None]
    """
    if is_derived_name(name):
        return None
    k = normalise_key(name)
    w = set(name_words(name))
    if OVERALL_KEY_PART in k or k in OVERALL_KEYS:
        return 0
    bare = k.rstrip("0123456789")  # ECSI-style item codes: CUSA1, CUSL3
    if k in SATISFACTION_KEYS or bare in SATISFACTION_KEYS or (any(SATISFACTION_STEM in x for x in w) and w <= SATISFACTION_NAME_WORDS):
        return 1
    if (
        any(stem in k for stem in (*RECOMMEND_STEMS, LIKELIHOOD_STEM, *LOYALTY_STEMS))
        or w & (RECOMMEND_ABBREVIATIONS | LIKELIHOOD_WORDS)
        or k in RECOMMEND_KEYS
        or bare in LOYALTY_KEYS
    ):
        return 2
    tail = normalise_key(name_tail(name))
    if tail != k and tail in BLOCK_OVERALL_TAILS:  # Q7ALL: the overall item of the Q7 block
        return 0
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


def is_no_answer(text: str) -> bool:
    """Whether a cell means *no answer*: a missing-answer token (:data:`MISSING_TOKENS`) or a
    no-answer label (:data:`NO_ANSWER_LABELS`), ignoring case, spaces and punctuation."""
    t = str(text).strip()
    return t in _PUNCTUATION_TOKENS or (bool(t) and normalise_key(t) in NO_ANSWER_KEYS)


def name_tail(name: str) -> str:
    """A column name without its leading question code: ``"Q19AGE"`` -> ``"AGE"``, ``"Q3_gender"`` ->
    ``"gender"``; a name without a code is returned as it is.

    >>> name_tail("Q19AGE"), name_tail("q5_times_flown"), name_tail("Age"), name_tail("Q7")
    ('AGE', 'times_flown', 'Age', 'Q7')
    """
    s = str(name).strip()
    m = _QUESTION_CODE.match(s)
    if m is None or m.end() >= len(s):
        return s
    return s[m.end():].lstrip("_-. ")


def role_of_name(name: str, *, strict: bool = False) -> str | None:
    """The non-stage role a column's name gives it (one phrase), or ``None``.

    ``"weight"``, ``"time or duration"``, ``"day or date code"``, ``"sampling design"``,
    ``"interview method"``, ``"count"`` (:data:`ROLE_WORDS`; a name in capitals written as one word
    also by :data:`ROLE_STEMS`) or ``"demographic (age)"`` ... (:data:`DEMOGRAPHIC_WORDS`), read from
    the name's words after its question code (:func:`name_tail`). ``strict``: every word of the
    name must be a role word or a filler (``"Age group"``, ``"Q21INCOME"``), so that a stage named
    ``"Taking a number"`` or ``"Home delivery"`` keeps its role; the importer uses the strict
    reading to keep a column that fits a rating scale out of the stages.

    >>> role_of_name("Taking a number"), role_of_name("Taking a number", strict=True), role_of_name("Age group", strict=True)
    ('count', None, 'demographic (age)')
    """
    tail = name_tail(name)
    words = name_words(tail)
    if not words:
        return None
    found = None
    for w in words:
        if w in DEMOGRAPHIC_WORDS:
            found = f"demographic ({DEMOGRAPHIC_WORDS[w]})"
            break
    if found is None:
        for role, vocabulary in ROLE_WORDS.items():
            if set(words) & vocabulary:
                found = role
                break
    if found is None and len(words) == 1 and str(tail).isupper():  # SFO's Q5TIMESFLOWN, HOWLONG
        key = normalise_key(tail)
        found = next((role for stem, role in ROLE_STEMS if key.startswith(stem)), None)
        if found is not None:
            return found
    if found is None or not strict:
        return found
    vocabulary = set(DEMOGRAPHIC_WORDS) | set().union(*ROLE_WORDS.values()) | ROLE_FILLERS
    return found if set(words) <= vocabulary else None


def duration_seconds_per_unit(name: str) -> float | None:
    """Seconds per unit of a column named like the time a respondent took (:data:`DURATION_WORDS`,
    :data:`DURATION_PHRASES`, :data:`DURATION_UNITS`), ``None`` for any other name.

    >>> duration_seconds_per_unit("Duration (in seconds)"), duration_seconds_per_unit("survey_duration_min")
    (1.0, 60.0)
    >>> duration_seconds_per_unit("Call duration"), duration_seconds_per_unit("Departure Delay in Minutes")
    (None, None)
    """
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", str(name)) if not unicodedata.combining(ch))  # Duración
    words = name_words(plain)
    if not words:
        return None
    joined = " ".join(words)
    core = set(words) & DURATION_WORDS or any(p in joined for p in DURATION_PHRASES)
    if not core or not set(words) <= DURATION_WORDS | DURATION_FILLERS:
        return None
    return next((DURATION_UNITS[w] for w in words if w in DURATION_UNITS), 1.0)


def is_start_time_name(name: str) -> bool:
    """Named like the time a respondent started (:data:`START_TIME_KEYS`).

    >>> is_start_time_name("StartDate"), is_start_time_name("Start Date (UTC)"), is_start_time_name("Start")
    (True, True, True)
    """
    return normalise_key(name) in START_TIME_KEYS


def is_end_time_name(name: str) -> bool:
    """Named like the time a respondent finished (:data:`END_TIME_KEYS`).

    >>> is_end_time_name("EndDate"), is_end_time_name("Date Submitted"), is_end_time_name("Finished")
    (True, True, False)
    """
    return normalise_key(name) in END_TIME_KEYS


def is_open_question(text: str) -> bool:
    """Whether a column name or question text asks for free text (:data:`OPEN_QUESTION`, :data:`COMMENT_WORDS`).

    >>> is_open_question("Why did you rate the check-in like that?"), is_open_question("¿Por qué?"), is_open_question("Room")
    (True, True, False)
    """
    return is_comment_name(text) or bool(OPEN_QUESTION.search(str(text)))


def is_importance_question(text: str) -> bool:
    """Whether a column name or question text asks how important something is (:data:`IMPORTANCE_QUESTION`).

    >>> is_importance_question("How important is a short wait?"), is_importance_question("Seberapa penting kebersihan?")
    (True, True)
    """
    return bool(IMPORTANCE_QUESTION.search(str(text)))
