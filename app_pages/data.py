"""Data: the import summary, rejected rows, detected column roles, the stage-mapping review, the
unknown answer labels, and the import choices.

The stage mapping (wide files and survey-tool exports) is an editable table: one row per candidate
question column with its proposed stage. "Apply mapping" reads the file again with
``ImportOptions.stage_map`` (through the Data-page overrides) and saves the mapping with
``cycle_analytics.ingest.mapping.MappingStore`` under the file's question signature, so the next upload of
a file with the same questions reuses it (``app_support.loaders.load_survey``).
"""

import streamlit as st

from app_support import loaders, state, tables, widgets
from cycle_analytics.errors import SurveyError

ss = st.session_state
v = state.view()

st.title("Data")
if v is None or v.survey is None:
    if v is not None and v.error:
        st.error(v.error)
    else:
        st.info("No survey is loaded yet: choose a sample or upload a file in the sidebar.")
    if state.overrides():
        st.caption("The import choices made on this page may be the cause.")
        if st.button("Reset the import choices", key="reset_overrides_error"):
            loaders.reset_overrides()
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
widgets.table(tables.import_summary(info), key="import_summary", height="all")
for note in info.notes:
    st.text("• " + str(note))

st.subheader("Rejected rows")
if info.rows_rejected:
    widgets.table(s.rejected, key="rejected_rows", height=min(400, 40 + 35 * len(s.rejected)))
    widgets.download_button(s.rejected, "rejected_rows.csv", key="rejected_csv", label="Download rejected rows (CSV)")
else:
    st.info("No row was rejected: every data row of the file was read.")

st.subheader("Detected columns")
roles = tables.column_roles(info)
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
over = state.overrides()
if info.format != "long":
    st.subheader("Stage mapping")
    try:
        sig = loaders.survey_signature(s)
    except SurveyError:
        sig = None
    reused = ss.get(state.MAPPING_REUSED) or {}
    if reused.get("signature") == sig and reused.get("stage_map") == over.get("stage_map"):
        st.info(f"Mapping reused from {widgets.fmt_timestamp(reused.get('saved_at'))}: the stages below were confirmed for a file "
                "with the same questions. Change them and apply, or reset the import choices to map from scratch.")
    saved_now = ss.get(state.MAPPING_SAVED)
    if saved_now and saved_now[0] == sig and over.get("stage_map"):
        st.success(f"Mapping applied and saved ({widgets.fmt_timestamp(saved_now[1])}); it will be reused for files with the same questions.")
    review = tables.mapping_review(info)
    if len(review) == 0:
        st.caption("No question column to map.")
    else:
        if ss.get(state.MAPPING_EDITOR_SIG) != sig:  # edits belong to another file: forget them
            ss.pop(state.MAPPING_EDITOR, None)
            ss[state.MAPPING_EDITOR_SIG] = sig
        if s.cycle is not None:
            stage_col = st.column_config.SelectboxColumn(
                "stage", options=[*s.cycle.stage_names, tables.NOT_A_STAGE], required=True,
                help=f"A stage of the cycle {s.cycle.name!r}, or {tables.NOT_A_STAGE!r}.")
            st.caption(f"Each question column and the stage of the cycle {widgets.md_escape(s.cycle.name)!r} it rates; "
                       "pick another stage or “not a stage”, then apply.")
        else:
            stage_col = st.column_config.TextColumn(
                "stage", help=f"The stage name (free text), or {tables.NOT_A_STAGE!r} / empty for a column that is no stage.")
            st.caption("Each question column and the stage it becomes (no cycle chosen: type a stage name, or “not a stage”), "
                       "then apply. Stages follow the table order.")
        edited = st.data_editor(
            review, key=state.MAPPING_EDITOR, hide_index=True, width="stretch", num_rows="fixed",
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
            over["stage_map"] = tables.stage_map_from_review(edited)
            state.set_overrides(over)
            ss.pop(state.MAPPING_EDITOR, None)
            if sig:
                try:
                    loaders.save_mapping(s, sig, over["stage_map"], over.get("label_map") or ())
                except (SurveyError, OSError) as exc:
                    st.warning(f"The mapping was applied but could not be saved: {exc}")
            st.rerun()

# ---------------------------------------------------------------- unknown answer labels
unknown = tables.unknown_labels(info)
mapped_labels = dict(over.get("label_map") or ())
if len(unknown) or mapped_labels:
    st.subheader("Unknown answer labels")
if len(unknown):
    st.caption("Answers the importer did not recognise; the rows holding them in a stage column are rejected. "
               "Map each to a score or to N/A (no answer) and read the file again.")
    choices = [tables.UNMAPPED, tables.NA_CHOICE, *[str(x) for x in s.scale.values]]
    with st.form("data_labels"):
        for label, count, cols in unknown.itertuples(index=False):
            st.selectbox(f"{label!r}: {count:,} answer{'s' if count != 1 else ''} in {cols}", choices,
                         key=state.LABEL_PREFIX + label)
        go = st.form_submit_button("Map the labels and read the file again", type="primary")
    if go:
        picks = {label: ss.get(state.LABEL_PREFIX + label, tables.UNMAPPED) for label in unknown["label"]}
        new_map = tables.label_map_from_picks(list(unknown["label"]), picks, mapped_labels)
        if new_map != mapped_labels:
            over["label_map"] = tuple(new_map.items())
            state.set_overrides(over)
            st.rerun()
if mapped_labels:
    st.caption("Your label mapping: " + "; ".join(
        f"{widgets.md_escape(repr(k))} → {'N/A' if v is None else f'{v:g}'}" for k, v in mapped_labels.items()))

st.subheader("Your choices")
st.caption("Confirm or change what the importer guessed; the file is read again with these choices.")
over = state.overrides()
stage_options, stage_default = tables.stage_choices(info, over)
out_options = tables.outcome_choices(info)
out_default = over.get("outcome") or tables.GUESS
scales = list(tables.SCALE_CHOICES)
with st.form("import_choices"):
    stages_pick = st.multiselect("Stages (in cycle order)", stage_options, default=stage_default, key=state.DATA_STAGES)
    na_text = st.text_input("N/A codes (comma-separated)", value=", ".join(over.get("na_values") or info.na_values),
                            key=state.DATA_NA, help="Answers counted as no answer, e.g. 0, 6, N/A, Blank")
    col1, col2, col3 = st.columns(3)
    scale_pick = col1.selectbox("Scale", scales, index=scales.index(over["scale"]) if over.get("scale") in scales else 0,
                                key=state.DATA_SCALE)
    outcome_pick = col2.selectbox("Outcome column", out_options,
                                  index=out_options.index(out_default) if out_default in out_options else 0, key=state.DATA_OUTCOME)
    positive = col3.text_input("Positive label (binary outcome)", value=over.get("positive") or "", key=state.DATA_POSITIVE)
    submitted = st.form_submit_button("Read the file again with these choices", type="primary")
if submitted:
    state.set_overrides(tables.overrides_from_choices(
        over, stages=stages_pick, stage_default=stage_default, na_text=na_text, scale=scale_pick, outcome=outcome_pick,
        positive=positive))
    ss.pop(state.OUTCOME, None)
    st.rerun()
if over and st.button("Reset to the importer's guesses", key="reset_overrides"):
    loaders.reset_overrides()
    ss.pop(state.OUTCOME, None)
    st.rerun()
