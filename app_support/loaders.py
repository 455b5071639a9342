"""Thin cached loaders between the pages and ``cycle_analytics``.

Cache keys are primitives only (file digest, option tuples, filter tuples); the heavy objects are
passed as leading-underscore arguments, which Streamlit does not hash:

* :func:`load_survey` - ``import_survey`` keyed by the file's SHA-256 digest + import options.
  ``st.cache_resource`` (no copy on a hit: a 1M-rating survey is not unpickled on every rerun;
  surveys are immutable by convention, nothing mutates them). A ``SurveyError`` is cached too, as
  its sentence, so a bad file is not re-parsed on every rerun.
* :func:`filtered_survey` - ``filter_survey`` keyed by digest + options + filters.
* :func:`run_analysis` - ``analyze`` keyed by digest + options + filters + outcome + settings
  (``st.cache_data``: the result is small tables).
* :func:`bad_comments` - comments of the respondents who rated one stage in the bottom box.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from cycle_analytics.dataset import PROXY_OUTCOME, ImportOptions, OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError

from . import state

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"


@dataclass
class View:
    """Everything a page needs for this run."""

    source_label: str = ""
    file_name: str = ""
    survey: Survey | None = None  # as imported (Data page)
    filtered: Survey | None = None  # after the sidebar filters
    analysis: object | None = None  # cycle_analytics.analysis.Analysis
    outcome: OutcomeSpec | None = None
    error: str | None = None  # import error sentence (SurveyError)
    analysis_error: str | None = None  # analysis error sentence (SurveyError)
    filters_active: bool = False
    key: tuple = ()  # (digest, options, filters, outcome): identity of the view for caches
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.survey is not None and self.error is None


# ---------------------------------------------------------------- files


def sample_path(name: str) -> Path:
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
    )


def build_options(opts: tuple) -> ImportOptions:
    from cycle_analytics.cycles import load_cycle, parse_cycle
    from cycle_analytics.scales import parse_scale

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
    )


@st.cache_resource(show_spinner="Reading the survey…", max_entries=6)
def load_survey(digest: str, file_name: str, opts: tuple, _data: bytes) -> tuple[Survey | None, str | None]:
    """``(survey, None)`` or ``(None, error sentence)``: ``import_survey`` on the file's bytes."""
    from cycle_analytics.importer import import_survey

    try:
        return import_survey(_data, build_options(opts), file_name=file_name), None
    except SurveyError as exc:
        return None, str(exc)


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
    dfrom, dto, segs = filters
    if dfrom is None and not segs:
        return _survey
    from cycle_analytics.filters import filter_survey

    date_range = (pd.Timestamp(dfrom), pd.Timestamp(dto)) if dfrom else None
    return filter_survey(_survey, date_range=date_range, segments={c: list(v) for c, v in segs} or None)


# ---------------------------------------------------------------- outcome + analysis


def outcome_spec(survey: Survey, column: str | None, positive: str | None = None) -> OutcomeSpec:
    """The :class:`OutcomeSpec` for an outcome column of ``survey`` (``None`` = the proxy)."""
    from cycle_analytics.analysis import outcome_spec as _spec

    return _spec(survey, column, positive=positive)


@st.cache_data(show_spinner="Analysing…", max_entries=24)
def run_analysis(digest: str, opts: tuple, filters: tuple, outcome: tuple, _survey: Survey):
    """``(analysis, None)`` or ``(None, error sentence)`` for the filtered survey and an outcome key."""
    from cycle_analytics.analysis import AnalysisSettings, analyze

    column, positive = outcome
    try:
        spec = outcome_spec(_survey, column, positive)
        return analyze(_survey, outcome=spec, settings=AnalysisSettings()), None
    except SurveyError as exc:
        return None, str(exc)


# ---------------------------------------------------------------- per-stage row look-ups


@st.cache_data(show_spinner=False, max_entries=64)
def bad_comments(key: tuple, stage: str, _survey: Survey) -> pd.DataFrame:
    """Respondents who rated ``stage`` in the bottom box and left a comment: ``response_id, score, comment``."""
    r, resp = _survey.ratings, _survey.responses
    empty = pd.DataFrame({"response_id": pd.Series([], dtype="str"), "score": pd.Series([], dtype="float64"),
                          "comment": pd.Series([], dtype="str")})
    if "comment" not in resp.columns or stage not in r["stage"].cat.categories:
        return empty
    code = r["stage"].cat.categories.get_loc(stage)
    mask = (r["stage"].cat.codes.to_numpy() == code) & np.isin(r["score"].to_numpy(), np.asarray(_survey.scale.bottom_box, dtype=float))
    rows = r["response_id"].cat.codes.to_numpy()[mask]
    scores = r["score"].to_numpy()[mask]
    comments = resp["comment"].to_numpy()[rows] if len(rows) else np.array([], dtype=object)
    keep = pd.notna(comments) & (pd.Series(comments, dtype="str").str.strip().str.len().fillna(0).to_numpy() > 0) if len(rows) else np.zeros(0, bool)
    if not keep.any():
        return empty
    return pd.DataFrame({
        "response_id": resp["response_id"].astype("str").to_numpy()[rows[keep]],
        "score": scores[keep],
        "comment": pd.Series(comments[keep], dtype="str").to_numpy(),
    }).sort_values("score", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- headline figures


def _recommend_column(survey: Survey) -> str | None:
    """A 0-10 likelihood-to-recommend outcome column, if the survey has one."""
    resp = survey.responses
    for col in survey.info.outcome_candidates:
        if col not in resp.columns or not pd.api.types.is_numeric_dtype(resp[col]):
            continue
        name = col.lower()
        if "recommend" in name or "nps" in name:
            vals = resp[col].to_numpy(dtype=float)
            vals = vals[~np.isnan(vals)]
            if len(vals) and vals.min() >= 0 and vals.max() <= 10:
                return col
    return None


@st.cache_data(show_spinner=False, max_entries=24)
def headline(key: tuple, _survey: Survey, _outcome: OutcomeSpec | None) -> dict:
    """Headline numbers: ``responses``, ``ratings``, ``satisfaction`` (label, value, help),
    ``csat_pct``, ``nps`` (or ``None``), computed with numpy on the filtered survey."""
    resp = _survey.responses
    out: dict = {"responses": int(len(resp)), "ratings": int(len(_survey.ratings)), "satisfaction": None,
                 "csat_pct": None, "nps": None, "nps_column": None}
    spec = _outcome
    if spec is not None and not spec.is_proxy and spec.column in resp.columns:
        col = resp[spec.column]
        if spec.kind == "rating" and pd.api.types.is_numeric_dtype(col) and spec.scale is not None:
            vals = col.to_numpy(dtype=float)
            vals = vals[~np.isnan(vals)]
            if len(vals):
                out["satisfaction"] = (spec.display(), float(vals.mean()), f"mean on {spec.scale.minimum}–{spec.scale.maximum}, {len(vals):,} answers")
                out["csat_pct"] = float(np.isin(vals, np.asarray(spec.scale.top_box, float)).mean() * 100)
        elif spec.kind == "binary":
            vals = col.dropna()
            if len(vals):
                pos = (vals.astype(str) == str(spec.positive)).to_numpy() if spec.positive is not None else None
                if pos is not None:
                    out["csat_pct"] = float(pos.mean() * 100)
    rec = _recommend_column(_survey)
    if rec is not None:
        vals = resp[rec].to_numpy(dtype=float)
        vals = vals[~np.isnan(vals)]
        if len(vals):
            out["nps"] = float(((vals >= 9).mean() - (vals <= 6).mean()) * 100)
            out["nps_column"] = rec
    return out


@st.cache_data(show_spinner=False, max_entries=64)
def stage_distribution_by(key: tuple, stage: str, segment: str, _survey: Survey) -> pd.DataFrame:
    """Answer distribution of one stage per value of a segment column (one vectorised bincount).

    Columns: ``stage``, ``<segment>`` (the segment value), ``score``, ``count``, ``pct`` (within
    the value), ``n`` (answers of the value): the shape ``figures.diverging_bar_figure(..., by=segment)`` draws.
    """
    r, resp = _survey.ratings, _survey.responses
    values = _survey.scale.values
    seg = resp[segment]
    cats = [str(c) for c in (seg.cat.categories if hasattr(seg, "cat") else sorted(seg.dropna().astype(str).unique()))]
    seg_codes = seg.cat.codes.to_numpy() if hasattr(seg, "cat") else pd.Categorical(seg.astype("str"), categories=cats).codes
    code = r["stage"].cat.categories.get_loc(stage)
    mask = r["stage"].cat.codes.to_numpy() == code
    g = np.asarray(seg_codes)[r["response_id"].cat.codes.to_numpy()[mask]]
    sc = r["score"].to_numpy()[mask].astype(np.int64) - _survey.scale.minimum
    ok = g >= 0
    k, p = len(cats), len(values)
    counts = np.bincount(g[ok] * p + sc[ok], minlength=k * p).reshape(k, p) if k else np.zeros((0, p), np.int64)
    n = counts.sum(axis=1)
    pct = counts / np.maximum(n[:, None], 1) * 100
    keep = n > 0
    kept = [c for c, kk in zip(cats, keep) if kk]
    return pd.DataFrame({
        "stage": pd.Categorical([stage] * (len(kept) * p), categories=list(_survey.stages), ordered=True),
        segment: pd.Categorical(np.repeat(np.asarray(kept, dtype=object), p), categories=kept),
        "score": np.tile(np.asarray(values, dtype=np.int64), len(kept)),
        "count": counts[keep].ravel(),
        "pct": pct[keep].ravel(),
        "n": np.repeat(n[keep], p),
    })
