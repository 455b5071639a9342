"""Stage detail: one stage's answers (diverging bar), by segment, over time, the themes of the comments
(this stage's or the whole survey's) and the bad-experience comments."""

import streamlit as st

from app_support import loaders, screening, state, tables, widgets
from cycle_analytics import figures
from cycle_analytics.text import messages as TM
from cycle_analytics.text.language import LANGUAGE_NAMES, LANGUAGES

v = widgets.require_view()
a, s = v.analysis, v.filtered
ss = st.session_state

st.title("Stage detail")
screening.exclusion_note(v)
stages = list(s.stages)
if not stages:
    st.info("This survey has no stages.")
    st.stop()
current = ss.get(state.STAGE) if ss.get(state.STAGE) in stages else stages[0]
if ss.get(state.STAGE_SELECT) not in stages:
    ss[state.STAGE_SELECT] = current
elif ss.get(state.STAGE) in stages and ss[state.STAGE_SELECT] != ss[state.STAGE]:
    ss[state.STAGE_SELECT] = ss[state.STAGE]


def _pick():
    ss[state.STAGE] = ss[state.STAGE_SELECT]


stage = st.selectbox("Stage", stages, key=state.STAGE_SELECT, on_change=_pick)
if ss.get(state.STAGE) != stage:
    ss[state.STAGE] = stage
    st.query_params[state.Q_STAGE] = stage

row = tables.rows_where(a.scores, "stage", stage)
moment = tables.rows_where(a.moments, "stage", stage)
if len(row) == 0 or int(row["n"].iloc[0]) == 0:
    st.info("Nobody answered this stage in the current selection (every answer was N/A or skipped).")
    st.stop()

r = row.iloc[0]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Answers", f"{int(r['n']):,}", border=True)
c2.metric("Mean", widgets.fmt_num(r["mean"]), help=f"95% interval {widgets.fmt_num(r['ci_low'])} – {widgets.fmt_num(r['ci_high'])}", border=True)
c3.metric("Top box", f"{widgets.fmt_num(r['top_box_pct'], 0)}%", border=True)
c4.metric("Bottom box", f"{widgets.fmt_num(r['bottom_box_pct'], 0)}%", border=True)
if len(moment):
    m = moment.iloc[0]
    st.caption(f"Verdict: **{widgets.md_escape(m['verdict'])}**")
    if str(m.get("evidence", "") or "").strip():
        st.text(str(m["evidence"]))

st.subheader("Answers")
dist = tables.rows_where(a.distribution, "stage", stage)
widgets.chart(figures.diverging_bar_figure(dist, s.scale), dist,
              "Share of answers per scale point: negative answers to the left of zero, positive to the right, the neutral "
              "middle split across zero.", key="stage_distribution", file_name="stage_distribution.csv")

segs = tables.segment_columns(s)
if segs:
    st.subheader("By segment")
    seg = st.selectbox("Segment", segs, key=state.STAGE_SEGMENT) if len(segs) > 1 else segs[0]
    by = loaders.stage_distribution_by(v.key, stage, seg, s)
    widgets.chart(figures.diverging_bar_figure(by, s.scale, by=seg), by,
                  f"The same answers split by {widgets.md_escape(seg)}: a bar further left means more bad experiences in that group.",
                  key="stage_distribution_by_segment", file_name="stage_distribution_by_segment.csv")
else:
    st.caption("The survey has no segment columns, so there is no breakdown by segment.")

st.subheader("Over time")
tr = tables.rows_where(a.trends, "stage", stage)
if len(tr):
    widgets.chart(figures.trend_figure(tr, scale=s.scale), tr, "Mean score of this stage per period with its 95% interval; hollow points are small samples.",
                  key="stage_trend", file_name="stage_trend.csv")
else:
    st.info("No trend: the survey has no dates, or all answers fall in one period.")

st.subheader(TM.THEMES_HEADING)
# Themes are found once in all the survey's comments; the radio shows this stage's or all of them.
t1, t2 = st.columns(2)
scope = t1.radio(TM.THEMES_SCOPE_LABEL, ["stage", "survey"], key=state.THEMES_SCOPE, horizontal=True,
                 format_func=lambda x: stage if x == "stage" else TM.WHOLE_SURVEY)
if ss.get(state.COMMENT_LANGUAGE_SELECT) is None:  # the selectbox's state is dropped on other pages
    ss[state.COMMENT_LANGUAGE_SELECT] = ss.get(state.COMMENT_LANGUAGE, "auto")


def _pick_language():
    ss[state.COMMENT_LANGUAGE] = ss[state.COMMENT_LANGUAGE_SELECT]


t2.selectbox(TM.LANGUAGE_LABEL, ["auto", *LANGUAGES], key=state.COMMENT_LANGUAGE_SELECT, on_change=_pick_language,
             format_func=lambda c: TM.LANGUAGE_AUTOMATIC if c == "auto" else LANGUAGE_NAMES[c])
tv = loaders.theme_view(v.key, stage if scope == "stage" else None, loaders.comment_language_code(ss.get(state.COMMENT_LANGUAGE)),
                        a.settings.correction, a.settings.min_n, s, a.outcome)
st.caption(widgets.md_escape(TM.LANGUAGE_CAPTION.format(reason=tv.language.reason)))
if len(tv.table):
    theme_cols = ["rank", "label", "key_words", "n_comments", "share_pct", "mean_rating", "mean_sentiment", "penalty",
                  "penalty_ci_low", "penalty_ci_high", "p_adjusted", "n_with", "small_sample", "example_1", "example_2", "example_3"]
    shown = tv.table[theme_cols].rename(columns=TM.THEME_HEADERS)
    widgets.table(shown, key="themes_table", column_config={
        TM.THEME_HEADERS["p_adjusted"]: st.column_config.NumberColumn(format="%.4f"),
        TM.THEME_HEADERS["share_pct"]: st.column_config.NumberColumn(format="%.1f")})
    st.caption(TM.THEMES_TABLE_CAPTION)
    widgets.download_button(tv.table, "comment_themes.csv", key="themes_csv")
st.caption(widgets.md_escape(tv.notes[0]))  # which comments these are
with st.expander(TM.THEMES_METHOD_EXPANDER):
    for note in (*tv.notes[1:], tv.sentiment_note):
        st.caption(widgets.md_escape(note))
if len(tv.comments):
    with st.expander(TM.THEME_COMMENTS_CAPTION):
        widgets.table(tv.comments, key="theme_comments")
        widgets.download_button(tv.comments, "theme_comments.csv", key="theme_comments_csv")

st.subheader("Comments from respondents who rated this stage badly")
com = loaders.bad_comments(v.key, stage, s)
comment_column = loaders.stage_comment_column(s, stage)
if comment_column is None:
    st.info("The survey has no comment column.")
elif len(com) == 0:
    st.info("No respondent who rated this stage badly left a comment.")
else:
    own = next((c for c in s.info.comment_columns if c.column == comment_column and c.stage == stage), None)
    if own is not None:
        st.caption("From the survey's own question on this stage: " + widgets.md_escape(own.question or own.column))
    widgets.plain_table(com, ["response_id", "score", "comment"], key="bad_comments")
    widgets.download_button(com, "bad_comments.csv", key="bad_comments_csv")
