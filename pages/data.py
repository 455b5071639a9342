"""Data: the import summary, rejected rows, detected column roles, the stage-mapping review, the
unknown answer labels, and the import choices.

The stage mapping (wide files and survey-tool exports) is an editable table: one row per candidate
question column with its proposed stage. "Apply mapping" reads the file again with
``ImportOptions.stage_map`` (through the Data-page overrides) and saves the mapping with
``cycle_analytics.ingest.mapping.MappingStore`` under the file's question signature, so the next upload of
a file with the same questions reuses it (``app_support.loaders.load_survey``).
"""

import datetime as dt

import pandas as pd
import streamlit as st

from app_support import loaders, state, widgets
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.layouts import unknown_labels

NOT_A_STAGE = "not a stage"
EDITOR = "data_mapping_editor"  # st.data_editor of the mapping review (page-local widget key)
EDITOR_SIG = "data_mapping_editor_sig"  # the signature the editor's edits belong to (page-local)
LABEL_PREFIX = "data_label__"  # + label: selectbox mapping one unknown answer label (page-local)
UNMAPPED = "(leave unknown)"
NA_CHOICE = "N/A (no answer)"
_META = ("metadata",)


def _stage_of(role, stages) -> tuple[str, str, float | None]:
    """(stage, method, confidence) read from a column's role detail."""
    if role.role != "stage":
        return NOT_A_STAGE, "", None
    detail = role.detail or ""
    for name in stages:
        prefix = f"stage {name!r}"
        if detail.startswith(prefix):
            rest = detail[len(prefix):].strip().strip("()")
            if not rest:
                return name, "named from the file", None
            if rest.startswith("fuzzy"):
                try:
                    return name, "fuzzy", float(rest.split(",")[1].strip().rstrip("%")) / 100
                except (IndexError, ValueError):
                    return name, "fuzzy", None
            return name, rest, 1.0
        if detail == name:
            return name, "column name", None
    return (role.column if role.column in stages else NOT_A_STAGE), "", None


def _fmt_saved(text) -> str:
    try:
        return dt.datetime.fromisoformat(str(text)).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return "an earlier session"

ss = st.session_state


def _skip_reused_mapping() -> None:
    """After a reset, do not apply the saved mapping again in this session."""
    reused = ss.get(loaders.MAPPING_REUSED) or {}
    if reused.get("signature"):
        ss[loaders.MAPPING_SKIP] = set(ss.get(loaders.MAPPING_SKIP) or ()) | {reused["signature"]}


v = state.view()
if v is None:
    state.rerun_through_app()

st.title("Data")
if v is None or v.survey is None:
    if v is not None and v.error:
        st.error(v.error)
    else:
        st.info("No survey is loaded yet: choose a sample or upload a file in the sidebar.")
    if ss.get(state.OVERRIDES):
        st.caption("The import choices made on this page may be the cause.")
        if st.button("Reset the import choices", key="reset_overrides_error"):
            _skip_reused_mapping()
            ss[state.OVERRIDES] = {}
            st.rerun()
    st.stop()

s = v.survey
info = s.info
st.caption(widgets.md_escape(v.source_label))

st.subheader("Import summary")
c = st.columns(6)
c[0].metric("Rows read", f"{info.rows_read:,}", border=True)
c[1].metric("Accepted", f"{info.rows_accepted:,}", border=True)
c[2].metric("Rejected", f"{info.rows_rejected:,}", border=True)
c[3].metric("Respondents", f"{info.respondents:,}", border=True)
c[4].metric("Ratings", f"{info.ratings:,}", border=True)
c[5].metric("Scale", f"{info.scale.minimum}–{info.scale.maximum}", help=f"{info.scale_source}", border=True)
identity = "holds" if info.rows_read == info.rows_accepted + info.rows_rejected else "DOES NOT HOLD"
summary = pd.DataFrame({
    "item": ["format", "rows read = accepted + rejected", "outcome", "outcome candidates", "segments", "date column",
             "comment column", "N/A codes", "answers read as N/A", "scale source", "stages"],
    "value": [info.format, f"{info.rows_read:,} = {info.rows_accepted:,} + {info.rows_rejected:,} ({identity})",
              info.outcome or "none (proxy)", ", ".join(info.outcome_candidates) or "none", ", ".join(info.segments) or "none",
              info.date_column or "none", info.comment_column or "none", ", ".join(map(str, info.na_values)) or "none",
              f"{info.na_answers:,}", info.scale_source, " → ".join(info.stages)],
})
widgets.table(summary, key="import_summary", height="all")
for note in info.notes:
    st.text("• " + str(note))

st.subheader("Rejected rows")
if info.rows_rejected:
    widgets.table(s.rejected, key="rejected_rows", height=min(400, 40 + 35 * len(s.rejected)))
    widgets.download_button(s.rejected, "rejected_rows.csv", key="rejected_csv", label="Download rejected rows (CSV)")
else:
    st.info("No row was rejected: every data row of the file was read.")

st.subheader("Detected columns")
roles = pd.DataFrame([{"column": r.column, "role": r.role, "detail": r.detail, "question": r.question} for r in info.columns])
if len(roles):
    widgets.table(roles, key="column_roles")
else:
    st.caption("The importer did not report column roles.")

# ---------------------------------------------------------------- stage mapping review
if str(ss.get(state.SOURCE_ID) or "").startswith("saved:"):
    # A saved survey keeps its tidy tables, not the raw file, so there is nothing to read again.
    st.info("This is a saved survey: its stages, N/A codes, scale and mapping were fixed when it was saved. "
            "To change them, upload the file again, make the changes here, and save it (or replace the saved data).")
    st.stop()
over = dict(ss.get(state.OVERRIDES) or {})
if info.format != "long":
    st.subheader("Stage mapping")
    try:
        sig = loaders.survey_signature(s)
    except SurveyError:
        sig = None
    reused = ss.get(loaders.MAPPING_REUSED) or {}
    if reused.get("signature") == sig and reused.get("stage_map") == over.get("stage_map"):
        st.info(f"Mapping reused from {_fmt_saved(reused.get('saved_at'))}: the stages below were confirmed for a file "
                "with the same questions. Change them and apply, or reset the import choices to map from scratch.")
    saved_now = ss.get(loaders.MAPPING_SAVED)
    if saved_now and saved_now[0] == sig and over.get("stage_map"):
        st.success(f"Mapping applied and saved ({_fmt_saved(saved_now[1])}); it will be reused for files with the same questions.")
    rows = []
    for r in info.columns:
        if r.role in ("id", "date", "dropped_personal", "comment", "score", "stage_name"):
            continue
        if r.role == "ignored" and any(w in (r.detail or "") for w in _META):
            continue
        stage, method, conf = _stage_of(r, info.stages)
        rows.append({"column": r.column, "question": r.question or "", "stage": stage, "method": method,
                     "confidence": conf, "role": r.role})
    if not rows:
        st.caption("No question column to map.")
    else:
        table = pd.DataFrame(rows).astype({"column": "str", "question": "str", "stage": "str", "method": "str",
                                           "confidence": "float64", "role": "str"})
        if ss.get(EDITOR_SIG) != sig:  # edits belong to another file: forget them
            ss.pop(EDITOR, None)
            ss[EDITOR_SIG] = sig
        if s.cycle is not None:
            stage_col = st.column_config.SelectboxColumn(
                "stage", options=[*s.cycle.stage_names, NOT_A_STAGE], required=True,
                help=f"A stage of the cycle {s.cycle.name!r}, or {NOT_A_STAGE!r}.")
            st.caption(f"Each question column and the stage of the cycle {widgets.md_escape(s.cycle.name)!r} it rates; "
                       "pick another stage or “not a stage”, then apply.")
        else:
            stage_col = st.column_config.TextColumn(
                "stage", help=f"The stage name (free text), or {NOT_A_STAGE!r} / empty for a column that is no stage.")
            st.caption("Each question column and the stage it becomes (no cycle chosen: type a stage name, or “not a stage”), "
                       "then apply. Stages follow the table order.")
        edited = st.data_editor(
            table, key=EDITOR, hide_index=True, width="stretch", num_rows="fixed",
            disabled=["column", "question", "method", "confidence", "role"],
            column_config={
                "stage": stage_col,
                "question": st.column_config.TextColumn("question", width="large"),
                "method": st.column_config.TextColumn("method", help="How the importer proposed the stage: exact, alias, "
                                                      "fuzzy (with its confidence), your mapping, or from the file."),
                "confidence": st.column_config.NumberColumn("confidence", format="percent"),
                "role": st.column_config.TextColumn("role", help="What the importer made of the column."),
            },
        )
        if st.button("Apply mapping", key="data_apply_mapping", type="primary",
                     help="Read the file again with these stages and remember the mapping for files with the same questions."):
            stage_map = []
            for col, stg in zip(edited["column"].astype(str), edited["stage"]):
                text = "" if stg is None or pd.isna(stg) else str(stg).strip()
                stage_map.append((col, None if not text or text.casefold() == NOT_A_STAGE else text))
            over["stage_map"] = tuple(stage_map)
            ss[state.OVERRIDES] = over
            ss.pop(EDITOR, None)
            if sig:
                try:
                    saved_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
                    loaders.mapping_store().save(
                        sig, dict(stage_map), cycle=s.cycle.name if s.cycle is not None else None,
                        questions={r.column: r.question for r in info.columns},
                        labels=dict(over.get("label_map") or ()), saved_at=saved_at)
                    ss[loaders.MAPPING_SAVED] = (sig, saved_at)
                except (SurveyError, OSError) as exc:
                    st.warning(f"The mapping was applied but could not be saved: {exc}")
            st.rerun()

# ---------------------------------------------------------------- unknown answer labels
unknown = unknown_labels(info)
mapped_labels = dict(over.get("label_map") or ())
if len(unknown) or mapped_labels:
    st.subheader("Unknown answer labels")
if len(unknown):
    st.caption("Answers the importer did not recognise; the rows holding them in a stage column are rejected. "
               "Map each to a score or to N/A (no answer) and read the file again.")
    choices = [UNMAPPED, NA_CHOICE, *[str(x) for x in s.scale.values]]
    with st.form("data_labels"):
        for label, count, cols in unknown.itertuples(index=False):
            st.selectbox(f"{label!r}: {count:,} answer{'s' if count != 1 else ''} in {cols}", choices,
                         key=LABEL_PREFIX + label)
        go = st.form_submit_button("Map the labels and read the file again", type="primary")
    if go:
        new_map = dict(mapped_labels)
        for label in unknown["label"]:
            pick = ss.get(LABEL_PREFIX + label, UNMAPPED)
            if pick == NA_CHOICE:
                new_map[label] = None
            elif pick != UNMAPPED:
                new_map[label] = float(pick)
        if new_map != mapped_labels:
            over["label_map"] = tuple(new_map.items())
            ss[state.OVERRIDES] = over
            st.rerun()
if mapped_labels:
    st.caption("Your label mapping: " + "; ".join(
        f"{widgets.md_escape(repr(k))} → {'N/A' if v is None else f'{v:g}'}" for k, v in mapped_labels.items()))

st.subheader("Your choices")
st.caption("Confirm or change what the importer guessed; the file is read again with these choices.")
over = dict(ss.get(state.OVERRIDES) or {})
if info.format == "long":
    stage_options = list(info.stages)
    stage_default = list(over.get("stages") or info.stages)
else:
    stage_options = [r.column for r in info.columns if r.role not in ("id",)] or list(info.stages)
    stage_default = list(over.get("stages") or [r.column for r in info.columns if r.role == "stage"] or info.stages)
stage_default = [x for x in stage_default if x in stage_options]
out_options = ["(guess)"] + [r.column for r in info.columns if r.role not in ("id", "stage_name", "score")]
out_default = over.get("outcome") or "(guess)"
scales = ["(infer)", "1-5", "1-7", "1-10", "0-10"]
with st.form("import_choices"):
    stages_pick = st.multiselect("Stages (in cycle order)", stage_options, default=stage_default, key="data_stages")
    na_text = st.text_input("N/A codes (comma-separated)", value=", ".join(over.get("na_values") or info.na_values),
                            key="data_na", help="Answers counted as no answer, e.g. 0, 6, N/A, Blank")
    col1, col2, col3 = st.columns(3)
    scale_pick = col1.selectbox("Scale", scales, index=scales.index(over["scale"]) if over.get("scale") in scales else 0, key="data_scale")
    outcome_pick = col2.selectbox("Outcome column", out_options,
                                  index=out_options.index(out_default) if out_default in out_options else 0, key="data_outcome")
    positive = col3.text_input("Positive label (binary outcome)", value=over.get("positive") or "", key="data_positive")
    submitted = st.form_submit_button("Read the file again with these choices", type="primary")
if submitted:
    new = {k: over[k] for k in ("stage_map", "label_map") if over.get(k)}
    if stages_pick and stages_pick != stage_default or (stages_pick and over.get("stages")):
        new["stages"] = tuple(stages_pick)
    na = tuple(x.strip() for x in na_text.split(",") if x.strip())
    if na:
        new["na_values"] = na
    if scale_pick != "(infer)":
        new["scale"] = scale_pick
    if outcome_pick != "(guess)":
        new["outcome"] = outcome_pick
    if positive.strip():
        new["positive"] = positive.strip()
    ss[state.OVERRIDES] = new
    ss.pop(state.OUTCOME, None)
    st.rerun()
if over and st.button("Reset to the importer's guesses", key="reset_overrides"):
    _skip_reused_mapping()
    ss[state.OVERRIDES] = {}
    ss.pop(state.OUTCOME, None)
    st.rerun()
