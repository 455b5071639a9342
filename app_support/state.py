"""Session-state keys of the dashboard, in one place, and the URL (query-parameter) round trip.

Every key the app stores in ``st.session_state`` is a constant below; pages and ``app.py`` use the
constants, never string literals.

Widget keys (their value *is* the session-state value; rendered in ``app.py`` on every run, so they
survive page switches):

``SAMPLE``        selectbox: which bundled sample is shown when no file is uploaded
                  (a key of :data:`SAMPLES`).
``UPLOAD``        sidebar ``st.file_uploader``: the user's survey file (``UploadedFile`` or ``None``).
``CYCLE``         selectbox: cycle template stem, :data:`NO_CYCLE` (stages from the file) or
                  :data:`DESIGNED` (the cycle applied on the Cycle designer page, ``APPLIED_CYCLE``).
``DATE_RANGE``    ``st.date_input`` range: ``(date_from, date_to)``; only when the survey has dates.
``SEG_PREFIX``    ``SEG_PREFIX + column``: multiselect of the kept values of one segment column
                  (empty = no filter on that column).
``OUTCOME``       selectbox: an outcome column of the survey, or :data:`PROXY_LABEL`.

Plain state (not widgets):

``STAGE``         the stage shown on the Stage detail page (set by its selector or by clicking a
                  stage in the journey / priority / penalty chart).
``OVERRIDES``     dict of import options chosen on the Data page (``stages``, ``na_values``,
                  ``scale``, ``outcome``, ``positive``, ``sheet``); reset when the data source changes.
``SOURCE_ID``     identity of the current data source (``"sample:<name>"`` or
                  ``"upload:<file_id>"``); when it changes, the filters and overrides are reset.
``UPLOAD_DIGEST`` ``(file_id, sha256 hex)`` of the current upload, so big files are hashed once.
``URL_READ``      true once the query parameters were read at session start.
``URL_PENDING``   view read from the URL, applied once the survey it refers to is loaded.
``VIEW``          the :class:`app_support.loaders.View` of this run (survey, filtered survey,
                  analysis, error), computed in ``app.py`` and read by the pages.

Saved surveys, share links and action plans (``app_support.sharing``):

``SAVED_ID``       id of the saved survey requested as the data source (``?survey=<id>`` at
                  session start, or "Open" on the Saved surveys page); ``None`` = none.
``SAVED_UNLOCKED`` dict ``{id: password}`` of protected saved surveys unlocked in this session
                  (server-side session memory only; needed again to save plans to them).
``SAVED_MINE``     ids saved or opened in this session (listed on the Saved surveys page when the
                  app runs without login).
``SAVED_LINKED``   ``(source_id, id)``: the current upload / sample was saved as ``id`` in this
                  session (its share link and plan saves go to that saved survey).
``SAVED_OPTIONS``  the import options of the survey in use: the options key of ``loaders`` for a
                  file or sample, or the saved ``ImportOptions`` of a saved survey.
``PLANS``          the action-plan table (``cycle_analytics.outputs.plans`` columns, validated) of the
                  survey in use; ``None`` until edited / loaded. ``PLANS_SOURCE`` is the
                  ``SOURCE_ID`` it belongs to (plans of another source are ignored);
                  ``PLANS_VERSION`` the version of the plan editor's key (``plans_editor_<n>``),
                  bumped when the table is replaced; ``PLANS_UPLOAD_SEEN`` the file id of the last
                  imported plan CSV.
``APP_BASE_URL``   the app's URL in the browser (without page and query), for share links.
``LAST_PAGE``      url path of the analysis page last shown (``""`` = Overview): the page a share
                  link opens.
``EXPORT_READY``   the analysis key + plans fingerprint for which the report downloads were built.

Page-local keys (owned by their pages, listed here so names never clash): Stage detail
``stage_detail_segment``; Segments ``segments_page_segment``; Data ``data_stages``, ``data_na``,
``data_scale``, ``data_outcome``, ``data_positive`` (form ``import_choices``); Cycle designer
``designer_table``, ``designer_version``, ``designer_name``, ``designer_description``,
``designer_scale``, ``designer_start``, ``designer_upload``, ``designer_upload_id`` and
:data:`DESIGNER_CYCLE` / :data:`APPLIED_CYCLE`; Survey builder ``builder_*``. Chart keys
(``journey_chart``, ``penalty_chart``, ``priority_chart``, ...) hold Plotly selection events.

URL: ``?sample=<name>&cycle=<stem>&from=YYYY-MM-DD&to=YYYY-MM-DD&seg.<column>=<value>&...
&outcome=<column>|none&stage=<stage name>`` (repeated ``seg.<column>`` keys for several values);
a share link has ``survey=<saved survey id>`` instead of ``sample``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import streamlit as st

SAMPLE = "sample"
UPLOAD = "upload"
CYCLE = "cycle"
DATE_RANGE = "date_range"
SEG_PREFIX = "seg__"
OUTCOME = "outcome"
STAGE = "stage"
STAGE_SELECT = "stage_select"  # widget on the Stage detail page (mirrors STAGE)
OVERRIDES = "import_overrides"
SOURCE_ID = "source_id"
UPLOAD_DIGEST = "upload_digest"
URL_READ = "url_read"
URL_PENDING = "url_pending"
VIEW = "view"

SAVED_ID = "saved_survey_id"
SAVED_UNLOCKED = "saved_unlocked"
SAVED_MINE = "saved_mine"
SAVED_LINKED = "saved_linked"
SAVED_OPTIONS = "saved_options"
PLANS = "action_plans"
PLANS_SOURCE = "action_plans_source"
PLANS_VERSION = "action_plans_version"
PLANS_UPLOAD_SEEN = "action_plans_upload_seen"
APP_BASE_URL = "app_base_url"
LAST_PAGE = "last_page"
EXPORT_READY = "export_ready"

# Written by the Cycle designer / Survey builder pages (YAML text of a cycle):
DESIGNER_CYCLE = "designer_cycle"  # last valid design (read by the Survey builder)
APPLIED_CYCLE = "applied_cycle"  # the design applied to the survey in use (read by app.py)
APPLIED_SEEN = "applied_cycle_seen"  # the applied YAML app.py last switched the cycle selector to

NO_CYCLE = "(stages from the file)"
DESIGNED = "(designed cycle)"  # CYCLE option: the cycle applied from the Cycle designer
PROXY_LABEL = "None (proxy)"

# Bundled samples: name -> (file in data/sample, default cycle template stem, label)
SAMPLES: dict[str, tuple[str, str, str]] = {
    "bank_visit": ("bank_visit_long.csv", "bank_visit", "Bank branch visit (sample, long layout)"),
    "customer_lifecycle": ("customer_lifecycle_wide.csv", "customer_lifecycle", "Customer lifecycle (sample, wide layout)"),
}
DEFAULT_SAMPLE = "bank_visit"

# Query-parameter names
Q_SAMPLE, Q_CYCLE, Q_FROM, Q_TO, Q_OUTCOME, Q_STAGE, Q_SEG = "sample", "cycle", "from", "to", "outcome", "stage", "seg."
Q_SURVEY = "survey"


NAV_RERUN = "nav_rerun"  # a page ran without app.py once (legacy pages/ mode) and asked for a rerun


def use_navigation_mode() -> None:
    """Tell Streamlit this app uses ``st.navigation``, not the legacy ``pages/`` folder listing.

    A server starts in the legacy multipage mode because ``pages/`` exists; it leaves it only when
    ``st.navigation`` runs. Until then, a first request straight to a page URL (a copied link on a
    fresh server) would run the page file alone, without app.py's sidebar and data. Called when
    this module is imported (by app.py or by any page).
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
    except (ImportError, AttributeError):  # pragma: no cover - other streamlit versions
        pass


def rerun_through_app() -> None:
    """A page ran without app.py (legacy mode, see :func:`use_navigation_mode`): run again, once."""
    if not st.session_state.get(NAV_RERUN):
        st.session_state[NAV_RERUN] = True
        use_navigation_mode()
        st.rerun()


def init_session() -> None:
    """Set defaults and read the URL once per session (call first thing in ``app.py``)."""
    ss = st.session_state
    ss.setdefault(OVERRIDES, {})
    ss.setdefault(STAGE, None)
    if not ss.get(URL_READ):
        ss[URL_READ] = True
        pending = read_query_params(st.query_params)
        ss[URL_PENDING] = pending
        if pending.get(Q_SAMPLE) in SAMPLES:
            ss[SAMPLE] = pending[Q_SAMPLE]
        if Q_SURVEY in pending:
            ss[SAVED_ID] = str(pending[Q_SURVEY])
    ss.setdefault(SAMPLE, DEFAULT_SAMPLE)


def read_query_params(qp) -> dict:
    """The view described by the URL: ``{"sample", "cycle", "from", "to", "outcome", "stage", "segments"}``."""
    out: dict = {}
    for k in (Q_SAMPLE, Q_CYCLE, Q_FROM, Q_TO, Q_OUTCOME, Q_STAGE, Q_SURVEY):
        if k in qp:
            out[k] = qp.get(k)
    segs = {}
    for k in qp.keys():
        if k.startswith(Q_SEG) and len(k) > len(Q_SEG):
            segs[k[len(Q_SEG):]] = [v for v in qp.get_all(k) if v != ""]
    if segs:
        out["segments"] = segs
    return out


def reset_for_new_source(ss: Mapping | None = None) -> None:
    """Forget the filters, overrides and selected stage (the data source changed)."""
    ss = st.session_state if ss is None else ss
    for key in list(ss.keys()):
        if key.startswith(SEG_PREFIX) or key in (DATE_RANGE, OUTCOME, STAGE_SELECT, EXPORT_READY):
            del ss[key]
    ss[OVERRIDES] = {}
    ss[STAGE] = None


def segment_key(column: str) -> str:
    return SEG_PREFIX + column


def parse_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def desired_query_params(*, sample: str | None, cycle: str | None, date_range, full_range, segments: dict,
                         outcome: str | None, default_outcome: str | None, stage: str | None,
                         survey: str | None = None) -> dict:
    """The query parameters for the current view (defaults are left out to keep links short);
    ``survey`` is the id of the saved survey in use."""
    qp: dict = {}
    if survey:
        qp[Q_SURVEY] = survey
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
    return qp


def _normalise(qp: Mapping) -> dict:
    return {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in qp.items()}


def write_query_params(desired: dict) -> None:
    """Write ``desired`` to the URL when it differs from what the URL holds."""
    current = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    if _normalise(current) != _normalise(desired):
        st.query_params.from_dict(desired)


def view():
    """The :class:`app_support.loaders.View` computed by ``app.py`` for this run."""
    return st.session_state.get(VIEW)


use_navigation_mode()
