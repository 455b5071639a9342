"""Every session-state key of the dashboard, in one place, and the URL (query-parameter) round trip.

Pages, ``app.py`` and the other ``app_support`` modules use the constants below, never string
literals. A constant exists for every key whose value the app keeps between reruns: plain state,
and the input widgets (their value *is* the session-state value). Keys ending in ``_PREFIX`` are
completed with a name (a column, a label, a saved-survey id, a version number).

Buttons, charts, tables and download buttons hold nothing the app reads back; their keys are short
literal names in their page (``journey_chart``, ``verdict_table``, ``prepare_reports``,
``designer_apply``, ``<chart key>__csv`` ...), unique across the app.

Interface language
    ``LANGUAGE``       selectbox at the top of the sidebar: the interface language, a code of
                       ``cycle_analytics.i18n.LANGUAGES``. Set once per session from ``?lang=``, else the
                       browser's language, else English (:func:`initial_language`); kept in the URL by
                       :func:`write_query_params`; put into the run's context by
                       ``app_support.sidebar.start_session`` at the start of every run.

View and filters (sidebar widgets, rendered on every run so they survive page switches)
    ``SAMPLE``         selectbox: which bundled sample is shown when no file is uploaded (a key of
                       :data:`SAMPLES`).
    ``UPLOAD``         ``st.file_uploader``: the user's survey file (``UploadedFile`` or ``None``).
    ``CYCLE``          selectbox: cycle template stem, :data:`NO_CYCLE` (stages from the file) or
                       :data:`DESIGNED` (the cycle applied on the Cycle designer, ``APPLIED_CYCLE``).
    ``DATE_RANGE``     ``st.date_input`` range ``(date_from, date_to)``; only when the survey has dates.
    ``SEG_PREFIX``     ``+ column``: multiselect of the kept values of one segment column (empty = all).
    ``OUTCOME``        selectbox: an outcome column of the survey, or :data:`PROXY_LABEL`.

The run
    ``SOURCE_ID``      identity of the data source (``"sample:<name>"``, ``"upload:<file_id>"``,
                       ``"saved:<id>"`` or ``"source:<name>"``); when it changes the filters and import
                       options are reset.
    ``WAREHOUSE_SOURCE`` the name of the warehouse source chosen on the Data page (a ``[sources.<name>]``
                       of the secrets, :mod:`app_support.sources`), ``None`` = none; it replaces the
                       sample, an upload replaces it; in the URL as ``source``. ``DATA_WAREHOUSE_PICK``
                       the Data page's selectbox of the sources.
    ``UPLOAD_DIGEST``  ``(file_id, digest)`` of the current upload, so a big file is hashed once.
    ``URL_READ``       true once the query parameters were read at session start.
    ``URL_PENDING``    the view read from the URL, applied once the survey it refers to is loaded.
    ``VIEW``           the :class:`app_support.sidebar.View` of this run, read by the pages
                       (:func:`view`, written by :func:`set_view`).
    ``STAGE``          the stage shown on the Stage detail page (its selector, a click on a stage in
                       a chart, or ``?stage=``).
    ``STAGE_SELECT``   the Stage detail selectbox (mirrors ``STAGE``).
    ``STAGE_SEGMENT``  the Stage detail "by segment" selectbox; ``SEGMENTS_SEGMENT`` the Segments
                       page's one.
    ``THEMES_SCOPE``   the Stage detail themes radio: ``"stage"`` (the stage shown) or ``"survey"``
                       (the whole survey's comments).
    ``COMMENT_LANGUAGE`` the comment language the manager chose: ``"auto"`` (detected) or a code of
                       ``cycle_analytics.text.language.LANGUAGES``; read by the Stage detail themes and
                       the report downloads. ``COMMENT_LANGUAGE_SELECT`` its selectbox on Stage detail
                       (mirrors it, so the choice survives page switches).

Import options and stage mapping (Data page, :mod:`app_support.loaders`)
    ``OVERRIDES``      dict of import options (``stages``, ``na_values``, ``scale``, ``outcome``,
                       ``positive``, ``sheet``, ``stage_map``, ``label_map``); read with
                       :func:`overrides`, written only by :func:`set_overrides`; reset when the data
                       source changes.
    ``MAPPING_REUSED`` ``{"digest", "signature", "saved_at", "stage_map", "options"}``: a saved stage
                       mapping and the reading choices confirmed with it (``options``: scale, N/A
                       codes, outcome, segments, date, stages picked) applied automatically on load
                       (only after the file imported with them).
    ``MAPPING_SKIP``   set of file signatures whose saved mapping this session no longer reuses
                       (after "Undo" or "Reset").
    ``MAPPING_UNUSABLE`` ``(signature, sentence)``: a saved mapping that did not import with this file
                       (it is not applied; the Data page says why).
    ``MAPPING_ERROR``  ``(signature, sentence, stage_map)``: why the mapping grid's ``stage_map`` was not
                       applied (the file does not import with it); nothing was stored.
    ``BROWSER_ID``     this browser's id (``app_support.identity``): the owner of the mapping memory
                       when the app runs without login.
    ``MAPPING_SAVED``  ``(signature, saved_at)`` of the mapping just confirmed on the Data page.
    ``MAPPING_EDITOR`` the mapping review ``st.data_editor``; ``MAPPING_EDITOR_SIG`` the file
                       signature its edits belong to.
    ``NAMES``          ``(source_id, DisplayNames)``: the names the user gave the stages, segments and
                       outcome on the Data page (``cycle_analytics.outputs.display_names``), on top
                       of the names suggested for survey-tool ids; ``NAMES_EDITOR`` their editor.
    ``LABEL_PREFIX``   ``+ label``: selectbox mapping one unknown answer label to a score or N/A.
    ``DATA_STAGES``, ``DATA_NA``, ``DATA_SCALE``, ``DATA_OUTCOME``, ``DATA_POSITIVE``, ``DATA_SEGMENTS``,
                       ``DATA_DATE``, ``DATA_WEIGHT``: the widgets of the "What we read" form (stages, N/A
                       codes, scale, outcome, positive label, segments, date, survey weight).
    ``READING_CONFIRMED`` ``{digest: ISO time}``: uploads whose reading the manager confirmed in this
                       session (:func:`reading_confirmed`; a reused confirmed mapping counts too).

Saved surveys and share links (:mod:`app_support.sharing`)
    ``SAVED_ID``       id of the saved survey requested as the data source (``?survey=<id>`` at
                       session start, or "Open" on the Saved surveys page); ``None`` = none.
    ``SAVED_UNLOCKED`` ``{id: password}`` of protected saved surveys unlocked in this session
                       (server-side session memory only; needed again to save plans to them).
    ``SAVED_MINE``     ids saved or opened in this session (listed on the Saved surveys page when
                       the app runs without login).
    ``SAVED_LINKED``   ``(source_id, id)``: the current upload / sample was saved as ``id`` in this
                       session (its share link and plan saves go to that saved survey).
    ``SAVED_OPTIONS``  the import options of the survey in use: the options key of ``loaders`` for
                       a file or sample, or the saved ``ImportOptions`` of a saved survey.
    ``APP_BASE_URL``   the app's URL in the browser (without page and query), for share links.
    ``LAST_PAGE``      url path of the analysis page last shown (``""`` = Overview): the page a
                       share link opens.
    ``UNLOCK_PASSWORD`` the password box of a protected link.
    ``SAVE_NAME_PREFIX``, ``SAVE_PASSWORD_PREFIX`` ``+ "sidebar" | "page"``: the save panel's boxes.
    ``RENAME_PREFIX``  ``+ id``: the "New name" box of a saved survey (Saved surveys page).
    ``DELETE_SURE_PREFIX`` ``+ id``: the "Yes, delete it" checkbox of a saved survey.
    ``SAVED_EDIT_KEYS`` ``{id: edit key}``: the edit keys this session holds (made when it saved a
                       survey without login, or entered on the Saved surveys page); server-side only.
    ``SAVED_NEW_KEY``  ``(id, edit key)`` of the survey just saved without login: its edit key is
                       shown once, then this key is dropped.
    ``EDIT_KEY_PREFIX`` ``+ id``: the "Edit key" box of a saved survey this session cannot change yet.

Response quality (Data page, :mod:`app_support.screening`)
    ``QUALITY_EXCLUDE`` the response-quality flags whose respondents are left out of every page: a
                       tuple of ``cycle_analytics.stats.quality.FLAGS`` names (empty = flag only, the
                       default); reset when the data source changes; in the URL as ``exclude``.
    ``QUALITY_TOGGLE_PREFIX`` ``+ flag``: the Data page's "Exclude ..." toggle of one flag (its
                       change writes ``QUALITY_EXCLUDE``).
    ``QUALITY_MIN_RATED_SHARE`` the share of the stages (0-1) a respondent must rate not to be
                       flagged incomplete (unset = ``QualitySettings``' 0.5); kept across data sources.
    ``QUALITY_SHARE_INPUT`` the Data page's "Incomplete below (percent of stages)" box (its change
                       writes ``QUALITY_MIN_RATED_SHARE``).

Alerts (Overview page, :mod:`app_support.alerting`)
    ``ALERT_RULES``    ``(source id, AlertRules)``: the alert rules of the survey in use (a saved
                       survey's own at first, else the defaults).
    ``ALERTS_TARGET``, ``ALERTS_DROP``, ``ALERTS_CRITICAL``, ``ALERTS_MIN_DROP``, ``ALERTS_STAGES``:
                       the widgets of the "Alert rules" form.

Action plans and reports (Priorities and Overview pages)
    ``PLANS``          the action-plan table (``cycle_analytics.outputs.plans`` columns, validated)
                       of the survey in use; ``None`` until edited / loaded.
    ``PLANS_SOURCE``   the ``SOURCE_ID`` the plans belong to (plans of another source are ignored).
    ``PLANS_VERSION``  version of the plan editor's key (``PLANS_EDITOR_PREFIX + version``), bumped
                       (:func:`next_version`) when the table is replaced (new source, CSV import),
                       never by the editor's own edits.
    ``PLANS_BASE``     ``(version, table)``: the table the plan editor of that version started from.
                       It stays byte-identical while the editor is shown, so the editor keeps its
                       identity and every edit accumulates in its state (a new base table would make
                       a new editor and drop the edit in flight); rebuilt from ``PLANS`` when the
                       editor is shown again after another page.
    ``PLANS_UPLOAD``   the plan CSV uploader; ``PLANS_UPLOAD_SEEN`` the file id last imported.
    ``EXPORT_READY``   the analysis key + plans fingerprint for which the report downloads were built.

Cycle designer
    ``DESIGNER_TABLE`` the editor's base table; ``DESIGNER_VERSION`` the version of the editor's key
                       (``DESIGNER_EDITOR_PREFIX + version``), bumped to drop the edits.
    ``DESIGNER_NAME``, ``DESIGNER_DESCRIPTION``, ``DESIGNER_SCALE``, ``DESIGNER_START``: widgets.
    ``DESIGNER_UPLOAD`` the cycle-file uploader; ``DESIGNER_UPLOAD_ID`` the file id last loaded.
    ``DESIGNER_CYCLE`` YAML of the last valid design (read by the Survey builder).
    ``DESIGNER_LANGUAGE`` the interface language the editor's texts were put in; when the manager
                       switches languages, the design is put in the new one (a template's texts
                       change language, the manager's own stay as written).
    ``APPLIED_CYCLE``  YAML of the design applied to the survey in use (read by the sidebar);
                       ``APPLIED_SEEN`` the applied YAML the sidebar last switched ``CYCLE`` to.

Survey builder
    ``BUILDER_SOURCE``, ``BUILDER_SCALE``, ``BUILDER_LABELS``, ``BUILDER_ORG``, ``BUILDER_OVERALL``,
    ``BUILDER_RECOMMEND``, ``BUILDER_COMMENTS``, ``BUILDER_SEGMENTS`` (segment-question editor) and
    ``BUILDER_NA_PREFIX + cycle name`` (stages with a "Not applicable" answer): widgets.

URL: ``?sample=<name>&cycle=<stem>&from=YYYY-MM-DD&to=YYYY-MM-DD&seg.<column>=<value>&...
&outcome=<column>|none&stage=<stage name>&exclude=<flag>,<flag>&lang=id|es`` (repeated ``seg.<column>`` keys for several
values; ``lang`` only when it is not English); a share link has ``survey=<saved survey id>`` instead
of ``sample``, a warehouse source ``source=<name>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING

import streamlit as st

from cycle_analytics.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, current_language, language_from_locale

if TYPE_CHECKING:  # for annotations only: the sidebar module imports this one
    from app_support.sidebar import View

# ---------------------------------------------------------------- interface language
LANGUAGE = "interface_language"

# ---------------------------------------------------------------- view and filters
SAMPLE = "sample"
UPLOAD = "upload"
CYCLE = "cycle"
DATE_RANGE = "date_range"
SEG_PREFIX = "seg__"
OUTCOME = "outcome"

# ---------------------------------------------------------------- the run
SOURCE_ID = "source_id"
WAREHOUSE_SOURCE = "warehouse_source"
DATA_WAREHOUSE_PICK = "data_warehouse_pick"
UPLOAD_DIGEST = "upload_digest"
URL_READ = "url_read"
URL_PENDING = "url_pending"
VIEW = "view"
STAGE = "stage"
STAGE_SELECT = "stage_select"
STAGE_SEGMENT = "stage_detail_segment"
SEGMENTS_SEGMENT = "segments_page_segment"
THEMES_SCOPE = "stage_detail_themes_scope"
COMMENT_LANGUAGE = "comment_language"
COMMENT_LANGUAGE_SELECT = "comment_language_select"

# ---------------------------------------------------------------- import options and stage mapping
OVERRIDES = "import_overrides"
MAPPING_REUSED = "data_mapping_reused"
MAPPING_SKIP = "data_mapping_skip"
MAPPING_UNUSABLE = "data_mapping_unusable"
MAPPING_ERROR = "data_mapping_error"
BROWSER_ID = "browser_id"
MAPPING_SAVED = "data_mapping_saved"
MAPPING_EDITOR = "data_mapping_editor"
MAPPING_EDITOR_SIG = "data_mapping_editor_sig"
NAMES = "display_names"
NAMES_EDITOR = "data_names_editor"
LABEL_PREFIX = "data_label__"
DATA_STAGES = "data_stages"
DATA_NA = "data_na"
DATA_SCALE = "data_scale"
DATA_OUTCOME = "data_outcome"
DATA_POSITIVE = "data_positive"
DATA_SEGMENTS = "data_segments"
DATA_DATE = "data_date"
DATA_WEIGHT = "data_weight"
READING_CONFIRMED = "data_reading_confirmed"

# ---------------------------------------------------------------- saved surveys and share links
SAVED_ID = "saved_survey_id"
SAVED_UNLOCKED = "saved_unlocked"
SAVED_MINE = "saved_mine"
SAVED_LINKED = "saved_linked"
SAVED_OPTIONS = "saved_options"
APP_BASE_URL = "app_base_url"
LAST_PAGE = "last_page"
UNLOCK_PASSWORD = "unlock_password"
SAVE_NAME_PREFIX = "save_name_"
SAVE_PASSWORD_PREFIX = "save_password_"
RENAME_PREFIX = "rename_"
DELETE_SURE_PREFIX = "delete_sure_"
SAVED_EDIT_KEYS = "saved_edit_keys"
SAVED_NEW_KEY = "saved_new_edit_key"
EDIT_KEY_PREFIX = "edit_key_"

# ---------------------------------------------------------------- response quality and alerts
QUALITY_EXCLUDE = "quality_exclude"
QUALITY_TOGGLE_PREFIX = "quality_toggle__"
QUALITY_MIN_RATED_SHARE = "quality_min_rated_share"
QUALITY_SHARE_INPUT = "quality_share_input"
ALERT_RULES = "alert_rules"
ALERTS_TARGET = "alerts_below_target"
ALERTS_DROP = "alerts_significant_drop"
ALERTS_CRITICAL = "alerts_new_critical"
ALERTS_MIN_DROP = "alerts_min_drop"
ALERTS_STAGES = "alerts_stages"

# ---------------------------------------------------------------- action plans and reports
PLANS = "action_plans"
PLANS_SOURCE = "action_plans_source"
PLANS_VERSION = "action_plans_version"
PLANS_EDITOR_PREFIX = "plans_editor_"
PLANS_BASE = "action_plans_base"
PLANS_UPLOAD = "plans_upload"
PLANS_UPLOAD_SEEN = "action_plans_upload_seen"
EXPORT_READY = "export_ready"

# ---------------------------------------------------------------- cycle designer
DESIGNER_TABLE = "designer_table"
DESIGNER_VERSION = "designer_version"
DESIGNER_EDITOR_PREFIX = "designer_editor_"
DESIGNER_NAME = "designer_name"
DESIGNER_DESCRIPTION = "designer_description"
DESIGNER_SCALE = "designer_scale"
DESIGNER_START = "designer_start"
DESIGNER_UPLOAD = "designer_upload"
DESIGNER_UPLOAD_ID = "designer_upload_id"
DESIGNER_CYCLE = "designer_cycle"
DESIGNER_LANGUAGE = "designer_language"
APPLIED_CYCLE = "applied_cycle"
APPLIED_SEEN = "applied_cycle_seen"

# ---------------------------------------------------------------- survey builder
BUILDER_SOURCE = "builder_source"
BUILDER_SCALE = "builder_scale"
BUILDER_LABELS = "builder_labels"
BUILDER_ORG = "builder_org"
BUILDER_OVERALL = "builder_overall"
BUILDER_RECOMMEND = "builder_recommend"
BUILDER_COMMENTS = "builder_comments"
BUILDER_SEGMENTS = "builder_segments"
BUILDER_NA_PREFIX = "builder_na__"

# ---------------------------------------------------------------- option values
NO_CYCLE = N_("(stages from the file)")  # an option value: shown through gettext
DESIGNED = "(designed cycle)"  # CYCLE option: the cycle applied from the Cycle designer
PROXY_LABEL = N_("None (proxy)")  # an option value: shown through gettext

# Bundled samples: name -> (file in data/sample, default cycle template stem, label marked for translation)
SAMPLES: dict[str, tuple[str, str, str]] = {
    "bank_visit": ("bank_visit_long.csv", "bank_visit", N_("Bank branch visit (sample)")),  # short: fits the sidebar
    "customer_lifecycle": ("customer_lifecycle_wide.csv", "customer_lifecycle", N_("Customer lifecycle (sample)")),
}
DEFAULT_SAMPLE = "bank_visit"
#: The N/A codes each bundled sample declares (data/sample/README.md), as the command-line examples
#: do (``--na-values N/A``): the samples open with no answer rejected for being "not applicable".
SAMPLE_NA_VALUES: dict[str, tuple[str, ...]] = {"bank_visit": ("N/A",), "customer_lifecycle": ("0",)}

# ---------------------------------------------------------------- query-parameter names
Q_SAMPLE, Q_CYCLE, Q_FROM, Q_TO, Q_OUTCOME, Q_STAGE, Q_SEG = "sample", "cycle", "from", "to", "outcome", "stage", "seg."
Q_SURVEY = "survey"
Q_SOURCE = "source"
Q_EXCLUDE = "exclude"
Q_LANG = "lang"


# ---------------------------------------------------------------- session


def init_session() -> None:
    """Set the defaults and read the URL once per session (first thing of every run)."""
    ss = st.session_state
    if OVERRIDES not in ss:
        set_overrides({})
    ss.setdefault(STAGE, None)
    if not ss.get(URL_READ):
        ss[URL_READ] = True
        pending = read_query_params(st.query_params)
        ss[URL_PENDING] = pending
        if pending.get(Q_SAMPLE) in SAMPLES:
            ss[SAMPLE] = pending[Q_SAMPLE]
        if Q_SURVEY in pending:
            ss[SAVED_ID] = str(pending[Q_SURVEY])
        if pending.get(Q_SOURCE):
            ss[WAREHOUSE_SOURCE] = str(pending[Q_SOURCE])
    ss.setdefault(SAMPLE, DEFAULT_SAMPLE)


def overrides() -> dict:
    """A copy of the import options chosen on the Data page (``OVERRIDES``)."""
    return dict(st.session_state.get(OVERRIDES) or {})


def set_overrides(new: Mapping, ss: MutableMapping | None = None) -> None:
    """Replace the import options (``OVERRIDES``): the only writer of that key."""
    ss = st.session_state if ss is None else ss
    ss[OVERRIDES] = dict(new)


def source_overrides(source_id: str | None) -> dict:
    """The import options a data source opens with: a bundled sample's N/A codes, else none.

    >>> source_overrides("sample:bank_visit")
    {'na_values': ('N/A',)}
    >>> source_overrides("upload:x")
    {}
    """
    source_id = str(source_id or "")
    if source_id.startswith("sample:") and SAMPLE_NA_VALUES.get(source_id.split(":", 1)[1]):
        return {"na_values": SAMPLE_NA_VALUES[source_id.split(":", 1)[1]]}
    return {}


def next_version(key: str) -> int:
    """Bump the version counter ``key`` (a new editor key drops the editor's edits); returns it."""
    st.session_state[key] = st.session_state.get(key, 0) + 1
    return st.session_state[key]


def reset_for_new_source(ss: MutableMapping | None = None) -> None:
    """Forget the filters, import options and selected stage (the data source changed)."""
    ss = st.session_state if ss is None else ss
    for key in list(ss.keys()):
        if key.startswith((SEG_PREFIX, QUALITY_TOGGLE_PREFIX)) or key in (
                DATE_RANGE, OUTCOME, STAGE_SELECT, EXPORT_READY, QUALITY_EXCLUDE, ALERTS_TARGET, ALERTS_DROP,
                ALERTS_CRITICAL, ALERTS_MIN_DROP, ALERTS_STAGES):
            del ss[key]
    set_overrides({}, ss)
    ss[STAGE] = None


def reading_confirmed(digest: str, ss: Mapping | None = None) -> bool:
    """Whether the manager confirmed what was read from the file ``digest``: on the Data page in this
    session, or earlier for a file with the same columns (its confirmed mapping was reused).

    >>> reading_confirmed("upload:ab", {READING_CONFIRMED: {"upload:ab": "2026-01-01T10:00:00+00:00"}})
    True
    >>> reading_confirmed("upload:cd", {MAPPING_REUSED: {"digest": "upload:cd"}})
    True
    """
    ss = st.session_state if ss is None else ss
    return digest in (ss.get(READING_CONFIRMED) or {}) or (ss.get(MAPPING_REUSED) or {}).get("digest") == digest


def segment_key(column: str) -> str:
    """The sidebar multiselect key of segment ``column``."""
    return SEG_PREFIX + column


def view() -> View | None:
    """The :class:`app_support.sidebar.View` of this run (``None`` before the sidebar ran)."""
    return st.session_state.get(VIEW)


def set_view(current: View) -> None:
    """Keep the :class:`app_support.sidebar.View` of this run for the page (called by ``app.py``)."""
    st.session_state[VIEW] = current


# ---------------------------------------------------------------- URL


def read_query_params(qp) -> dict:
    """The view described by the URL: ``{"sample", "cycle", "from", "to", "outcome", "stage", "survey",
    "exclude", "segments"}``."""
    out: dict = {}
    for k in (Q_SAMPLE, Q_CYCLE, Q_FROM, Q_TO, Q_OUTCOME, Q_STAGE, Q_SURVEY, Q_EXCLUDE, Q_SOURCE):
        if k in qp:
            out[k] = qp.get(k)
    segs = {}
    for k in qp.keys():
        if k.startswith(Q_SEG) and len(k) > len(Q_SEG):
            segs[k[len(Q_SEG):]] = [v for v in qp.get_all(k) if v != ""]
    if segs:
        out["segments"] = segs
    return out


def parse_date(text: str | None) -> dt.date | None:
    """An ISO date from the URL, ``None`` when absent or malformed."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def desired_query_params(*, sample: str | None, cycle: str | None, date_range, full_range, segments: dict,
                         outcome: str | None, default_outcome: str | None, stage: str | None,
                         survey: str | None = None, exclude: tuple[str, ...] = (), source: str | None = None) -> dict:
    """The query parameters for the current view (defaults are left out to keep links short);
    ``survey`` is the id of the saved survey in use; ``exclude`` the response-quality flags left out;
    ``source`` the name of the warehouse source in use."""
    qp: dict = {}
    if survey:
        qp[Q_SURVEY] = survey
    if source:
        qp[Q_SOURCE] = source
    if sample:
        qp[Q_SAMPLE] = sample
    if cycle:
        qp[Q_CYCLE] = cycle
    if date_range and full_range and tuple(date_range) != tuple(full_range):
        qp[Q_FROM] = date_range[0].isoformat()
        qp[Q_TO] = date_range[1].isoformat()
    for col, vals in segments.items():
        if vals:
            qp[Q_SEG + col] = [str(v) for v in vals]
    if outcome != default_outcome:
        qp[Q_OUTCOME] = outcome if outcome else "none"
    if stage:
        qp[Q_STAGE] = stage
    if exclude:
        qp[Q_EXCLUDE] = ",".join(exclude)
    return qp


def _normalise(qp: Mapping) -> dict:
    return {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in qp.items()}


def current_query_params() -> dict[str, list[str]]:
    """The URL's query parameters, every value as a list."""
    return {k: st.query_params.get_all(k) for k in st.query_params.keys()}


def initial_language(url_value: str | None, browser_locale: str | None, accept_language: str | None = None) -> str:
    """The interface language a session opens in: ``?lang=`` when it names one, else the browser's
    language (``st.context.locale``, then the Accept-Language header) when it is one, else English.

    >>> initial_language("es", "id-ID"), initial_language(None, "id-ID"), initial_language("xx", "fr-FR", "fr,es;q=0.8")
    ('es', 'id', 'es')
    >>> initial_language(None, None)
    'en'
    """
    if isinstance(url_value, str) and url_value.strip().casefold() in LANGUAGES:
        return url_value.strip().casefold()
    return language_from_locale(browser_locale) or language_from_locale(accept_language) or DEFAULT_LANGUAGE


def with_language(desired: dict) -> dict:
    """``desired`` query parameters with the interface language of this run (``lang``; left out for English)."""
    out = {k: v for k, v in desired.items() if k != Q_LANG}
    if current_language() != DEFAULT_LANGUAGE:
        out[Q_LANG] = current_language()
    return out


def write_query_params(desired: dict) -> None:
    """Write ``desired`` (with the interface language, :func:`with_language`) to the URL when it
    differs from what the URL holds."""
    desired = with_language(desired)
    if _normalise(current_query_params()) != _normalise(desired):
        st.query_params.from_dict(desired)
