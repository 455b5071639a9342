"""The interface in three languages: gettext catalogues, the current language, locale formatting.

Every text a manager reads is written in English in the code, marked for translation, and
translated through the GNU gettext catalogues of ``cycle_analytics/locale`` (Babel reads and
compiles them). No other module keeps a dictionary of translations.

Writing translatable code
-------------------------
* ``from cycle_analytics.i18n import gettext as _`` (the layer check forbids importing a name
  that starts with an underscore, so the module defines ``gettext`` and callers bind it to ``_``).
* A sentence is one whole template with named placeholders, filled *after* translation, so a
  translator can reorder the words::

      _("Among {n} customers, {k} rated {stage} badly.").format(n=n, k=k, stage=stage)

  never ``_("Among ") + str(n) + _(" customers")``.
* Counted nouns go through :func:`ngettext` (English and Spanish have two plural forms,
  Indonesian one): ``ngettext("{n} stage", "{n} stages", n).format(n=n)``.
* A short word whose meaning depends on where it stands takes a context: ``pgettext("verdict",
  "Critical moment")``. The cycle templates' texts use the context :data:`TEMPLATE_CONTEXT`.
* A module-level constant is marked with :func:`N_` (it returns its argument unchanged, so the
  constant stays English) and translated where it is shown: ``_(HEADING)``. Translating at import
  time would freeze the language of the first user.
* Numbers and dates shown to a person go through :func:`format_number`, :func:`format_decimal`,
  :func:`format_percent`, :func:`format_p_value` and :func:`format_date` (Babel, CLDR data):
  ``1,234.50`` in English is ``1.234,50`` in Indonesian and Spanish.

The current language
--------------------
The language lives in a :class:`contextvars.ContextVar`. Streamlit runs each session's script in
its own thread, and a new thread starts with the variable's default (English), so one manager's
choice never leaks into another's session; the app sets it at the start of every run
(``app_support.sidebar.start_session``). Code outside the app (reports, the command line, tests)
uses :func:`using_language`. Work handed to another thread or process does not inherit the
variable: run it with ``contextvars.copy_context().run`` or pass the language explicitly.

Catalogues
----------
``cycle_analytics/locale/messages.pot`` is the template extracted from the code with Babel;
``cycle_analytics/locale/<lang>/LC_MESSAGES/messages.po`` hold the translations (a glossary of
the method's terms is at the top of each). They are compiled in memory at first use
(``read_po`` -> ``write_mo`` into a buffer -> :class:`babel.support.Translations`, about 0.1 s per
language, once per process), so no binary ``.mo`` file is kept in the repository and none can be
out of date. After changing texts in the code (run from the repository root)::

    python -m babel.messages.frontend extract -F babel.cfg -k NP_:1c,2 --no-wrap --sort-by-file \\
        --project="Service Cycle Analytics" -c "Translators:" -o cycle_analytics/locale/messages.pot .
    python -m babel.messages.frontend update --no-wrap --ignore-obsolete \\
        -i cycle_analytics/locale/messages.pot -d cycle_analytics/locale

(``python -m`` rather than the ``pybabel`` script, so that Babel can import this module's
template extractor)

then write the new ``msgstr`` entries (``tests/test_i18n.py`` fails while one is empty or fuzzy).
``babel.cfg`` maps the Python files and the cycle templates (:func:`extract_cycle_templates`).

Examples
--------
>>> with using_language("id"):
...     gettext("Critical moment"), format_decimal(1234.5), format_percent(0.25)
('Momen kritis', '1.234,50', '25%')
>>> with using_language("es"):
...     ngettext("{n} stage", "{n} stages", 3).format(n=3), format_number(12345)
('3 etapas', '12.345')
>>> current_language()
'en'
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import io
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import babel.dates
import babel.lists
import babel.numbers
import yaml
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from cycle_analytics.errors import SurveyError

__all__ = [
    "LANGUAGES", "LANGUAGE_AUTONYMS", "DEFAULT_LANGUAGE", "LOCALE_DIR", "DOMAIN", "TEMPLATE_CONTEXT", "MISSING",
    "current_language", "current_locale", "set_language", "reset_language", "using_language",
    "validate_interface_language", "language_from_locale",
    "gettext", "ngettext", "pgettext", "npgettext", "N_", "NP_", "EXTRACTION_KEYWORDS",
    "catalog", "translations", "translations_of", "source_message",
    "format_number", "format_decimal", "format_percent", "format_p_value", "format_date", "format_list",
    "extract_cycle_templates",
]

#: The interface languages (ISO 639-1), English first: the language of the code and the fallback.
LANGUAGES = ("en", "id", "es")
#: Each language by its own name, as the language selector shows it (never translated).
LANGUAGE_AUTONYMS = {"en": "English", "id": "Bahasa Indonesia", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
#: The gettext context of the bundled cycle templates' names, phases, descriptions and questions.
TEMPLATE_CONTEXT = "cycle template"
#: What a number or date formatter shows for a missing value.
MISSING = "–"

# The Babel locale of the current run ("en", "id", "es" or a regional form such as "es_MX", which
# formats numbers as Mexico does). A new thread starts with the default.
_LOCALE: contextvars.ContextVar[str] = contextvars.ContextVar("cycle_analytics_locale", default=DEFAULT_LANGUAGE)
_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------------
# The current language


def validate_interface_language(language: object) -> str:
    """``language`` as one of :data:`LANGUAGES`, or :class:`SurveyError` with one sentence.

    >>> validate_interface_language(" ES ")
    'es'
    """
    code = str(language).strip().casefold() if isinstance(language, str) else None
    if code not in LANGUAGES:
        raise SurveyError(gettext("The interface language must be one of {languages}, not {language!r}.").format(
            languages=", ".join(LANGUAGES), language=language))
    return code


def language_from_locale(tag: str | None) -> str | None:
    """The interface language of a browser locale (``navigator.language`` or an Accept-Language
    header), or ``None`` when it is none of :data:`LANGUAGES`.

    >>> language_from_locale("id-ID"), language_from_locale("es-419"), language_from_locale("in")
    ('id', 'es', 'id')
    >>> language_from_locale("fr-FR,fr;q=0.9,es;q=0.8"), language_from_locale(None)
    ('es', None)
    """
    if not tag:
        return None
    for part in str(tag).split(","):
        code = part.split(";")[0].strip().replace("_", "-").split("-")[0].casefold()
        code = {"in": "id"}.get(code, code)  # "in" is the old ISO code of Indonesian (older Java browsers)
        if code in LANGUAGES:
            return code
    return None


def _locale_for(language: str, browser_locale: str | None) -> str:
    """The Babel locale for ``language``: the browser's regional form when it is of that language
    and Babel knows it (``es-MX`` -> ``es_MX``), else the language itself."""
    if browser_locale and language_from_locale(browser_locale) == language:
        first = str(browser_locale).split(",")[0].split(";")[0].strip().replace("-", "_")
        try:
            return str(Locale.parse(first)) if Locale.parse(first).language == language else language
        except (ValueError, UnknownLocaleError):
            return language
    return language


def set_language(language: str, *, browser_locale: str | None = None) -> contextvars.Token:
    """Make ``language`` the language of this context (this Streamlit run, this thread).

    ``browser_locale`` (for example ``"es-MX"``) refines only the number and date formats when it
    is of the same language. Returns the token for :func:`reset_language`.
    """
    code = validate_interface_language(language)
    return _LOCALE.set(_locale_for(code, browser_locale))


def reset_language(token: contextvars.Token) -> None:
    """Undo the :func:`set_language` that returned ``token``."""
    _LOCALE.reset(token)


@contextmanager
def using_language(language: str, *, browser_locale: str | None = None) -> Iterator[str]:
    """Run a block in ``language`` (reports for a given language, tests); yields the code."""
    token = set_language(language, browser_locale=browser_locale)
    try:
        yield current_language()
    finally:
        reset_language(token)


def current_locale() -> str:
    """The Babel locale identifier of this context (``"en"``, ``"id"``, ``"es"``, ``"es_MX"`` ...)."""
    return _LOCALE.get()


def current_language() -> str:
    """The interface language of this context: one of :data:`LANGUAGES`."""
    return _LOCALE.get().split("_")[0]


# --------------------------------------------------------------------------------------------
# Catalogues


def _po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalog(language: str) -> Catalog:
    """The Babel :class:`~babel.messages.catalog.Catalog` of ``language`` as read from its ``.po`` file
    (English has no file: an empty catalogue)."""
    code = validate_interface_language(language)
    if code == DEFAULT_LANGUAGE:
        return Catalog(locale=code, domain=DOMAIN)
    with _po_path(code).open("rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled translations of ``language`` (English: the identity), compiled once per process.

    Fuzzy entries are left out, as ``msgfmt`` does: an entry a person has not confirmed shows English.
    """
    code = validate_interface_language(language)
    if code == DEFAULT_LANGUAGE:
        return NullTranslations()
    with _LOCK:
        buffer = io.BytesIO()
        write_mo(buffer, catalog(code), use_fuzzy=False)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)


def gettext(message: str) -> str:
    """``message`` in the current language (as written when it has no translation)."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted sentence for ``n`` in the current language (fill ``{n}`` afterwards)."""
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, in ``context`` (a word that means different things)."""
    return translations(current_language()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """:func:`ngettext` in ``context``."""
    return translations(current_language()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention (gettext_noop)
    """Mark ``message`` for extraction without translating it (module-level constants);
    translate it where it is shown with :func:`gettext`."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802 - pgettext_noop
    """Mark ``message`` in ``context`` for extraction without translating it; translate it where it
    is shown with :func:`pgettext` (the answer labels of :mod:`cycle_analytics.ingest.labels`)."""
    return message


#: The functions Babel extracts messages from: its defaults and :func:`NP_` (context, message).
EXTRACTION_KEYWORDS = {**DEFAULT_KEYWORDS, "NP_": ((1, "c"), 2)}


@functools.cache
def _family_index(context: str) -> dict[str, str]:
    """Every text of ``context`` in every language (case-folded) -> its English msgid."""
    index: dict[str, str] = {}
    for language in LANGUAGES[1:]:
        for message in catalog(language):
            if message.id and message.context == context and isinstance(message.id, str) and message.string:
                index.setdefault(message.id.casefold(), message.id)
                index.setdefault(str(message.string).casefold(), message.id)
    return index


def source_message(text: str, context: str = TEMPLATE_CONTEXT) -> str | None:
    """The English msgid of ``text``, which may be that msgid or a translation of it in any
    language, or ``None`` when ``text`` is in no catalogue under ``context``.

    >>> source_message("Menunggu giliran Anda")
    'Waiting for your turn'
    """
    return _family_index(context).get(str(text).casefold())


def translations_of(text: str, context: str = TEMPLATE_CONTEXT) -> tuple[str, ...]:
    """``text`` in every language, English first, when it is a catalogue text of ``context`` in any
    of them; else ``(text,)``. The importer uses it to read a survey whose columns are named in
    another language than the cycle.

    >>> translations_of("Esperar su turno")
    ('Waiting for your turn', 'Menunggu giliran Anda', 'Esperar su turno')
    """
    msgid = source_message(text, context)
    if msgid is None:
        return (text,)
    out = [msgid]
    for language in LANGUAGES[1:]:
        found = catalog(language).get(msgid, context=context)
        if found is not None and found.string and not found.fuzzy:
            out.append(str(found.string))
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------------------------
# Numbers and dates


def _finite(value: object) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


@functools.cache
def _pattern(digits: int, *, percent: bool = False, signed: bool = False) -> str:
    body = "#,##0" + ("." + "0" * digits if digits > 0 else "") + ("%" if percent else "")
    return f"+{body};-{body}" if signed else body


def _rounded(value: float, digits: int) -> Decimal:
    """``value`` rounded as Python's ``format`` rounds it (so English output is unchanged), as a
    Decimal Babel then shows without rounding it again."""
    return Decimal(f"{value:.{max(digits, 0)}f}")


def format_list(items, *, style: str = "standard") -> str:
    """Names joined as the current language lists them (Babel's CLDR list patterns; ``style="or"``
    for alternatives).

    >>> format_list(["Wait", "Pay", "Leave"]), format_list(["1", "2"], style="or")
    ('Wait, Pay, and Leave', '1 or 2')
    >>> with using_language("id"):
    ...     format_list(["Wait", "Pay"])
    'Wait dan Pay'
    """
    return babel.lists.format_list([str(i) for i in items], style=style, locale=current_locale())


def format_number(value: object) -> str:
    """A whole number with the thousands separator of the current language, or :data:`MISSING`.

    >>> format_number(1234.4), format_number(None)
    ('1,234', '–')
    >>> with using_language("id"):
    ...     format_number(1234567)
    '1.234.567'
    """
    v = _finite(value)
    if v is None:
        return MISSING
    return babel.numbers.format_decimal(_rounded(v, 0), format=_pattern(0), locale=current_locale())


def format_decimal(value: object, digits: int = 2, *, signed: bool = False) -> str:
    """``value`` with ``digits`` decimals and thousands separators in the current language, or
    :data:`MISSING`; ``signed`` writes ``+`` before a positive value.

    >>> format_decimal(3.14159), format_decimal(1234.5, 1), format_decimal(0.4, signed=True)
    ('3.14', '1,234.5', '+0.40')
    >>> with using_language("es"):
    ...     format_decimal(-1234.567)
    '-1.234,57'
    """
    v = _finite(value)
    if v is None:
        return MISSING
    return babel.numbers.format_decimal(_rounded(v, digits), format=_pattern(digits, signed=signed),
                                        locale=current_locale(), decimal_quantization=False)


def format_percent(share: object, digits: int = 0) -> str:
    """A share (0.253) as a percentage in the current language (``25%``, ``25 %`` in Spanish), or
    :data:`MISSING`.

    >>> format_percent(0.253), format_percent(0.2534, 1)
    ('25%', '25.3%')
    """
    v = _finite(share)
    if v is None:
        return MISSING
    return babel.numbers.format_decimal(_rounded(v * 100, digits), format=_pattern(digits), locale=current_locale(),
                                        decimal_quantization=False) + _percent_sign()


def _percent_sign() -> str:
    """The percent sign with the spacing of the current locale (Spanish writes a no-break space before it)."""
    probe = babel.numbers.format_percent(0.09, locale=current_locale())  # the locale's pattern: "9%", "9 %"
    return probe[probe.index("9") + 1:]


def format_p_value(value: object) -> str:
    """A p-value with three decimals, ``"< 0.001"`` below that, :data:`MISSING` when missing.

    >>> format_p_value(0.0312), format_p_value(0.0004), format_p_value(None)
    ('0.031', '< 0.001', '–')
    """
    v = _finite(value)
    if v is None:
        return MISSING
    return f"< {format_decimal(0.001, 3)}" if v < 0.001 else format_decimal(v, 3)


def format_date(value: object, format: str = "medium") -> str:  # noqa: A002 - Babel's own parameter name
    """A date (``datetime.date``, a datetime, a pandas Timestamp or ISO text) in the current
    language: ``format`` is ``"short"``, ``"medium"``, ``"long"`` or a CLDR pattern; :data:`MISSING`
    when it is missing.

    >>> format_date(dt.date(2026, 3, 5))
    'Mar 5, 2026'
    >>> with using_language("id"):
    ...     format_date("2026-03-05", "long")
    '5 Maret 2026'
    """
    if value is None or value != value:  # None, NaN and pandas' NaT (never equal to itself)
        return MISSING
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp (NaT has no date)
        try:
            value = value.to_pydatetime()
        except ValueError:
            return MISSING
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return MISSING
    return babel.dates.format_date(value, format=format, locale=current_locale())


# --------------------------------------------------------------------------------------------
# Extraction of the cycle templates' texts (babel.cfg)

#: The template fields a person reads: the cycle's and each stage's.
_TEMPLATE_FIELDS = ("name", "description")
_STAGE_FIELDS = ("name", "phase", "description", "question")


def extract_cycle_templates(fileobj, keywords, comment_tags, options):
    """Babel extraction method for the cycle templates (``cycle_analytics/templates/*.yaml``):
    yields the cycle's name and description and each stage's name, phase, description and question
    as ``pgettext(TEMPLATE_CONTEXT, text)`` messages, with the field as translator comment.

    Named in ``babel.cfg`` as ``[cycle_analytics.i18n.extract_cycle_templates: ...]``.
    """
    text = fileobj.read()
    text = text.decode(options.get("encoding", "utf-8")) if isinstance(text, bytes) else text
    root = yaml.compose(text)
    if root is None or not isinstance(root, yaml.MappingNode):
        return

    def fields(node: yaml.MappingNode, wanted: tuple[str, ...], where: str):
        for key, value in node.value:
            if key.value in wanted and isinstance(value, yaml.ScalarNode) and str(value.value).strip():
                # the scalar's value as cycles.load_cycle reads it (folded, ">-" already applied)
                yield value.start_mark.line + 1, "pgettext", (TEMPLATE_CONTEXT, value.value), [f"{where} {key.value}"]

    yield from fields(root, _TEMPLATE_FIELDS, "cycle")
    for key, value in root.value:
        if key.value == "stages" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode):
                    yield from fields(item, _STAGE_FIELDS, "stage")
