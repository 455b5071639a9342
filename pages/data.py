"""Data: the import summary, rejected rows, detected column roles, and the import choices."""

import pandas as pd
import streamlit as st

from app_support import state, widgets

ss = st.session_state
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
    new = {}
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
    ss[state.OVERRIDES] = {}
    ss.pop(state.OUTCOME, None)
    st.rerun()
