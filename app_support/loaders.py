"""Thin cached loaders between the pages and ``cycle_analytics``.

Cache keys are primitives only (file digest, option tuples, filter tuples); the heavy objects are
passed as leading-underscore arguments, which Streamlit does not hash. An upload's digest
(:func:`upload_digest`) covers its bytes *and its name*, so nothing cached for one user's file
(its name, a report naming it) is ever served to another user who uploads the same bytes under
another name; the options tuple covers every import choice.

* :func:`import_cached` - ``import_survey`` keyed by digest + file name + import options, in the
  server's byte-budgeted :func:`app_support.survey_cache.shared_cache` (shared by the sessions
  uploading the same file, no copy on a hit, released when idle). Uploads are parsed in a worker
  process with memory and time limits (:func:`cycle_analytics.ingest.sandbox.import_isolated`); the
  bundled samples in this process. A ``SurveyError`` is cached too, as its sentence, so a bad file is
  not re-parsed on every rerun. The upload size limit is Streamlit's ``server.maxUploadSize``
  (:func:`upload_limit_bytes`), so the uploader and the importer refuse the same files.
* :func:`load_survey` - :func:`import_cached`, plus the automatic reuse of a stage mapping the same
  owner saved for an upload with the same questions (:func:`mapping_store`,
  ``$CYCLE_ANALYTICS_DATA_DIR/mappings/owner-<hash>``), with the reading choices confirmed with it
  (scale, N/A codes, outcome, segments, date, weight, stages picked), only when the file imports with them.
* :func:`import_with` - a trial import with changed Data-page options (before a mapping is applied).
* :func:`filtered_survey` - ``filter_survey`` keyed by digest + options + filters (same shared cache).
* :func:`run_analysis` - ``analyze`` keyed by digest + options + filters + outcome + settings
  (``st.cache_data``: the result is small tables).
* :func:`headline` / :func:`headline_figures`, :func:`bad_comments`, :func:`stage_distribution_by` -
  cached wrappers of ``cycle_analytics.stats.headline``.
* :func:`survey_themes`, :func:`theme_view` - the comment themes (``cycle_analytics.text.views``).

Import options (``state.OVERRIDES``) understood by :func:`options_key` / :func:`build_options`:
``stages``, ``outcome``, ``positive``, ``na_values``, ``scale``, ``sheet``, ``segments`` (a tuple; empty =
none), ``date`` (a column; ``""`` = none), ``weight`` (the survey-weight column; ``""`` = none), ``infer_na_codes`` (``False`` once the manager set the N/A codes), ``stage_map``
(``((column, stage or None), ...)``) and ``label_map`` (``((label, score or None), ...)``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from pathlib import Path

import pandas as pd
import streamlit as st

from cycle_analytics.cycles import list_templates, load_cycle, parse_cycle
from cycle_analytics.dataset import ImportOptions, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import current_language, gettext as _
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.sandbox import import_isolated
from cycle_analytics.ingest.mapping import READING_OPTIONS, MappingStore, mapping_signature
from cycle_analytics.outputs.display_names import DisplayNames, rename_survey, suggested_names, validate_display_names
from cycle_analytics.scales import parse_scale
from cycle_analytics.stats import headline as headline_stats
from cycle_analytics.stats.analysis import AnalysisSettings, analyze, outcome_spec
from cycle_analytics.stats.filters import filter_survey
from cycle_analytics.text import views as text_views
from cycle_analytics.storage import data_dir

from . import state, tables
from .survey_cache import note_session, shared_cache

LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"


# ---------------------------------------------------------------- files


def sample_path(name: str) -> Path:
    """The file of bundled sample ``name`` (a key of :data:`app_support.state.SAMPLES`)."""
    return SAMPLE_DIR / state.SAMPLES[name][0]


@st.cache_data(show_spinner=False, max_entries=8)
def read_sample(name: str, mtime: float) -> bytes:
    """The bytes of a bundled sample (``mtime`` in the key so a regenerated sample is re-read)."""
    return sample_path(name).read_bytes()


def sample_bytes(name: str) -> tuple[str, bytes]:
    """``(digest, bytes)`` of a bundled sample."""
    path = sample_path(name)
    if not path.is_file():
        raise SurveyError(_("The sample file {name!r} is missing from data/sample.").format(name=path.name))
    mtime = path.stat().st_mtime
    return f"sample:{name}:{mtime}", read_sample(name, mtime)


def upload_digest(uploaded) -> tuple[str, bytes]:
    """``(digest, bytes)`` of an ``UploadedFile``; hashed once per upload (cached in session state)."""
    data = uploaded.getvalue()
    note_session()  # this session holds an upload: release it once the session is closed
    file_id = getattr(uploaded, "file_id", None) or uploaded.name
    cached = st.session_state.get(state.UPLOAD_DIGEST)
    if cached and cached[0] == file_id:
        return cached[1], data
    # the name is part of the identity: caches and reports never mix two users' file names
    digest = "upload:" + hashlib.sha256(data).hexdigest() + ":" + hashlib.sha256(uploaded.name.encode("utf-8")).hexdigest()[:16]
    st.session_state[state.UPLOAD_DIGEST] = (file_id, digest)
    return digest, data


@st.cache_data(show_spinner=False)
def templates() -> dict[str, str]:
    """Bundled cycle templates: file stem -> display name (empty if a template file is broken)."""
    try:
        return list_templates()
    except SurveyError:
        return {}


# ---------------------------------------------------------------- import


def options_key(cycle: str | tuple | None, overrides: dict) -> tuple:
    """A hashable description of the import options: the cycle (a template stem, or
    ``("yaml", text)`` for a designed cycle) + the Data-page overrides."""
    o = overrides or {}
    return (
        ("cycle", cycle or None),
        ("stages", tuple(o["stages"]) if o.get("stages") else None),
        ("outcome", o.get("outcome") or None),
        ("positive", o.get("positive") or None),
        ("na_values", tuple(o.get("na_values") or ())),
        ("scale", o.get("scale") or None),
        ("sheet", o.get("sheet") or None),
        ("stage_map", tuple((str(c), None if st_ is None else str(st_)) for c, st_ in o["stage_map"]) if o.get("stage_map") else None),
        ("label_map", tuple((str(k), None if v is None else float(v)) for k, v in o["label_map"]) if o.get("label_map") else None),
        ("segments", tuple(o["segments"]) if o.get("segments") is not None else None),
        ("date", o.get("date")),
        ("infer_na_codes", bool(o.get("infer_na_codes", True))),
        ("weight", o.get("weight")),
    )


def build_options(opts: tuple) -> ImportOptions:
    """The :class:`ImportOptions` an :func:`options_key` describes."""
    o = dict(opts)
    cycle = o.get("cycle")
    if isinstance(cycle, tuple):
        cycle = parse_cycle(cycle[1], source="designed cycle")
    elif cycle:
        cycle = load_cycle(cycle)
    return ImportOptions(
        cycle=cycle or None,
        sheet=o.get("sheet"),
        stages=o.get("stages"),
        outcome=o.get("outcome"),
        positive=o.get("positive"),
        na_values=tuple(o.get("na_values") or ()),
        scale=parse_scale(o["scale"]) if o.get("scale") else None,
        stage_map=tuple(o.get("stage_map") or ()),
        label_map=tuple(o.get("label_map") or ()),
        segments=o.get("segments"),
        date=o.get("date"),
        infer_na_codes=o.get("infer_na_codes", True),
        weight=o.get("weight"),
    )


def saved_import_options(options) -> ImportOptions | None:
    """The import options to store with a saved survey: ``state.SAVED_OPTIONS`` as
    :class:`ImportOptions` (an :func:`options_key` tuple is rebuilt; ``None`` when it cannot be)."""
    if not isinstance(options, tuple):
        return options
    try:
        return build_options(options)
    except SurveyError:
        return None


def upload_limit_bytes() -> int:
    """The upload size limit: Streamlit's ``server.maxUploadSize`` (MB of 1024 x 1024 bytes), the one
    setting both the uploader and the importer (``ImportOptions.max_bytes``) honour."""
    try:
        mb = float(st.get_option("server.maxUploadSize"))
    except Exception:  # noqa: BLE001 - outside a Streamlit runtime: Streamlit's default
        mb = 200.0
    return int(mb * 1024 * 1024)


class _Refused:
    """An import's refusal sentence, cached like a survey (small, weakly referenceable)."""

    __slots__ = ("message", "__weakref__")

    def __init__(self, message: str) -> None:
        self.message = message


def import_cached(digest: str, file_name: str, opts: tuple, _data: bytes) -> tuple[Survey | None, str | None]:
    """``(survey, None)`` or ``(None, error sentence)``: the file's bytes imported (cached, see the
    module docstring; an upload in a worker process with memory and time limits)."""
    def compute() -> Survey | _Refused:
        try:
            options = dataclasses.replace(build_options(opts), max_bytes=upload_limit_bytes())
            if digest.startswith("sample:"):  # bundled with the app: trusted, read in this process
                return import_survey(_data, options, file_name=file_name)
            return import_isolated(_data, options, file_name=file_name)  # the sidebar shows its progress
        except SurveyError as exc:
            LOG.info("import of %r refused: %s", file_name, exc)
            return _Refused(str(exc))

    # the language is in the key: the import's notes and reasons are sentences in it
    result = shared_cache().get(("import", digest, file_name, opts, current_language()), compute)
    return (None, result.message) if isinstance(result, _Refused) else (result, None)


def load_survey(digest: str, file_name: str, opts: tuple, _data: bytes,
                owner: str | None = None) -> tuple[Survey | None, str | None]:
    """``(survey, None)`` or ``(None, error sentence)`` (:func:`import_cached`), reusing a saved mapping.

    When an uploaded file's options carry no stage mapping and ``owner`` (``app_support.identity``)
    confirmed a mapping earlier for a file with the same questions (and the same cycle), and the
    file imports with it, it is put into the import options (``stage_map``, its ``label_map`` and the
    reading choices confirmed with it, :func:`remembered_choices`; a choice made in this session
    wins) and the script reruns, so every cache key downstream includes it. ``state.MAPPING_REUSED``
    records it for the Data page; a saved mapping the file does not import with is not applied
    (``state.MAPPING_UNUSABLE`` says why).
    """
    survey, error = import_cached(digest, file_name, opts, _data)
    if owner is None or survey is None or not digest.startswith("upload:") or dict(opts).get("stage_map") \
            or survey.info.format == "long":
        return survey, error
    ss = st.session_state
    try:
        sig = survey_signature(survey)
        record = mapping_store(owner).load(sig) if sig else None
    except SurveyError:
        return survey, error
    if record is None or sig in (ss.get(state.MAPPING_SKIP) or ()):
        return survey, error
    if digest in (ss.get(state.READING_CONFIRMED) or {}):
        return survey, error  # this file's reading was confirmed in this session: its choices are here already
    if record.get("cycle") != (survey.cycle.name if survey.cycle is not None else None):
        return survey, error
    known = {r.column for r in survey.info.columns}
    stage_map = tuple((c, s_) for c, s_ in record["columns"].items() if c in known)
    if not stage_map:
        return survey, error
    choices = remembered_choices(record.get("options"))
    over = {**choices, **state.overrides()}
    over["stage_map"] = stage_map
    labels = tuple(record.get("labels", {}).items())
    if labels and not over.get("label_map"):
        over["label_map"] = labels
    _, trial_error = import_cached(digest, file_name, options_key(dict(opts).get("cycle"), over), _data)
    if trial_error is not None:  # never apply a memory the file does not import with
        ss[state.MAPPING_UNUSABLE] = (sig, trial_error)
        ss[state.MAPPING_SKIP] = set(ss.get(state.MAPPING_SKIP) or ()) | {sig}
        return survey, error
    state.set_overrides(over)
    ss[state.MAPPING_REUSED] = {"digest": digest, "signature": sig, "saved_at": record.get("saved_at"), "stage_map": stage_map,
                                "options": choices}
    st.rerun()
    return survey, error  # pragma: no cover - st.rerun does not return


def source_bytes(digest: str) -> bytes | None:
    """The bytes of the file behind ``digest`` (the current upload or a bundled sample), ``None``
    for a saved survey (it keeps tables, not the file)."""
    ss = st.session_state
    if digest.startswith("upload:") and ss.get(state.UPLOAD) is not None:
        return upload_digest(ss[state.UPLOAD])[1]
    if digest.startswith("sample:"):
        return sample_bytes(ss.get(state.SAMPLE, state.DEFAULT_SAMPLE))[1]
    return None


def import_with(digest: str, file_name: str, opts: tuple, overrides: dict) -> tuple[Survey | None, str | None]:
    """Import the file of ``digest`` with ``overrides`` in place of the Data-page options of ``opts``
    (same cycle): a trial before a change is applied. ``(None, sentence)`` when it does not import."""
    data = source_bytes(digest)
    if data is None:
        return None, _("The file is not available to read again.")
    return import_cached(digest, file_name, options_key(dict(opts).get("cycle"), overrides), data)


def unmatched_stages(digest: str, file_name: str, opts: tuple, survey: Survey) -> list:
    """The stages of the file that the cycle of ``opts`` leaves out (``app_support.tables.unmatched_stages``):
    the file is read once more without the cycle (cached) and the two imports are compared."""
    if survey.cycle is None or dict(opts).get("cycle") is None:
        return []
    without, error = import_with(digest, file_name, (("cycle", None),), state.overrides())
    if without is None or error is not None:
        return []
    return tables.unmatched_stages(survey, without)


# ---------------------------------------------------------------- saved stage mappings (Data page)


def mapping_store(owner: str) -> MappingStore:
    """``owner``'s :class:`cycle_analytics.ingest.mapping.MappingStore`: a folder of their own under
    ``$CYCLE_ANALYTICS_DATA_DIR/mappings`` (``cycle_analytics.storage.data_dir``; default
    ``<project>/var/mappings``)."""
    return MappingStore.for_owner(data_dir(ROOT / "var") / "mappings", owner)


def survey_signature(survey: Survey) -> str | None:
    """:func:`cycle_analytics.ingest.mapping.mapping_signature` of the file's columns and question texts
    (every input column, so the signature does not change when the mapping does)."""
    questions = {r.column: r.question for r in survey.info.columns}
    return mapping_signature(questions) if questions else None


def save_mapping(survey: Survey, signature: str, stage_map: tuple, label_map: tuple, owner: str,
                 overrides: dict | None = None) -> None:
    """Save a confirmed stage mapping (and its answer labels) in ``owner``'s memory under the file's
    ``signature`` and note it for the Data page (``state.MAPPING_SAVED``); raises ``SurveyError`` /
    ``OSError``. Call it only after the file imported with the mapping.

    ``overrides``: the Data-page import options it was confirmed with; their reading choices
    (:data:`cycle_analytics.ingest.mapping.READING_OPTIONS`: scale, N/A codes, outcome, segments,
    date, stages picked) are kept with the mapping and reused with it."""
    saved_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    chosen = {k: (list(v) if isinstance(v, tuple) else v) for k, v in (overrides or {}).items() if k in READING_OPTIONS}
    mapping_store(owner).save(
        signature, dict(stage_map), cycle=survey.cycle.name if survey.cycle is not None else None,
        questions={r.column: r.question for r in survey.info.columns}, labels=dict(label_map or ()), saved_at=saved_at,
        options=chosen)
    st.session_state[state.MAPPING_SAVED] = (signature, saved_at)


def remembered_choices(options) -> dict:
    """The reading choices of a saved mapping record as Data-page import options (lists as tuples).

    >>> remembered_choices({"scale": "0-5", "na_values": ["0"], "segments": []})
    {'scale': '0-5', 'na_values': ('0',), 'segments': ()}
    """
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in (options or {}).items() if k in READING_OPTIONS}


def reused_choices_words(options) -> str:
    """The reading choices reused with a saved mapping, in words ("" when only the stages were kept).

    >>> reused_choices_words({"scale": "0-5", "na_values": ("0",), "infer_na_codes": False, "date": ""})
    'scale 0-5; N/A codes 0; no date column'
    """
    o = dict(options or {})
    parts = []
    if o.get("stages"):
        parts.append(_("stages picked {columns}").format(columns=", ".join(o["stages"])))
    if o.get("scale"):
        parts.append(_("scale {scale}").format(scale=o["scale"]))
    if o.get("na_values"):
        parts.append(_("N/A codes {codes}").format(codes=", ".join(o["na_values"])))
    elif o.get("infer_na_codes") is False:
        parts.append(_("no N/A codes"))
    if o.get("outcome"):
        parts.append(_("outcome {column}").format(column=o["outcome"]))
    if o.get("positive"):
        parts.append(_("positive label {label}").format(label=o["positive"]))
    if "segments" in o:
        parts.append(_("segments {columns}").format(columns=", ".join(o["segments"])) if o["segments"] else _("no segments"))
    if "date" in o:
        parts.append(_("date column {column}").format(column=o["date"]) if o["date"] else _("no date column"))
    if "weight" in o:
        parts.append(_("weight {column}").format(column=o["weight"]) if o["weight"] else _("no weight"))
    return "; ".join(parts)


def reused_mapping_notice(reused: dict, when: str) -> str:
    """The Data page's sentence about a saved mapping reused for this file (``state.MAPPING_REUSED``),
    saved at ``when`` (already formatted), with the reading choices reused with it."""
    choices = reused_choices_words(reused.get("options"))
    if not choices:
        return _("Reused mapping from {when}: you confirmed these stages for a file with the same questions. "
                 "Change them and apply, or undo.").format(when=when)
    return _("Reused mapping from {when}: you confirmed these stages and choices ({choices}) for a file with the same "
             "questions. Change them above or apply another mapping, or undo.").format(when=when, choices=choices)


def undo_reused_mapping(*, forget_owner: str | None = None) -> None:
    """Stop using the mapping reused for this file (back to the importer's guesses in this session);
    with ``forget_owner``, also delete it from that owner's memory."""
    ss = st.session_state
    reused = ss.get(state.MAPPING_REUSED) or {}
    reset_overrides()
    if forget_owner and reused.get("signature"):
        try:
            mapping_store(forget_owner).delete(reused["signature"])
        except (SurveyError, OSError):
            pass
    ss.pop(state.MAPPING_REUSED, None)


def reset_overrides() -> None:
    """Back to the importer's guesses (and a sample's own N/A codes); a saved mapping reused for
    this file is not applied again in this session (``state.MAPPING_SKIP``)."""
    ss = st.session_state
    reused = ss.get(state.MAPPING_REUSED) or {}
    if reused.get("signature"):
        ss[state.MAPPING_SKIP] = set(ss.get(state.MAPPING_SKIP) or ()) | {reused["signature"]}
    state.set_overrides(state.source_overrides(ss.get(state.SOURCE_ID)))


# ---------------------------------------------------------------- names people use


def user_names(source_id: str) -> DisplayNames:
    """The names the user gave on the Data page for ``source_id`` (``state.NAMES``), else none."""
    kept = st.session_state.get(state.NAMES)
    if kept and kept[0] == source_id and isinstance(kept[1], DisplayNames):
        return kept[1]
    return DisplayNames()


def set_user_names(source_id: str, names: DisplayNames) -> None:
    """Keep the names the user gave for ``source_id`` (``state.NAMES``)."""
    st.session_state[state.NAMES] = (source_id, names)


@st.cache_resource(show_spinner=False, max_entries=6)
def named_survey(digest: str, opts: tuple, names_key: tuple, _survey: Survey, _names: DisplayNames) -> Survey:
    """``_survey`` with ``_names`` (:func:`cycle_analytics.outputs.display_names.rename_survey`, cached)."""
    return rename_survey(_survey, _names)


def with_display_names(loaded, source_id: str):
    """``loaded`` (the sidebar's import) with the names people use: the names suggested for
    survey-tool ids, then the user's (a name that no longer fits the file is dropped). Its
    ``options`` gain the names, so every cache downstream is keyed by them."""
    survey = loaded.survey
    if survey is None:
        return loaded
    names = suggested_names(survey).merged(user_names(source_id))
    try:
        names = validate_display_names(names, survey)
    except SurveyError:
        names = validate_display_names(suggested_names(survey), survey)
    if not (names.stages or names.segments or names.outcomes):
        return loaded
    renamed = named_survey(loaded.digest, loaded.options, names.key(), survey, names)
    return dataclasses.replace(loaded, survey=renamed, options=(*loaded.options, ("names", names.key())))


# ---------------------------------------------------------------- filters


def filters_key(date_range, full_range, segments: dict) -> tuple:
    """Hashable filters: ``(from iso | None, to iso | None, ((column, (values...)), ...))``."""
    dfrom = dto = None
    if date_range and full_range and tuple(date_range) != tuple(full_range):
        dfrom, dto = date_range[0].isoformat(), date_range[1].isoformat()
    segs = tuple(sorted((c, tuple(sorted(map(str, v)))) for c, v in segments.items() if v))
    return (dfrom, dto, segs)


def filtered_survey(digest: str, opts: tuple, filters: tuple, _survey: Survey) -> Survey:
    """``filter_survey`` for a :func:`filters_key` (the survey itself when nothing is filtered;
    cached in :func:`app_support.survey_cache.shared_cache`)."""
    dfrom, dto, segs = filters
    if dfrom is None and not segs:
        return _survey
    date_range = (pd.Timestamp(dfrom), pd.Timestamp(dto)) if dfrom else None
    return shared_cache().get(
        ("filtered", digest, opts, filters),
        lambda: filter_survey(_survey, date_range=date_range, segments={c: list(v) for c, v in segs} or None))


# ---------------------------------------------------------------- analysis


def run_analysis(digest: str, opts: tuple, filters: tuple, outcome: tuple, _survey: Survey):
    """``(analysis, None)`` or ``(None, error sentence)`` for the filtered survey and an outcome key
    ``(column or None, positive label or None)``, cached per interface language (the evidence
    sentences and notes of the analysis are written in it)."""
    return _run_analysis(digest, opts, filters, outcome, current_language(), _survey)


@st.cache_data(show_spinner=False, max_entries=24)  # app_support.progress shows a percentage instead
def _run_analysis(digest: str, opts: tuple, filters: tuple, outcome: tuple, language: str, _survey: Survey):
    """:func:`run_analysis` for ``language`` (part of the cache key only: the run is already in it)."""
    column, positive = outcome
    try:
        spec = outcome_spec(_survey, column, positive=positive)
        return analyze(_survey, outcome=spec, settings=AnalysisSettings()), None
    except SurveyError as exc:
        return None, str(exc)


# ---------------------------------------------------------------- per-stage row look-ups


def stage_comment_column(survey: Survey, stage: str) -> str | None:
    """The comment column of ``survey`` for ``stage``: the stage's own open-text question where the
    export ties one to it (``info.comment_columns``), else the general ``comment``; ``None`` without either."""
    own = next((c.column for c in survey.info.comment_columns if c.stage == stage and c.column in survey.responses.columns),
               None)
    return own or ("comment" if "comment" in survey.responses.columns else None)


@st.cache_data(show_spinner=False, max_entries=64)
def bad_comments(key: tuple, stage: str, _survey: Survey) -> pd.DataFrame:
    """Respondents who rated ``stage`` in the bottom box and left a comment in the stage's comment
    column (:func:`stage_comment_column`): ``response_id, score, comment``
    (:func:`cycle_analytics.stats.headline.bad_comments`, cached)."""
    return headline_stats.bad_comments(_survey, stage, stage_comment_column(_survey, stage) or "comment")


def comment_language_code(choice: str | None) -> str | None:
    """The language code of the ``state.COMMENT_LANGUAGE`` selectbox (``None`` = detect it)."""
    return None if choice in (None, "", "auto") else str(choice)


@st.cache_resource(show_spinner="Finding the themes of the comments…", max_entries=8)
def survey_themes(key: tuple, language: str | None, _survey: Survey) -> text_views.SurveyThemes:
    """The themes of all the survey's comments (:func:`cycle_analytics.text.views.survey_themes`,
    cached without copies: the result is read, never changed)."""
    return text_views.survey_themes(_survey, language=language)


@st.cache_data(show_spinner=False, max_entries=64)
def theme_view(key: tuple, stage: str | None, language: str | None, correction: str, min_n: int, _survey: Survey,
               _outcome: OutcomeSpec | None) -> text_views.ThemeView:
    """One stage's (``None``: the whole survey's) themes with sentiment and theme effects
    (:func:`cycle_analytics.text.views.theme_view`, cached); ``key`` must include the outcome."""
    return text_views.theme_view(_survey, stage, fitted=survey_themes(key, language, _survey), outcome=_outcome,
                                 correction=correction, min_n=min_n)


@st.cache_data(show_spinner=False, max_entries=64)
def stage_distribution_by(key: tuple, stage: str, segment: str, _survey: Survey) -> pd.DataFrame:
    """One stage's answer distribution per segment value (:func:`cycle_analytics.stats.headline.stage_distribution_by`, cached)."""
    return headline_stats.stage_distribution_by(_survey, stage, segment)


# ---------------------------------------------------------------- headline figures


@st.cache_data(show_spinner=False, max_entries=24)
def headline_figures(key: tuple, _survey: Survey, _outcome: OutcomeSpec | None) -> headline_stats.Headline:
    """:func:`cycle_analytics.stats.headline.headline_figures` for the filtered survey (cached)."""
    return headline_stats.headline_figures(_survey, _outcome)


def headline(key: tuple, _survey: Survey, _outcome: OutcomeSpec | None) -> dict:
    """:func:`headline_cards` of the filtered survey's :func:`headline_figures`."""
    return headline_cards(headline_figures(key, _survey, _outcome))


def headline_cards(h: headline_stats.Headline) -> dict:
    """Headline numbers as the Overview page reads them: ``responses``, ``ratings``, ``satisfaction``
    (label, value, help) or ``None``, ``csat_pct``, ``nps``, ``nps_column``, and ``figures`` (the
    :class:`cycle_analytics.stats.headline.Headline`; of an upload, or of a warehouse source,
    :func:`app_support.sources.source_headline`)."""
    sat = None
    if h.outcome_mean is not None:
        where = f"mean on {h.outcome_scale.minimum}–{h.outcome_scale.maximum}, " if h.outcome_scale is not None else "mean, "
        sat = (h.outcome_label or "", h.outcome_mean, f"{where}{h.outcome_n:,} answers")
    return {"responses": h.responses, "ratings": h.ratings, "satisfaction": sat, "csat_pct": h.csat_pct,
            "nps": h.nps, "nps_column": h.nps_column, "figures": h}
