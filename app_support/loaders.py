"""Thin cached loaders between the pages and ``cycle_analytics``.

Cache keys are primitives only (file digest, option tuples, filter tuples); the heavy objects are
passed as leading-underscore arguments, which Streamlit does not hash:

* :func:`import_cached` - ``import_survey`` keyed by the file's SHA-256 digest + import options.
  ``st.cache_resource`` (no copy on a hit: a 1M-rating survey is not unpickled on every rerun;
  surveys are immutable by convention, nothing mutates them). A ``SurveyError`` is cached too, as
  its sentence, so a bad file is not re-parsed on every rerun.
* :func:`load_survey` - :func:`import_cached`, plus the automatic reuse of a stage mapping saved
  for an upload with the same questions (:func:`mapping_store`, ``$CYCLE_ANALYTICS_DATA_DIR/mappings``).
* :func:`filtered_survey` - ``filter_survey`` keyed by digest + options + filters.
* :func:`run_analysis` - ``analyze`` keyed by digest + options + filters + outcome + settings
  (``st.cache_data``: the result is small tables).
* :func:`headline` / :func:`headline_figures`, :func:`bad_comments`, :func:`stage_distribution_by` -
  cached wrappers of ``cycle_analytics.stats.headline``.

Import options (``state.OVERRIDES``) understood by :func:`options_key` / :func:`build_options`:
``stages``, ``outcome``, ``positive``, ``na_values``, ``scale``, ``sheet``, ``stage_map``
(``((column, stage or None), ...)``) and ``label_map`` (``((label, score or None), ...)``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from cycle_analytics.cycles import list_templates, load_cycle, parse_cycle
from cycle_analytics.dataset import ImportOptions, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.mapping import MappingStore, mapping_signature
from cycle_analytics.scales import parse_scale
from cycle_analytics.stats import headline as headline_stats
from cycle_analytics.stats.analysis import AnalysisSettings, analyze, outcome_spec
from cycle_analytics.stats.filters import filter_survey
from cycle_analytics.storage import data_dir

from . import state

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
        raise SurveyError(f"The sample file {path.name!r} is missing from data/sample.")
    mtime = path.stat().st_mtime
    return f"sample:{name}:{mtime}", read_sample(name, mtime)


def upload_digest(uploaded) -> tuple[str, bytes]:
    """``(digest, bytes)`` of an ``UploadedFile``; hashed once per upload (cached in session state)."""
    data = uploaded.getvalue()
    file_id = getattr(uploaded, "file_id", None) or uploaded.name
    cached = st.session_state.get(state.UPLOAD_DIGEST)
    if cached and cached[0] == file_id:
        return cached[1], data
    digest = "upload:" + hashlib.sha256(data).hexdigest()
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


@st.cache_resource(show_spinner="Reading the survey…", max_entries=6)
def import_cached(digest: str, file_name: str, opts: tuple, _data: bytes) -> tuple[Survey | None, str | None]:
    """``(survey, None)`` or ``(None, error sentence)``: ``import_survey`` on the file's bytes."""
    try:
        return import_survey(_data, build_options(opts), file_name=file_name), None
    except SurveyError as exc:
        return None, str(exc)


def load_survey(digest: str, file_name: str, opts: tuple, _data: bytes) -> tuple[Survey | None, str | None]:
    """``(survey, None)`` or ``(None, error sentence)`` (:func:`import_cached`), reusing a saved mapping.

    When an uploaded file's options carry no stage mapping and a mapping confirmed earlier for a
    file with the same questions (and the same cycle) is saved in :func:`mapping_store`, it is put
    into the import options (``stage_map``, and its ``label_map``) and the script reruns, so every
    cache key downstream includes it. ``state.MAPPING_REUSED`` records it for the Data page.
    """
    survey, error = import_cached(digest, file_name, opts, _data)
    if survey is None or not digest.startswith("upload:") or dict(opts).get("stage_map") or survey.info.format == "long":
        return survey, error
    ss = st.session_state
    try:
        sig = survey_signature(survey)
        record = mapping_store().load(sig) if sig else None
    except SurveyError:
        return survey, error
    if record is None or sig in (ss.get(state.MAPPING_SKIP) or ()):
        return survey, error
    if record.get("cycle") != (survey.cycle.name if survey.cycle is not None else None):
        return survey, error
    known = {r.column for r in survey.info.columns}
    stage_map = tuple((c, s_) for c, s_ in record["columns"].items() if c in known)
    if not stage_map:
        return survey, error
    over = state.overrides()
    over["stage_map"] = stage_map
    labels = tuple(record.get("labels", {}).items())
    if labels and not over.get("label_map"):
        over["label_map"] = labels
    state.set_overrides(over)
    ss[state.MAPPING_REUSED] = {"digest": digest, "signature": sig, "saved_at": record.get("saved_at"), "stage_map": stage_map}
    st.rerun()
    return survey, error  # pragma: no cover - st.rerun does not return


# ---------------------------------------------------------------- saved stage mappings (Data page)


def mapping_store() -> MappingStore:
    """The :class:`cycle_analytics.ingest.mapping.MappingStore` in ``$CYCLE_ANALYTICS_DATA_DIR/mappings``
    (``cycle_analytics.storage.data_dir``; default ``<project>/var/mappings``)."""
    return MappingStore(data_dir(ROOT / "var") / "mappings")


def survey_signature(survey: Survey) -> str | None:
    """:func:`cycle_analytics.ingest.mapping.mapping_signature` of the file's columns and question texts
    (every input column, so the signature does not change when the mapping does)."""
    questions = {r.column: r.question for r in survey.info.columns}
    return mapping_signature(questions) if questions else None


def save_mapping(survey: Survey, signature: str, stage_map: tuple, label_map: tuple) -> None:
    """Save a confirmed stage mapping (and its answer labels) under the file's ``signature`` and
    note it for the Data page (``state.MAPPING_SAVED``); raises ``SurveyError`` / ``OSError``."""
    saved_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    mapping_store().save(
        signature, dict(stage_map), cycle=survey.cycle.name if survey.cycle is not None else None,
        questions={r.column: r.question for r in survey.info.columns}, labels=dict(label_map or ()), saved_at=saved_at)
    st.session_state[state.MAPPING_SAVED] = (signature, saved_at)


def reset_overrides() -> None:
    """Back to the importer's guesses; a saved mapping reused for this file is not applied again
    in this session (``state.MAPPING_SKIP``)."""
    ss = st.session_state
    reused = ss.get(state.MAPPING_REUSED) or {}
    if reused.get("signature"):
        ss[state.MAPPING_SKIP] = set(ss.get(state.MAPPING_SKIP) or ()) | {reused["signature"]}
    state.set_overrides({})


# ---------------------------------------------------------------- filters


def filters_key(date_range, full_range, segments: dict) -> tuple:
    """Hashable filters: ``(from iso | None, to iso | None, ((column, (values...)), ...))``."""
    dfrom = dto = None
    if date_range and full_range and tuple(date_range) != tuple(full_range):
        dfrom, dto = date_range[0].isoformat(), date_range[1].isoformat()
    segs = tuple(sorted((c, tuple(sorted(map(str, v)))) for c, v in segments.items() if v))
    return (dfrom, dto, segs)


@st.cache_resource(show_spinner=False, max_entries=24)
def filtered_survey(digest: str, opts: tuple, filters: tuple, _survey: Survey) -> Survey:
    """``filter_survey`` for a :func:`filters_key` (the survey itself when nothing is filtered)."""
    dfrom, dto, segs = filters
    if dfrom is None and not segs:
        return _survey
    date_range = (pd.Timestamp(dfrom), pd.Timestamp(dto)) if dfrom else None
    return filter_survey(_survey, date_range=date_range, segments={c: list(v) for c, v in segs} or None)


# ---------------------------------------------------------------- analysis


@st.cache_data(show_spinner="Analysing…", max_entries=24)
def run_analysis(digest: str, opts: tuple, filters: tuple, outcome: tuple, _survey: Survey):
    """``(analysis, None)`` or ``(None, error sentence)`` for the filtered survey and an outcome key
    ``(column or None, positive label or None)``."""
    column, positive = outcome
    try:
        spec = outcome_spec(_survey, column, positive=positive)
        return analyze(_survey, outcome=spec, settings=AnalysisSettings()), None
    except SurveyError as exc:
        return None, str(exc)


# ---------------------------------------------------------------- per-stage row look-ups


@st.cache_data(show_spinner=False, max_entries=64)
def bad_comments(key: tuple, stage: str, _survey: Survey) -> pd.DataFrame:
    """Respondents who rated ``stage`` in the bottom box and left a comment: ``response_id, score, comment``
    (:func:`cycle_analytics.stats.headline.bad_comments`, cached)."""
    return headline_stats.bad_comments(_survey, stage)


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
    """Headline numbers as the Overview page reads them: ``responses``, ``ratings``, ``satisfaction``
    (label, value, help) or ``None``, ``csat_pct``, ``nps``, ``nps_column``, and ``figures`` (the
    :class:`cycle_analytics.stats.headline.Headline`)."""
    h = headline_figures(key, _survey, _outcome)
    sat = None
    if h.outcome_mean is not None:
        where = f"mean on {h.outcome_scale.minimum}–{h.outcome_scale.maximum}, " if h.outcome_scale is not None else "mean, "
        sat = (h.outcome_label or "", h.outcome_mean, f"{where}{h.outcome_n:,} answers")
    return {"responses": h.responses, "ratings": h.ratings, "satisfaction": sat, "csat_pct": h.csat_pct,
            "nps": h.nps, "nps_column": h.nps_column, "figures": h}
