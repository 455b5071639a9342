"""The language of a survey's comments: word splitting, stop words and detection.

* :data:`LANGUAGES` - the languages themes and stop words are prepared for (``en``, ``id``, ``es``)
  and :data:`LANGUAGE_NAMES` their English names.
* :func:`raw_words`, :func:`words` - a comment as lower-case words (letters only, two or more),
  as written or without accents.
* :func:`stop_words` - the bundled stop-word list of a language (``data/stopwords_<code>.txt``;
  each file's header names its source and the content words taken out of it).
* :func:`detect_language` - the language of a whole survey's comments, by stop-word overlap, or
  ``None`` when it is none of the three; :func:`comment_language` adds the manager's override.
* :func:`validate_language` - a language code or a clear sentence.

Why not a language-identification library: the question is a choice among three known languages
over a whole survey's comments (hundreds of words), where the share of each language's function
words separates them without error, and the answer "none of the three" matters as much as the
choice (it switches stop words off). For that answer, five neighbouring languages take part too,
each with a short list of its most frequent function words (:data:`OTHER_LANGUAGES`): French
comments share many function words with Spanish, but share more with French. ``py3langid`` (maintained) would add a 97-language model to
answer a three-way question and never says "none of these"; ``langdetect`` is unmaintained and
random unless seeded.

Examples
--------
>>> words("¡La atención fue MUY lenta!")
['la', 'atencion', 'fue', 'muy', 'lenta']
>>> detect_language(["The queue was very long and the teller was slow"] * 5).language
'en'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_percent
from cycle_analytics.i18n import gettext as _
from cycle_analytics.text import messages as M

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LanguageGuess",
    "raw_words",
    "words",
    "fold_accents",
    "stop_words",
    "detect_language",
    "comment_language",
    "validate_language",
]

#: Language codes (ISO 639-1) themes, stop words and detection know.
LANGUAGES = ("en", "id", "es")
LANGUAGE_NAMES = {"en": N_("English"), "id": N_("Indonesian"), "es": N_("Spanish")}  # translate where shown

DATA_DIR = Path(__file__).with_name("data")

#: Languages that take part in detection only, so that their comments are "not recognised" rather
#: than read as their neighbour: the most frequent function words of each (first entries of the
#: Snowball project's stop-word lists, accents removed).
OTHER_LANGUAGES = {
    N_("French"): frozenset("le la les de des du un une et est que qui pas ne je il elle nous vous ils sont avec pour dans "
                        "sur au aux ce cette mais ou tres etait ete avons".split()),
    N_("Portuguese"): frozenset("os as de do da dos das um uma que nao com para em no na por mais muito foi eu ele ela se "
                            "mas ao aos estava sao".split()),
    N_("Italian"): frozenset("il lo la gli le di del della un una che non con per in nel sono ma molto mi si era ho "
                         "anche questo".split()),
    N_("German"): frozenset("der die das und ist nicht ein eine ich sie er wir zu mit auf fur von den dem des sehr war "
                        "es auch aber".split()),
    N_("Dutch"): frozenset("de het een en is niet van te dat die ik je zijn met voor op aan maar was ook er heel".split()),
}

#: Detection needs this many words in all, and the winning language this share of stop words with
#: a lead of ``MIN_LEAD`` over the next. Measured shares: 51 % (bank sample, English), 39-52 %
#: (three Spanish open questions of the RStudio survey), 29 % (Indonesian bank comments in the
#: tests); French text reads 19 % and Portuguese 14 % Spanish, other pairs under 16 %.
MIN_WORDS = 20
MIN_SHARE = 0.22
MIN_LEAD = 0.10
#: Detection reads at most this many comments (evenly spaced, so the answer does not depend on luck).
DETECT_SAMPLE = 5000

_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class LanguageGuess:
    """The language of a set of comments.

    ``language``: a code of :data:`LANGUAGES`, or ``None`` when none fits; ``shares``: per
    language, the share of words that are its stop words; ``n_words``: the words read;
    ``source``: ``"manager"`` or ``"detected"``; ``reason``: the sentence to show.
    """

    language: str | None
    shares: tuple[tuple[str, float], ...]
    n_words: int
    source: str
    reason: str


def validate_language(language: str) -> str:
    """``language`` as a code of :data:`LANGUAGES` (case and spaces ignored) or a :class:`SurveyError`.

    >>> validate_language(" ES ")
    'es'
    """
    code = str(language).strip().lower() if isinstance(language, str) else None
    if code not in LANGUAGES:
        raise SurveyError(_(M.UNKNOWN_LANGUAGE).format(codes=", ".join(LANGUAGES), value=language))
    return code


@functools.lru_cache(maxsize=4096)
def fold_accents(word: str) -> str:
    """``word`` without combining accents (``atención`` -> ``atencion``); cached per word."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def raw_words(text: str) -> list[str]:
    """The words of ``text`` as written but in lower case: letters only, at least two letters.

    >>> raw_words("Atención: ¡40 minutos!")
    ['atención', 'minutos']
    """
    return _WORD.findall(str(text).lower())


def words(text: str) -> list[str]:
    """The words of ``text``: lower case, accents removed, letters only, at least two letters.

    >>> words("Waited 40 minutes, the café's queue!")
    ['waited', 'minutes', 'the', 'cafe', 'queue']
    """
    return [fold_accents(w) for w in raw_words(text)]


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    """The stop words of ``language`` (lower case, accents removed), read once from the package data.

    >>> {"the", "and"} <= stop_words("en"), "yang" in stop_words("id"), "lenta" in stop_words("es")
    (True, True, False)
    """
    code = validate_language(language)
    lines = (DATA_DIR / f"stopwords_{code}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def _evenly_spaced(texts: list[str], limit: int) -> list[str]:
    """At most ``limit`` of ``texts``, evenly spaced (all of them when there are fewer)."""
    if len(texts) <= limit:
        return texts
    step = len(texts) / limit
    return [texts[int(i * step)] for i in range(limit)]


def detect_language(texts: Iterable[str]) -> LanguageGuess:
    """The language of ``texts`` taken together, by the share of each language's stop words.

    Every word is looked up in the three stop-word lists; the language whose list covers the largest
    share of the words wins when that share is at least :data:`MIN_SHARE`, leads the next by
    :data:`MIN_LEAD` and is larger than the share of each of :data:`OTHER_LANGUAGES`. With fewer
    than :data:`MIN_WORDS` words, or no clear winner, the language is ``None`` (themes then run
    without stop words and there is no sentiment).

    Examples
    --------
    >>> g = detect_language(["Antrean sangat panjang dan petugas tidak ramah", "Pelayanan yang lambat sekali"] * 3)
    >>> g.language, g.source
    ('id', 'detected')
    >>> detect_language(["ok"]).language is None
    True
    """
    sample = _evenly_spaced([str(t) for t in texts if isinstance(t, str) and t.strip()], DETECT_SAMPLE)
    tokens = [w for t in sample for w in words(t)]
    n = len(tokens)
    if n < MIN_WORDS:
        return LanguageGuess(None, (), n, "detected", M.language_too_few_words(n))
    shares = tuple((code, sum(w in stop_words(code) for w in tokens) / n) for code in LANGUAGES)
    others = {name: sum(w in vocab for w in tokens) / n for name, vocab in OTHER_LANGUAGES.items()}
    ranked = sorted(shares, key=lambda s: -s[1])
    (best, share), second = ranked[0], ranked[1][1]
    other, other_share = max(others.items(), key=lambda kv: kv[1])
    if other_share >= share:
        return LanguageGuess(None, shares, n, "detected", _(M.LANGUAGE_OTHER).format(other=_(other), share=format_percent(other_share)))
    if share < MIN_SHARE or share - second < MIN_LEAD:
        return LanguageGuess(None, shares, n, "detected", _(M.LANGUAGE_NONE_FITS).format(share=format_percent(share)))
    name = _(LANGUAGE_NAMES[best])
    return LanguageGuess(best, shares, n, "detected", _(M.LANGUAGE_DETECTED).format(name=name, share=format_percent(share)))


def comment_language(texts: Iterable[str], override: str | None = None) -> LanguageGuess:
    """The manager's choice ``override`` when given (validated), else :func:`detect_language`.

    >>> comment_language(["whatever"], "id").reason
    'Indonesian, chosen by the manager.'
    """
    if override is None or (isinstance(override, str) and not override.strip()):
        return detect_language(texts)
    code = validate_language(override)
    return LanguageGuess(code, (), 0, "manager", _(M.LANGUAGE_CHOSEN).format(name=_(LANGUAGE_NAMES[code])))
