"""Stage detail: one stage's answers (diverging bar), by segment, over time, the themes of the comments
(this stage's or the whole survey's) and the bad-experience comments."""

import streamlit as st

from app_support import loaders, screening, sources, state, tables, weighting, widgets
from cycle_analytics import figures
from cycle_analytics.i18n import format_number, format_percent
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs import summary
from cycle_analytics.text import messages as TM
from cycle_analytics.text.language import LANGUAGE_NAMES, LANGUAGES

v = widgets.require_view()
a, s = v.analysis, v.filtered if v.warehouse is None else v.warehouse  # a warehouse source answers stages, scale, cycle
ss = st.session_state

st.title(_("Stage detail"))
screening.exclusion_note(v)
weighting.weight_note(v)
stages = list(s.stages)
if not stages:
    st.info(_("This survey has no stages."))
    st.stop()
current = ss.get(state.STAGE) if ss.get(state.STAGE) in stages else stages[0]
if ss.get(state.STAGE_SELECT) not in stages:
    ss[state.STAGE_SELECT] = current
elif ss.get(state.STAGE) in stages and ss[state.STAGE_SELECT] != ss[state.STAGE]:
    ss[state.STAGE_SELECT] = ss[state.STAGE]


def _pick():
    ss[state.STAGE] = ss[state.STAGE_SELECT]


stage = st.selectbox(_("Stage"), stages, key=state.STAGE_SELECT, on_change=_pick)
if ss.get(state.STAGE) != stage:
    ss[state.STAGE] = stage
    st.query_params[state.Q_STAGE] = stage

row = tables.rows_where(a.scores, "stage", stage)
moment = tables.rows_where(a.moments, "stage", stage)
if len(row) == 0 or int(row["n"].iloc[0]) == 0:
    st.info(_("Nobody answered this stage in the current selection (every answer was N/A or skipped)."))
    st.stop()

r = row.iloc[0]
c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Answers"), format_number(r["n"]), border=True)
c2.metric(_("Mean"), widgets.fmt_num(r["mean"]), border=True,
          help=_("95% interval {low} – {high}").format(low=widgets.fmt_num(r["ci_low"]), high=widgets.fmt_num(r["ci_high"])))
c3.metric(_("Top box"), format_percent(r["top_box_pct"] / 100), border=True)
c4.metric(_("Bottom box"), format_percent(r["bottom_box_pct"] / 100), border=True)
if len(moment):
    m = moment.iloc[0]
    st.caption(_("Verdict: **{verdict}**").format(verdict=widgets.md_escape(m["verdict"])))
    if str(m.get("evidence", "") or "").strip():
        st.text(str(m["evidence"]))

st.subheader(_("Answers"))
dist = tables.rows_where(a.distribution, "stage", stage)
widgets.chart(figures.diverging_bar_figure(dist, s.scale), dist,
              _("Share of answers per scale point: negative answers to the left of zero, positive to the right, the "
                "neutral middle split across zero."), key="stage_distribution", file_name="stage_distribution.csv")

segs = v.warehouse.segments if v.warehouse is not None else tables.segment_columns(s)
if segs:
    st.subheader(_("By segment"))
    seg = st.selectbox(_("Segment"), segs, key=state.STAGE_SEGMENT) if len(segs) > 1 else segs[0]
    by = v.warehouse.stage_split(stage, seg) if v.warehouse is not None else loaders.stage_distribution_by(v.key, stage, seg, s)
    widgets.chart(figures.diverging_bar_figure(by, s.scale, by=seg), by,
                  _("The same answers split by {segment}: a bar further left means more bad experiences in that group.")
                  .format(segment=widgets.md_escape(seg)),
                  key="stage_distribution_by_segment", file_name="stage_distribution_by_segment.csv")
else:
    st.caption(_("The survey has no segment columns, so there is no breakdown by segment."))

st.subheader(_("Over time"))
tr = tables.rows_where(a.trends, "stage", stage)
if len(tr):
    widgets.chart(figures.trend_figure(tr, scale=s.scale), tr,
                  _("Mean score of this stage per period with its 95% interval; hollow points are small samples."),
                  key="stage_trend", file_name="stage_trend.csv")
else:
    st.info(_("No trend: the survey has no dates, or all answers fall in one period."))

if v.warehouse is not None:  # themes need every comment; the engine gives a stage's worst ones
    st.subheader(_(TM.THEMES_HEADING))
    st.info(sources.not_available("themes"))
    st.subheader(_("Comments from respondents who rated this stage badly"))
    com = v.warehouse.comments(stage) if v.warehouse.has_comments else None
    if com is None:
        st.info(_("The survey has no comment column."))
    elif len(com) == 0:
        st.info(_("No respondent who rated this stage badly left a comment."))
    else:
        st.caption(_("Up to 50, the worst scores first."))
        widgets.plain_table(com, ["respondent", "score", "comment"], key="bad_comments")
        widgets.download_button(com, "bad_comments.csv", key="bad_comments_csv")
    st.stop()
st.subheader(_(TM.THEMES_HEADING))
if not s.info.comment_columns and "comment" not in s.responses.columns:  # no themes, no comments: say it once
    st.info(_(TM.NO_COMMENT_COLUMN))
    st.stop()
# Themes are found once in all the survey's comments; the radio shows this stage's or all of them.
t1, t2 = st.columns(2)
scope = t1.radio(_(TM.THEMES_SCOPE_LABEL), ["stage", "survey"], key=state.THEMES_SCOPE, horizontal=True,
                 format_func=lambda x: stage if x == "stage" else _(TM.WHOLE_SURVEY))
if ss.get(state.COMMENT_LANGUAGE_SELECT) is None:  # the selectbox's state is dropped on other pages
    ss[state.COMMENT_LANGUAGE_SELECT] = ss.get(state.COMMENT_LANGUAGE, "auto")


def _pick_language():
    ss[state.COMMENT_LANGUAGE] = ss[state.COMMENT_LANGUAGE_SELECT]


t2.selectbox(_(TM.LANGUAGE_LABEL), ["auto", *LANGUAGES], key=state.COMMENT_LANGUAGE_SELECT, on_change=_pick_language,
             format_func=lambda c: _(TM.LANGUAGE_AUTOMATIC) if c == "auto" else _(LANGUAGE_NAMES[c]))
tv = loaders.theme_view(v.key, stage if scope == "stage" else None, loaders.comment_language_code(ss.get(state.COMMENT_LANGUAGE)),
                        a.settings.correction, a.settings.min_n, s, a.outcome)
st.caption(widgets.md_escape(_(TM.LANGUAGE_CAPTION).format(reason=tv.language.reason)))
if len(tv.table):
    # what a manager reads first (the theme, how many, their rating, what it costs, an example) fits the
    # page without scrolling sideways; the details follow
    theme_cols = ["rank", "label", "n_comments", "mean_rating", "penalty", "p_adjusted", "small_sample", "example_1",
                  "key_words", "share_pct", "mean_sentiment", "penalty_ci_low", "penalty_ci_high", "n_with", "example_2",
                  "example_3"]
    widgets.plain_table(tv.table, theme_cols, key="themes_table", vocabulary=tables.THEME_WORDS,
                        outcome=summary.outcome_words(v.outcome))  # the report's headers, terms as tooltips
    st.caption(_(TM.THEMES_TABLE_CAPTION))
    widgets.download_button(tv.table, "comment_themes.csv", key="themes_csv")
st.caption(widgets.md_escape(tv.notes[0]))  # which comments these are
with st.expander(_(TM.THEMES_METHOD_EXPANDER)):
    for note in (*tv.notes[1:], tv.sentiment_note):
        st.caption(widgets.md_escape(note))
if len(tv.comments):
    with st.expander(_(TM.THEME_COMMENTS_CAPTION)):
        widgets.plain_table(tv.comments, list(tv.comments.columns), key="theme_comments", vocabulary=tables.THEME_WORDS)
        widgets.download_button(tv.comments, "theme_comments.csv", key="theme_comments_csv")

st.subheader(_("Comments from respondents who rated this stage badly"))
com = loaders.bad_comments(v.key, stage, s)
comment_column = loaders.stage_comment_column(s, stage)
if comment_column is None:
    st.info(_("The survey has no comment column."))
elif len(com) == 0:
    st.info(_("No respondent who rated this stage badly left a comment."))
else:
    own = next((c for c in s.info.comment_columns if c.column == comment_column and c.stage == stage), None)
    if own is not None:
        st.caption(_("From the survey's own question on this stage: {question}")
                   .format(question=widgets.md_escape(own.question or own.column)))
    widgets.plain_table(com, ["response_id", "score", "comment"], key="bad_comments")
    widgets.download_button(com, "bad_comments.csv", key="bad_comments_csv")
