"""Data: what we read from the file (confirmed once), the import summary, rejected rows and invalid
answers, detected column roles, the stage-mapping review and the unknown answer labels.

"What we read" opens the page: the stages in order, the scale, the N/A codes, the outcome, the
segments and the date, each with the importer's reason (``app_support.tables.reading_table``) and a
control to change it. "Confirm what we read" reads the file again when something changed, and
remembers the stages for files with the same columns (the mapping memory, as "Apply mapping" does);
"Read the file again" tries a change without confirming.

The stage mapping (wide files and survey-tool exports) is an editable table: one row per candidate
question column with its proposed stage. "Apply mapping" reads the file again with
``ImportOptions.stage_map`` (through the Data-page overrides) and saves the mapping with
``cycle_analytics.ingest.mapping.MappingStore`` under the file's question signature, so the next upload of
a file with the same questions reuses it (``app_support.loaders.load_survey``).
"""

import datetime as dt

import streamlit as st

from app_support import identity, loaders, screening, sharing, sources, state, tables, widgets
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, format_number, format_percent, ngettext
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs import display_names

ss = st.session_state
v = state.view()

st.title(_("Data"))
sources.source_picker()  # the warehouse sources of the secrets, beside the upload
if v is not None and v.warehouse is not None:
    st.caption(widgets.md_escape(v.source_label))
    if v.error:
        st.error(widgets.md_escape(v.error))
    else:
        sources.source_summary(v.warehouse)
    st.stop()
if v is None or v.survey is None:
    if v is not None and v.error:
        st.error(widgets.md_escape(v.error))  # the sentence quotes the file name: text, not markup
    else:
        st.info(_("No survey is loaded yet: choose a sample or upload a file in the sidebar."))
    if state.overrides():
        st.caption(_("The import choices made on this page may be the cause."))
        if st.button(_("Reset the import choices"), key="reset_overrides_error"):
            loaders.reset_overrides()
            st.rerun()
    st.stop()

s = v.imported or v.survey  # the Data page shows what the importer read, before the names people use
info = s.info
st.caption(widgets.md_escape(v.source_label))

# ---------------------------------------------------------------- what we read (the confirmation screen)
st.subheader(_("What we read"))
is_saved = str(ss.get(state.SOURCE_ID) or "").startswith("saved:")
digest = v.key[0] if v.key else ""
confirmed = is_saved or state.reading_confirmed(digest)
if not confirmed:
    st.info(_("Check what we read from the file. Change what is wrong below, then confirm once: files with the same "
              "columns will be read the same way."), icon=":material/fact_check:")
else:
    when = (ss.get(state.READING_CONFIRMED) or {}).get(digest)
    if is_saved:
        confirmed_text = _("Read when the survey was saved.")
    elif when:
        confirmed_text = _("You confirmed this reading ({when}).").format(when=widgets.fmt_timestamp(when))
    else:
        confirmed_text = _("You confirmed this reading for a file with the same columns.")
    st.success(confirmed_text, icon=":material/check_circle:")
for item, value, why in tables.reading_table(info).itertuples(index=False):
    label, read = st.columns([1, 6])
    label.markdown(f"**{item}**")  # a fixed word of the reading table
    read.markdown(widgets.md_escape(value))  # names from the file: text, never markup
    if why:
        read.caption(widgets.md_escape(why))
over = state.overrides()
if not is_saved:
    stage_options, stage_default = tables.stage_choices(info, over)
    out_options = tables.outcome_choices(info)
    out_default = over.get("outcome") or tables.GUESS
    seg_options, seg_default = tables.segment_choices(info, over)
    date_options, date_default = tables.date_choices(info, over)
    weight_options, weight_default = tables.weight_choices(info, over)
    na_default = ", ".join(over.get("na_values") or ()) if over.get("infer_na_codes") is False else tables.na_codes_text(info)
    scales = list(tables.SCALE_CHOICES)
    with st.expander(_("Change what we read"), expanded=not confirmed):
        with st.form("import_choices"):
            stages_pick = st.multiselect(_("Stages (in order)"), stage_options, default=stage_default, key=state.DATA_STAGES)
            col1, col2, col3 = st.columns(3)
            scale_pick = col1.selectbox(_("Scale"), scales, index=scales.index(over["scale"]) if over.get("scale") in scales else 0,
                                        key=state.DATA_SCALE, format_func=tables.choice_label,
                                        help=_("(infer): read from the answers, as the table above says."))
            na_text = col2.text_input(_("N/A codes (comma-separated)"), value=na_default, key=state.DATA_NA,
                                      help=_("Answers counted as no answer, e.g. 0, 6, 99, Blank. NA, N/A, -, Don't know "
                                             "and the like always are."))
            date_pick = col3.selectbox(_("Date"), date_options, format_func=tables.choice_label, index=date_options.index(date_default), key=state.DATA_DATE)
            col4, col5 = st.columns([2, 1])
            outcome_pick = col4.selectbox(_("Outcome column"), out_options, format_func=tables.choice_label,
                                          index=out_options.index(out_default) if out_default in out_options else 0,
                                          key=state.DATA_OUTCOME)
            positive = col5.text_input(_("Positive label (binary outcome)"), value=over.get("positive") or "",
                                       key=state.DATA_POSITIVE)
            col6, col7 = st.columns([2, 1])
            segments_pick = col6.multiselect(_("Segments"), seg_options, default=seg_default, key=state.DATA_SEGMENTS)
            weight_pick = col7.selectbox(_("Survey weight"), weight_options, format_func=tables.choice_label,
                                         index=weight_options.index(weight_default), key=state.DATA_WEIGHT,
                                         help=_("A column of respondent weights (non-negative numbers): every figure "
                                                "is then weighted, with Kish's effective sample size for its uncertainty."))
            b1, b2 = st.columns(2)
            confirm = b1.form_submit_button(_("Confirm what we read"), type="primary", icon=":material/check:")
            submitted = b2.form_submit_button(_("Read the file again with these choices"))
    if confirm or submitted:
        new_over = tables.overrides_from_choices(
            over, stages=stages_pick, stage_default=stage_default, na_text=na_text, scale=scale_pick, outcome=outcome_pick,
            positive=positive, na_default=na_default, segments=segments_pick, segment_default=seg_default,
            date=date_pick, date_default=date_default, weight=weight_pick, weight_default=weight_default)
        new_survey, error = (s, None) if new_over == over else loaders.import_with(digest, v.file_name, v.key[1], new_over)
        if error is not None:  # never apply choices the file does not import with
            st.error(_("The file does not import with these choices: {reason}").format(reason=error), icon=":material/error:")
        else:
            state.set_overrides(new_over)
            ss.pop(state.OUTCOME, None)
            if confirm:
                ss[state.READING_CONFIRMED] = {**(ss.get(state.READING_CONFIRMED) or {}),
                                               digest: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
                stage_map, sig = tables.reading_stage_map(new_survey.info), loaders.survey_signature(new_survey)
                if stage_map and sig and digest.startswith("upload:"):
                    try:  # remembered for files with the same columns, as a confirmed stage mapping
                        loaders.save_mapping(new_survey, sig, stage_map, new_over.get("label_map") or (),
                                             identity.memory_owner(), overrides=new_over)
                    except (SurveyError, OSError) as exc:
                        st.warning(_("The reading was confirmed but could not be remembered: {reason}").format(reason=exc))
            st.rerun()
    if over and st.button(_("Reset to the importer's guesses"), key="reset_overrides"):
        loaders.reset_overrides()
        ss.pop(state.OUTCOME, None)
        st.rerun()

st.subheader(_("Import summary"))
c = st.columns(4)
c[0].metric(_("Rows read"), format_number(info.rows_read), border=True)
c[1].metric(_("Accepted"), format_number(info.rows_accepted), border=True)
c[2].metric(_("Rejected"), format_number(info.rows_rejected), border=True,
            help=_("Rows unusable as a whole (no id, wrong number of cells)."))
c[3].metric(_("Respondents"), format_number(info.respondents), border=True)
c = st.columns(4)
c[0].metric(_("Ratings"), format_number(info.ratings), border=True)
c[1].metric(_("No answer"), format_number(info.no_answers), border=True, help=_("Empty cells and N/A answers of the stages."))
c[2].metric(_("Invalid answers"), format_number(info.invalid_answers), border=True,
            help=_("Answers read = ratings + no answer + invalid answers; an invalid answer loses that answer, not its row."))
c[3].metric(_("Scale"), f"{info.scale.minimum}–{info.scale.maximum}", help=tables.scale_source_name(info.scale_source), border=True)
widgets.table(tables.import_summary(info), key="import_summary", height="all",
              column_config={"item": st.column_config.TextColumn(_("Item")), "value": st.column_config.TextColumn(_("Value"))})
for note in info.notes:
    st.text("• " + str(note))

st.subheader(_("Rejected rows"))
if info.rows_rejected:
    widgets.table(s.rejected, key="rejected_rows", height=min(400, 40 + 35 * len(s.rejected)))
    widgets.download_button(s.rejected, "rejected_rows.csv", key="rejected_csv", label=N_("Download rejected rows (CSV)"))
else:
    st.info(_("No row was rejected: every data row of the file was read."))

st.subheader(_("Invalid answers"))
if len(s.invalid):
    st.caption(_("Answers that are not a number, lie outside the scale or are an unknown label. Each loses that answer "
                 "only: the rest of its row counts."))
    widgets.table(s.invalid, key="invalid_answers", height=min(400, 40 + 35 * len(s.invalid)))
    widgets.download_button(s.invalid, "invalid_answers.csv", key="invalid_csv", label=N_("Download invalid answers (CSV)"))
else:
    st.info(_("No answer is invalid: every answer is a rating or no answer."))

screening.quality_section(v)

st.subheader(_("Detected columns"))
roles = tables.column_roles(info)
if len(roles):
    widgets.table(roles, key="column_roles", column_config={
        "column": st.column_config.TextColumn(_("Column")), "role": st.column_config.TextColumn(_("Role")),
        "detail": st.column_config.TextColumn(_("Detail")), "question": st.column_config.TextColumn(_("Question"))})
else:
    st.caption(_("The importer did not report column roles."))

# ---------------------------------------------------------------- names people use
st.subheader(_("Names"))
st.caption(_("How the outcome, the segments and the stages are called in every page, sentence, chart and export. "
             "Survey-tool ids (such as Q3) start as their question text, shortened; type the names your team uses."))
source_id = str(ss.get(state.SOURCE_ID) or "")
given = loaders.user_names(source_id)
names_now = display_names.suggested_names(s).merged(given)
names_base = display_names.names_table(s, names_now)
if len(names_base):
    names_edited = st.data_editor(
        names_base, key=state.NAMES_EDITOR, hide_index=True, width="stretch", num_rows="fixed", disabled=["kind", "in_file"],
        column_config={"kind": st.column_config.TextColumn(_("What"), width="small"),
                       "in_file": st.column_config.TextColumn(_("Name in the file"), width="medium"),
                       "shown": st.column_config.TextColumn(_("Name shown"), width="large", max_chars=display_names.MAX_NAME,
                                                            help=_("Empty = the name in the file"))})
    try:
        new_names = display_names.validate_display_names(display_names.names_from_table(names_edited), s)
        names_problem = None
    except SurveyError as exc:
        new_names, names_problem = None, str(exc)
    if names_problem:
        st.error(names_problem, icon=":material/error:")
    if st.button(_("Use these names"), key="data_apply_names", icon=":material/edit:", disabled=names_problem is not None):
        old_stage = dict(names_now.stages)
        renamed_stages = {old_stage.get(o, o): dict(new_names.stages).get(o, o) for o in s.info.stages}
        loaders.set_user_names(source_id, new_names)
        plans = sharing.current_plans(v)
        if plans is not None:  # the plans follow their stages' new names
            sharing.set_plans(display_names.rename_in_plans(plans, renamed_stages))
            state.next_version(state.PLANS_VERSION)
        ss.pop(state.NAMES_EDITOR, None)
        st.rerun()

# ---------------------------------------------------------------- stage mapping review
if str(ss.get(state.SOURCE_ID) or "").startswith("saved:"):
    # A saved survey keeps its tidy tables, not the raw file, so there is nothing to read again.
    st.info(_("This is a saved survey: its stages, N/A codes, scale and mapping were fixed when it was saved. "
              "To change them, upload the file again, make the changes here, and save it (or replace the saved data)."))
    st.stop()
over = state.overrides()
if info.format != "long":
    st.subheader(_("Stage mapping"))
    try:
        sig = loaders.survey_signature(s)
    except SurveyError:
        sig = None
    reused = ss.get(state.MAPPING_REUSED) or {}
    if reused.get("signature") == sig and reused.get("stage_map") == over.get("stage_map"):
        st.info(widgets.md_escape(loaders.reused_mapping_notice(reused, widgets.fmt_timestamp(reused.get("saved_at")))),
                icon=":material/history:")  # the choices quote column names: text, not markup
        u1, u2, _spare = st.columns([3, 2, 2])  # wide enough for the whole button labels
        if u1.button(_("Undo: use the importer's guesses"), key="mapping_undo", icon=":material/undo:",
                     help=_("This file is read without the reused mapping for the rest of this session.")):
            loaders.undo_reused_mapping()
            st.rerun()
        if u2.button(_("Undo and forget it"), key="mapping_forget", icon=":material/delete:",
                     help=_("Also delete the saved mapping, so it is not offered again for files with these questions.")):
            loaders.undo_reused_mapping(forget_owner=identity.memory_owner())
            st.rerun()
    unusable = ss.get(state.MAPPING_UNUSABLE)
    if unusable and unusable[0] == sig:
        st.warning(_("A mapping you saved for a file with the same questions was not used, because this file does not "
                     "import with it: {reason}").format(reason=unusable[1]), icon=":material/warning:")
    saved_now = ss.get(state.MAPPING_SAVED)
    if saved_now and saved_now[0] == sig and over.get("stage_map"):
        st.success(_("Mapping applied and saved ({when}); it will be reused for your files with the same questions.")
                   .format(when=widgets.fmt_timestamp(saved_now[1])))
    review = tables.mapping_review(info)
    if len(review) == 0:
        st.caption(_("No question column to map."))
    else:
        if ss.get(state.MAPPING_EDITOR_SIG) != sig:  # edits belong to another file: forget them
            ss.pop(state.MAPPING_EDITOR, None)
            ss[state.MAPPING_EDITOR_SIG] = sig
        if s.cycle is not None:
            stage_col = st.column_config.SelectboxColumn(
                _("stage"), options=[*s.cycle.stage_names, tables.NOT_A_STAGE], required=True,
                format_func=tables.choice_label,
                help=_("A stage of the cycle {cycle!r}, or {none!r}.").format(cycle=s.cycle.name, none=_(tables.NOT_A_STAGE)))
            st.caption(_("Each question column and the stage of the cycle {cycle!r} it rates; pick another stage or "
                         "“not a stage”, then apply.").format(cycle=widgets.md_escape(s.cycle.name)))
        else:
            stage_col = st.column_config.TextColumn(
                _("stage"), help=_("The stage name (free text), or {none!r} / empty for a column that is no stage.")
                .format(none=tables.NOT_A_STAGE))
            st.caption(_("Each question column and the stage it becomes (no cycle chosen: type a stage name, or “not a "
                         "stage”), then apply. Stages follow the table order."))
        # the importer's confidence as text: an empty cell for a column it did not guess (never "None")
        review = review.assign(confidence=review["confidence"].map(lambda c: "" if c != c else format_percent(c)).astype("str"),
                               method=review["method"].map(tables.method_label).astype("str"),
                               role=review["role"].map(tables.role_label).astype("str"))
        edited = st.data_editor(
            review, key=state.MAPPING_EDITOR, hide_index=True, width="stretch", num_rows="fixed", placeholder="",
            disabled=["column", "question", "method", "confidence", "role"],
            column_config={
                "stage": stage_col,
                "column": st.column_config.TextColumn(_("column")),
                "question": st.column_config.TextColumn(_("question"), width="large"),
                "method": st.column_config.TextColumn(_("method"), help=_("How the importer proposed the stage: exact, "
                                                      "alias, fuzzy (with its confidence), your mapping, or from the file.")),
                "confidence": st.column_config.TextColumn(_("confidence")),
                "role": st.column_config.TextColumn(_("role"), help=_("What the importer made of the column.")),
            },
        )
        try:
            stage_map = tables.validate_stage_mapping(edited, s.cycle.stage_names if s.cycle is not None else None)
            problem = None
        except SurveyError as exc:
            stage_map, problem = None, str(exc)
        if problem:
            st.error(problem, icon=":material/error:")
        if st.button(_("Apply mapping"), key="data_apply_mapping", type="primary", disabled=problem is not None,
                     help=_("Read the file again with these stages and remember the mapping for your files with the "
                            "same questions.")):
            trial = {**over, "stage_map": stage_map}
            new_survey, error = loaders.import_with(v.key[0], v.file_name, v.key[1], trial)
            if error is not None:  # never apply or store a mapping the file does not import with
                ss[state.MAPPING_ERROR] = (sig, error, stage_map)
            else:
                ss.pop(state.MAPPING_ERROR, None)
                state.set_overrides(trial)
                ss.pop(state.MAPPING_EDITOR, None)
                if sig:
                    try:
                        loaders.save_mapping(new_survey, sig, stage_map, trial.get("label_map") or (), identity.memory_owner(),
                                             overrides=trial)
                    except (SurveyError, OSError) as exc:
                        st.warning(_("The mapping was applied but could not be saved: {reason}").format(reason=exc))
                st.rerun()
        failed = ss.get(state.MAPPING_ERROR)
        if failed and failed[0] == sig and failed[2] == stage_map:  # until the grid changes
            st.error(_("This mapping was not applied or saved, because the file does not import with it: {reason}")
                     .format(reason=failed[1]), icon=":material/error:")

# ---------------------------------------------------------------- unknown answer labels
unknown = tables.unknown_labels(info)
mapped_labels = dict(over.get("label_map") or ())
if len(unknown) or mapped_labels:
    st.subheader(_("Unknown answer labels"))
if len(unknown):
    st.caption(_("Answers the importer did not recognise; in a stage column they are invalid answers (the rest of "
                 "their rows counts). Map each to a score or to N/A (no answer) and read the file again."))
    choices = [tables.UNMAPPED, tables.NA_CHOICE, *[str(x) for x in s.scale.values]]
    with st.form("data_labels"):
        for label, count, cols in unknown.itertuples(index=False):
            st.selectbox(ngettext("{label!r}: {n} answer in {columns}", "{label!r}: {n} answers in {columns}", count)
                         .format(label=label, n=format_number(count), columns=cols), choices,
                         format_func=tables.choice_label, key=state.LABEL_PREFIX + label)
        go = st.form_submit_button(_("Map the labels and read the file again"), type="primary")
    if go:
        picks = {label: ss.get(state.LABEL_PREFIX + label, tables.UNMAPPED) for label in unknown["label"]}
        new_map = tables.label_map_from_picks(list(unknown["label"]), picks, mapped_labels)
        if new_map != mapped_labels:
            over["label_map"] = tuple(new_map.items())
            state.set_overrides(over)
            st.rerun()
if mapped_labels:
    st.caption(_("Your label mapping: {pairs}").format(pairs="; ".join(
        f"{widgets.md_escape(repr(k))} → {'N/A' if v is None else f'{v:g}'}" for k, v in mapped_labels.items())))
