"""Tests of cycle_analytics.figures: every builder checked on the figure object it returns."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from cycle_analytics import figures as F
from cycle_analytics.figures.labels import plan_labels
from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale

import figure_fixtures as fx

S = list(fx.STAGES)


# ----------------------------------------------------------------------------- helpers


def rendered_strings(fig: go.Figure) -> list[str]:
    """Every string Plotly renders as (HTML-ish) text: trace text/hover/names, ticks, titles, annotations."""
    out: list[str] = []
    rendered = {"text", "hovertext", "ticktext", "name", "hovertemplate", "texttemplate"}

    def walk(obj, key=None):
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k in ("customdata", "meta"):
                    continue  # not rendered
                walk(v, k)
        elif isinstance(obj, (list, tuple, np.ndarray)):
            for v in (obj.tolist() if isinstance(obj, np.ndarray) else obj):
                walk(v, key)
        elif isinstance(obj, str) and key in rendered:
            out.append(obj)

    walk(fig.to_plotly_json())
    return out


def stage_axis(fig: go.Figure):
    meta = fig.layout.meta
    return fig.layout[meta["stage_axis"] + "axis"]


def first_customdata(trace) -> list[str]:
    cd = np.asarray(trace.customdata, dtype=object)
    if cd.ndim == 3:  # heatmap: [row][col][k]
        return [str(c[0]) for row in cd for c in row]
    return [str(row[0]) for row in cd]


def trace_by_name(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def is_empty_figure(fig) -> bool:
    return fig.layout.meta["figure"] == "empty" and len(fig.data) == 0 and len(fig.layout.annotations) == 1


# ----------------------------------------------------------------------------- text and colours


def test_escape_text_makes_markup_literal():
    assert F.escape_text("<script>alert('x')</script>") == "&lt;script&gt;alert('x')&lt;/script&gt;"
    assert F.escape_text("<b>x</b> & co") == "&lt;b&gt;x&lt;/b&gt; &amp; co"
    assert F.escape_text("&lt;") == "&amp;lt;"  # an entity in data stays literal too
    assert F.escape_text(None) == "" and F.escape_text(float("nan")) == ""
    assert F.escape_text(3) == "3"


def test_wrap_label_wraps_escapes_and_cuts():
    assert F.wrap_label("Short") == "Short"
    lab = F.wrap_label(fx.LONG)
    lines = lab.split("<br>")
    assert len(lines) == 3 and all(len(line) <= F.WRAP_WIDTH for line in lines) and lines[-1].endswith("…")
    assert F.wrap_label("x" * 40, max_lines=5).split("<br>") == ["x" * 18, "x" * 18, "x" * 4]
    assert F.wrap_label(fx.EVIL, max_lines=5).replace("<br>", " ").startswith("&lt;script&gt;")
    assert "<b>" not in F.wrap_label(fx.BOLD)


def test_stage_colors_palette_and_stability():
    cols = F.stage_colors(S)
    assert list(cols) == S
    assert list(cols.values()) == list(F.OKABE_ITO[:5])
    assert F.stage_colors(S) == cols
    many = F.stage_colors(fx.MANY)
    assert len(set(list(many.values())[: len(F.STAGE_PALETTE)])) == len(F.STAGE_PALETTE)
    assert many[fx.MANY[len(F.STAGE_PALETTE)]] == many[fx.MANY[0]]  # repeats after the palette


# ----------------------------------------------------------------------------- journey


def test_journey_traces_order_and_markers():
    scores = fx.stage_scores(S, n=[100, 20, 90, 80, 70])  # "Taking a number" is a small sample
    verdicts = fx.classify(S, {"Waiting": "critical", "Receiving the money": "critical", "Arrival": "pain point"},
                           declared=("At the counter", "Waiting"))
    fig = F.journey_figure(scores, verdicts=verdicts, targets={"Waiting": 4.5, "Arrival": 4.0},
                           phases={"Arrival": "Arrival", "Taking a number": "Queue", "Waiting": "Queue",
                                   "At the counter": "Service", "Receiving the money": "Service"},
                           open_plans={"Waiting"}, scale=Scale(1, 5))
    names = [t.name for t in fig.data]
    assert names == ["Critical moment", "Pain point", "Declared critical, not confirmed", "Score (95% interval)",
                     "Small sample (hollow)", "Target"]
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    # stage axis: numeric positions in cycle order
    ax = fig.layout.xaxis
    assert list(ax.tickvals) == [0, 1, 2, 3, 4] and list(ax.ticktext) == [F.wrap_label(s) for s in S]
    assert fig.layout.meta["stages"] == S and fig.layout.meta["stage_axis"] == "x"
    score = trace_by_name(fig, "Score (95% interval)")
    assert list(score.x) == [0, 1, 2, 3, 4]
    assert first_customdata(score) == S
    np.testing.assert_allclose(score.y, scores["mean"])
    np.testing.assert_allclose(np.asarray(score.y) + score.error_y.array, scores["ci_high"])
    np.testing.assert_allclose(np.asarray(score.y) - score.error_y.arrayminus, scores["ci_low"])
    # critical markers exactly at the critical stages, at their means
    crit = trace_by_name(fig, "Critical moment")
    assert first_customdata(crit) == ["Waiting", "Receiving the money"]
    assert list(crit.x) == [2, 4] and crit.marker.symbol == "diamond" and crit.marker.color == F.VERDICT_COLORS["critical"]
    np.testing.assert_allclose(crit.y, scores["mean"].iloc[[2, 4]])
    assert first_customdata(trace_by_name(fig, "Pain point")) == ["Arrival"]
    assert first_customdata(trace_by_name(fig, "Declared critical, not confirmed")) == ["At the counter"]
    # small sample hollow, with a hover note
    assert list(score.marker.symbol) == ["circle", "circle-open", "circle", "circle", "circle"]
    assert "Small sample" in score.hovertext[1] and "Small sample" not in score.hovertext[0]
    # targets only where given
    tgt = trace_by_name(fig, "Target")
    assert [v if not math.isnan(v) else None for v in tgt.y] == [4.0, None, 4.5, None, None]
    # phases: three bands named in order, spanning their stages
    bands = [s for s in fig.layout.shapes if (s.name or "").startswith("phase:")]
    assert [(b.name, b.x0, b.x1) for b in bands] == [("phase:Arrival", -0.5, 0.5), ("phase:Queue", 0.5, 2.5),
                                                     ("phase:Service", 2.5, 4.5)]
    assert [a.text for a in fig.layout.annotations if a.name == "phase"] == ["<i>Arrival</i>", "<i>Queue</i>", "<i>Service</i>"]
    plan = [a for a in fig.layout.annotations if a.name == "open plan"]
    assert len(plan) == 1 and plan[0].x == 2 and fig.layout.meta["open_plans"] == ["Waiting"]
    # y-axis spans the scale
    lo, hi = fig.layout.yaxis.range
    assert 0.8 < lo < 1 < 5 < hi < 5.5  # with headroom for the phase names


def test_journey_without_options_has_only_the_score_line():
    fig = F.journey_figure(fx.stage_scores(S))
    assert [t.name for t in fig.data] == ["Score (95% interval)"]
    assert not fig.layout.shapes and not fig.layout.annotations


def test_journey_nan_stage_one_stage_and_many_stages():
    fig = F.journey_figure(fx.stage_scores(S, n=[100, 0, 90, 80, 70]), scale=(1, 5))
    score = fig.data[0]
    assert math.isnan(score.y[1]) and "No ratings" in score.hovertext[1]
    one = F.journey_figure(fx.stage_scores(["Only stage"]))
    assert first_customdata(one.data[0]) == ["Only stage"]
    many = F.journey_figure(fx.stage_scores(fx.MANY), verdicts=fx.classify(fx.MANY, {fx.MANY[30]: "critical"}))
    assert many.layout.meta["stage_axis"] == "y"  # horizontal: stages top to bottom
    ax = many.layout.yaxis
    assert list(ax.tickvals) == list(range(32)) and ax.range[0] > ax.range[1]
    assert many.layout.height >= 32 * F.ROW_HEIGHT
    crit = trace_by_name(many, "Critical moment")
    assert list(crit.y) == [30] and first_customdata(crit) == [fx.MANY[30]]
    assert many.data[-1].error_x.array is not None


def test_journey_scores_subset_keeps_cycle_colours():
    full = F.journey_figure(fx.stage_scores(S))
    part = F.journey_figure(fx.stage_scores(S, present=["Waiting", "Arrival"]))
    assert part.layout.meta["stages"] == ["Arrival", "Waiting"]
    assert list(part.data[0].marker.color) == [full.data[0].marker.color[0], full.data[0].marker.color[2]]


# ----------------------------------------------------------------------------- penalty


def test_penalty_bars_by_verdict_in_cycle_order():
    pen = fx.penalties(S, nan_stage="At the counter")
    ver = fx.classify(S, {"Waiting": "critical", "Arrival": "pain point", "At the counter": "not enough data"})
    fig = F.penalty_figure(pen, verdicts=ver, threshold=0.4, outcome_label="<i>overall</i>")
    assert all(isinstance(t, go.Bar) and t.orientation == "h" for t in fig.data)
    assert [t.name for t in fig.data] == ["Critical moment", "Pain point", "OK", "Not enough data"]
    assert {t.name: t.marker.color for t in fig.data}["Critical moment"] == F.VERDICT_COLORS["critical"]
    ax = fig.layout.yaxis
    assert list(ax.ticktext) == [F.wrap_label(s, F.WRAP_WIDTH_H, 2) for s in S] and ax.range[0] > ax.range[1]  # first stage on top
    pos = {cd: y for t in fig.data for cd, y in zip(first_customdata(t), t.y)}
    assert pos == {s: float(i) for i, s in enumerate(S)}
    crit = trace_by_name(fig, "Critical moment")
    assert first_customdata(crit) == ["Waiting"] and list(crit.customdata[0]) == ["Waiting", 42.0]
    assert "n_bad = 42" in crit.hovertext[0]
    np.testing.assert_allclose(np.asarray(crit.x) + crit.error_x.array, pen["penalty_ci_high"].iloc[[2]])
    thr = [s for s in fig.layout.shapes if s.name == "threshold"]
    assert len(thr) == 1 and thr[0].x0 == thr[0].x1 == 0.4
    assert [a.y for a in fig.layout.annotations if a.name == "no estimate"] == [3]
    assert "&lt;i&gt;overall&lt;/i&gt;" in fig.layout.xaxis.title.text


def test_penalty_threshold_and_evidence_from_verdicts():
    ver = fx.classify(S, {"Waiting": "critical"}).assign(min_penalty=0.35)
    ver.loc[2, "evidence"] = "Customers who rated <Waiting> badly were 0.8 points less satisfied."
    fig = F.penalty_figure(fx.penalties(S), verdicts=ver)
    thr = [s for s in fig.layout.shapes if s.name == "threshold"]
    assert len(thr) == 1 and thr[0].x0 == 0.35
    assert "rated &lt;Waiting&gt; badly" in trace_by_name(fig, "Critical moment").hovertext[0]


def test_penalty_without_verdicts_uses_stage_colours():
    fig = F.penalty_figure(fx.penalties(S))
    assert len(fig.data) == 1 and list(fig.data[0].marker.color) == list(F.stage_colors(S).values())
    assert not any(s.name == "threshold" for s in fig.layout.shapes)


def test_same_stage_same_colour_on_journey_trend_and_penalty():
    colours = F.stage_colors(S)
    journey = F.journey_figure(fx.stage_scores(S)).data[0].marker.color
    penalty = F.penalty_figure(fx.penalties(S)).data[0].marker.color
    trend = F.trend_figure(fx.trend_scores(S), stages=["Waiting", "Receiving the money"], band="none")
    trend_cols = {t.name: t.line.color for t in trend.data}
    for i, s in enumerate(S):
        assert journey[i] == penalty[i] == colours[s]
    assert trend_cols == {"Waiting": colours["Waiting"], "Receiving the money": colours["Receiving the money"]}
    assert len(set(colours.values())) == len(S)


# ----------------------------------------------------------------------------- penalty vs reward


def test_penalty_reward_points_diagonal_and_regions():
    pen = fx.penalties(S)
    fig = F.penalty_reward_figure(pen)
    assert [t.name for t in fig.data] == ["Basic factor", "Performance factor", "Delight factor"]
    assert all(t.mode == "markers+text" for t in fig.data)
    got = {cd: (x, y) for t in fig.data for cd, x, y in zip(first_customdata(t), t.x, t.y)}
    assert got == {s: (pytest.approx(p), pytest.approx(r)) for s, p, r in zip(S, pen["penalty"], pen["reward"])}
    assert trace_by_name(fig, "Basic factor").marker.color == F.FACTOR_COLORS["basic"]
    diag = [s for s in fig.layout.shapes if s.name == "diagonal"][0]
    assert diag.x0 == diag.y0 and diag.x1 == diag.y1
    assert list(fig.layout.xaxis.range) == list(fig.layout.yaxis.range)  # equal axes: the diagonal is 45 degrees
    regions = {a.name: (a.x, a.y) for a in fig.layout.annotations}
    assert regions["Basic factors"][0] > 0.5 > regions["Basic factors"][1]  # below the diagonal
    assert regions["Delight factors"][0] < 0.5 < regions["Delight factors"][1]  # above it
    assert "Performance factors" in regions
    many = F.penalty_reward_figure(fx.penalties(fx.MANY))
    labels = [lab for t in many.data for lab in t.text]
    assert sorted(int(v) for v in labels) == list(range(1, 33))


# ----------------------------------------------------------------------------- priority


def test_priority_quadrants_crosshairs_and_levels():
    pr = fx.priorities(S)
    fig = F.priority_figure(pr, open_plans=["Waiting"])
    quads = {a.name: a for a in fig.layout.annotations}
    assert set(quads) == {"Concentrate here", "Keep up the good work", "Low priority", "Possible overkill"}
    assert (quads["Concentrate here"].x, quads["Concentrate here"].y) == (0.01, 0.99)  # top left
    assert (quads["Keep up the good work"].x, quads["Keep up the good work"].y) == (0.99, 0.99)
    assert (quads["Low priority"].x, quads["Low priority"].y) == (0.01, 0.01)
    assert (quads["Possible overkill"].x, quads["Possible overkill"].y) == (0.99, 0.01)
    assert quads["Concentrate here"].text == "<b>Concentrate here</b>"
    assert all(a.xref == "x domain" and a.yref == "y domain" for a in quads.values())
    shapes = {s.name: s for s in fig.layout.shapes}
    pm, im = pr["performance"].mean(), pr["importance"].mean()
    assert shapes["crosshair_performance"].x0 == pytest.approx(pm) == shapes["crosshair_performance"].x1
    assert shapes["crosshair_importance"].y0 == pytest.approx(im) == shapes["crosshair_importance"].y1
    level_traces = [t for t in fig.data if t.name.endswith("priority")]
    assert [t.name for t in level_traces] == ["High priority", "Medium priority", "Low priority"]
    for t in level_traces:
        lev = t.name.split()[0].lower()
        assert t.marker.color == F.LEVEL_COLORS[lev]
        assert set(first_customdata(t)) == set(pr.loc[pr["level"] == lev, "stage"].astype(str))
    everyone = [s for t in level_traces for s in first_customdata(t)]
    assert sorted(everyone) == sorted(S)
    t0 = level_traces[0]
    r0 = pr.set_index(pr["stage"].astype(str)).loc[first_customdata(t0)[0]]
    assert t0.customdata[0][1] == r0["rank"] and f"Rank {r0['rank']}" in t0.hovertext[0]
    assert first_customdata(trace_by_name(fig, "Open action plan")) == ["Waiting"]


def test_priority_crosshair_from_options_and_columns():
    pr = fx.priorities(S)
    fig = F.priority_figure(pr, importance_mean=0.5, performance_mean=70.0)
    shapes = {s.name: s for s in fig.layout.shapes}
    assert shapes["crosshair_performance"].x0 == 70.0 and shapes["crosshair_importance"].y0 == 0.5
    fig2 = F.priority_figure(pr.assign(importance_mean=0.25, performance_mean=61.0))
    shapes2 = {s.name: s for s in fig2.layout.shapes}
    assert shapes2["crosshair_performance"].x0 == 61.0 and shapes2["crosshair_importance"].y0 == 0.25
    lo, hi = fig.layout.xaxis.range
    assert lo < pr["performance"].min() and hi > pr["performance"].max()


# ----------------------------------------------------------------------------- diverging bars


def test_diverging_bar_neutral_split_and_sides():
    counts = [[10, 20, 40, 20, 10], [0, 0, 50, 25, 25]]
    dist = fx.distribution(S[:2], counts=counts)
    fig = F.diverging_bar_figure(dist, Scale(1, 5), labels={1: "Very <bad>", 5: "Very good"})
    assert fig.layout.barmode == "relative"
    assert all(isinstance(t, go.Bar) and t.orientation == "h" for t in fig.data)
    assert [t.name for t in fig.data] == ["3", "3", "2", "1 – Very &lt;bad&gt;", "4", "5 – Very good"]
    left_neutral, right_neutral = fig.data[0], fig.data[1]
    np.testing.assert_allclose(left_neutral.x, [-20.0, -25.0])  # half of 40% and of 50%
    np.testing.assert_allclose(right_neutral.x, [20.0, 25.0])
    assert left_neutral.legendgroup == right_neutral.legendgroup == "neutral"
    assert [left_neutral.showlegend, right_neutral.showlegend] == [True, False]
    np.testing.assert_allclose(fig.data[2].x, [-20.0, 0.0])  # score 2, negative side
    np.testing.assert_allclose(fig.data[3].x, [-10.0, 0.0])  # score 1, outermost
    np.testing.assert_allclose(fig.data[5].x, [10.0, 25.0])
    for t in fig.data[2:4]:
        assert all(v <= 0 for v in t.x)
    for t in fig.data[4:]:
        assert all(v >= 0 for v in t.x)
    # totals per bar = 100%
    np.testing.assert_allclose(np.sum([np.abs(t.x) for t in fig.data], axis=0), [100.0, 100.0])
    assert first_customdata(fig.data[0]) == S[:2] and list(fig.data[3].customdata[0][2:]) == [1, 10.0]
    assert list(fig.layout.yaxis.ticktext) == [F.wrap_label(s, F.WRAP_WIDTH_H, 2) for s in S[:2]]
    lo, hi = fig.layout.xaxis.range
    assert lo == -hi
    assert fig.data[0].marker.color == F.NEUTRAL_COLOR
    assert "Neutral" in fig.data[0].hovertext[0] and "40.0%" in fig.data[0].hovertext[0]


def test_diverging_bar_pct_recomputed_from_counts_per_group():
    rows = []
    for g, cnts in (("North", [1, 1, 2, 4, 2]), ("South", [5, 0, 0, 0, 5])):
        for p, c in zip(range(1, 6), cnts):
            rows.append(("Waiting", float(p), c, 999.0, g))  # pct column deliberately wrong: counts win
    dist = pd.DataFrame(rows, columns=["stage", "score", "count", "pct", "region"])
    dist["stage"] = fx.cat(dist["stage"], S)
    fig = F.diverging_bar_figure(dist, [1, 2, 3, 4, 5], by="region")
    assert list(fig.layout.yaxis.ticktext) == ["North", "South"]
    assert first_customdata(fig.data[0]) == ["Waiting", "Waiting"]
    assert [row[1] for row in fig.data[0].customdata] == ["North", "South"]
    np.testing.assert_allclose(fig.data[0].x, [-10.0, 0.0])
    np.testing.assert_allclose(trace_by_name(fig, "1").x, [-10.0, -50.0])


def test_diverging_bar_ten_and_eleven_point_scales():
    ten = F.diverging_bar_figure(fx.distribution(S[:1], range(1, 11)), Scale(1, 10))
    assert len(ten.data) == 10  # no neutral: 1-5 left, 6-10 right
    assert [t.name for t in ten.data] == ["5", "4", "3", "2", "1", "6", "7", "8", "9", "10"]
    assert all(t.x[0] < 0 for t in ten.data[:5]) and all(t.x[0] > 0 for t in ten.data[5:])
    eleven = F.diverging_bar_figure(fx.distribution(S[:1], range(0, 11)), Scale(0, 10))
    assert len(eleven.data) == 12 and eleven.data[0].name == "5"
    colours = [t.marker.color for t in eleven.data[1:]]
    assert len(set(colours)) == 11  # a ramp: every point its own shade
    with pytest.raises(SurveyError, match="not a point of the scale"):
        F.diverging_bar_figure(fx.distribution(S[:1], range(1, 8)), Scale(1, 5))


# ----------------------------------------------------------------------------- segment heatmap


def test_segment_heatmap_greys_flags_and_order():
    tab = fx.segment_comparison(S, few=[("South", "Waiting"), ("East", "Arrival")],
                                flags={("North", "Receiving the money"): "below", ("East", "Waiting"): "above"})
    tab.loc[(tab["value"] == "North") & (tab["stage"] == "Arrival"), "n"] = 20  # below min_n, not flagged too_few
    fig = F.segment_heatmap_figure(tab, min_n=30)
    assert [type(t) for t in fig.data] == [go.Heatmap, go.Heatmap]
    main, grey = fig.data
    assert list(fig.layout.xaxis.ticktext) == [F.wrap_label(s) for s in S]
    assert list(fig.layout.yaxis.ticktext) == ["North", "South", "East"]
    few = np.array([[1, 0, 0, 0, 0], [0, 0, 1, 0, 0], [1, 0, 0, 0, 0]], bool)
    z_grey = np.array(grey.z, float)
    assert np.array_equal(~np.isnan(z_grey), few)
    assert np.array_equal(np.isnan(np.array(main.z, float)), few)
    assert grey.colorscale[0][1] == F.MISSING_COLOR and grey.showscale is False
    text, grey_text = np.array(main.text, dtype=object), np.array(grey.text, dtype=object)
    assert grey_text[1, 2] == "too few" and text[1, 2] == "" and grey_text[1, 1] == ""
    assert text[0, 4].endswith("▼") and text[2, 2].endswith("▲")
    assert text[1, 1] == "63"  # 55 + 5 * 1 + 3 * 1, see figure_fixtures.segment_comparison
    hover = np.array(main.hovertext, dtype=object)
    assert "n = 90" in hover[1, 1] and "at least 30 needed" in hover[0, 0]
    cd = np.asarray(main.customdata, dtype=object)
    assert list(cd[2, 3][:3]) == ["At the counter", "region", "East"] and cd[2, 3][3] == 100.0
    assert first_customdata(main)[: len(S)] == S


def test_segment_heatmap_many_stages_turns_horizontal_and_several_segments():
    tab = fx.segment_comparison(fx.MANY, ("A", "B"))
    fig = F.segment_heatmap_figure(tab)
    assert fig.layout.meta["stage_axis"] == "y" and np.array(fig.data[0].z).shape == (32, 2)
    assert len(fig.layout.yaxis.ticktext) == 32
    two = pd.concat([fx.segment_comparison(S, ("A",)), fx.segment_comparison(S, ("Web",), segment="channel")])
    fig2 = F.segment_heatmap_figure(two)
    assert list(fig2.layout.yaxis.ticktext) == ["region: A", "channel: Web"]


# ----------------------------------------------------------------------------- trends


def test_trend_lines_bands_and_small_periods():
    tr = fx.trend_scores(S[:3], periods=4, small=[("Waiting", 1)])
    fig = F.trend_figure(tr)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in lines] == S[:3] and len(bands) == 3 and len(fig.data) == 6
    colours = F.stage_colors(S)
    for t in lines:
        assert t.line.color == colours[t.name] and set(first_customdata(t)) == {t.name}
        assert len(t.x) == 4 and pd.Timestamp(t.x[0]) == pd.Timestamp("2026-01-01")
    waiting = trace_by_name(fig, "Waiting")
    assert list(waiting.marker.symbol) == ["circle", "circle-open", "circle", "circle"]
    assert "Small sample" in waiting.hovertext[1] and list(waiting.customdata[1][1:]) == ["2026-02", 12.0]
    assert bands[0].fillcolor.startswith("rgba(") and bands[0].hoverinfo == "skip"
    bars = F.trend_figure(fx.trend_scores(S, periods=3))  # 5 stages: error bars instead of bands
    assert len(bars.data) == 5 and all(t.error_y.array is not None for t in bars.data)
    s100 = F.trend_figure(tr, y="score_100")
    assert len(s100.data) == 3 and s100.layout.yaxis.title.text == "Score (0–100)"
    with pytest.raises(SurveyError, match="does not hold"):
        F.trend_figure(tr, stages=["Nowhere"])


# ----------------------------------------------------------------------------- stage changes


def test_stage_change_stars_colours_and_order():
    ch = fx.stage_changes(S)
    fig = F.stage_change_figure(ch)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Bar) and fig.data[0].orientation == "h"
    bar = fig.data[0]
    assert list(bar.text) == ["***", "**", "*", ""]
    assert first_customdata(bar) == S[1:] and [r[1] for r in bar.customdata] == S[:-1]
    assert list(bar.marker.color) == [F.CHANGE_COLORS["down"], F.CHANGE_COLORS["up"]] * 2
    np.testing.assert_allclose(bar.x, ch["mean_change"])
    assert fig.layout.yaxis.ticktext[0] == "Arrival →<br>Taking a number"
    assert fig.layout.meta["stages"] == S[1:]


# ----------------------------------------------------------------------------- cycle flow


def test_cycle_flow_boxes_arrows_phases():
    stages = tuple(Stage(name, phase=ph, critical=name == "Waiting")
                   for name, ph in zip(S, ("Arrival", "Queue", "Queue", None, None)))
    fig = F.cycle_flow_figure(Cycle("Bank", stages), per_row=3)
    boxes = [s for s in fig.layout.shapes if s.name in ("stage", "critical")]
    assert len(boxes) == 5 and [s.name for s in boxes].count("critical") == 1
    crit = [s for s in boxes if s.name == "critical"][0]
    assert crit.line.color == F.VERDICT_COLORS["critical"]
    arrows = [a for a in fig.layout.annotations if a.name == "arrow"]
    assert len(arrows) == 4  # n - 1 connections
    assert len([s for s in fig.layout.shapes if s.name == "arrow"]) == 1  # one row change
    assert [s.name for s in fig.layout.shapes if (s.name or "").startswith("phase:")] == ["phase:Arrival", "phase:Queue"]
    pts = fig.data[0]
    assert first_customdata(pts) == S and len(set(pts.y)) == 2  # wrapped into two rows
    assert pts.x[3] == pts.x[0] and pts.y[3] < pts.y[0]
    assert "★" in pts.text[2] and fig.data[-1].name.startswith("Declared critical")
    assert F.cycle_flow_figure(Cycle("Empty")).layout.meta["figure"] == "empty"


# ----------------------------------------------------------------------------- cross-cutting


def all_figures(stages, *, nan_stage=None):
    """Every builder on tables for ``stages`` (one stage may have no data)."""
    n = [0 if s == nan_stage else 100 for s in stages]
    scores = fx.stage_scores(stages, n=n)
    pens = fx.penalties(stages, nan_stage=nan_stage)
    verd = fx.classify(stages, {stages[0]: "critical"}, declared=stages[-1:])
    cycle = Cycle("c", tuple(Stage(s, phase="P" if i < 2 else None, critical=i == 0) for i, s in enumerate(stages)))
    dist = fx.distribution(stages, counts=[[0] * 5 if s == nan_stage else [1, 2, 3, 4, 5] for s in stages])
    return {
        "journey": F.journey_figure(scores, verdicts=verd, targets={stages[0]: 4.5}, phases={stages[0]: "P"},
                                    open_plans=[stages[0]], scale=Scale(1, 5)),
        "penalty": F.penalty_figure(pens, verdicts=verd, threshold=0.4),
        "penalty_reward": F.penalty_reward_figure(pens),
        "priority": F.priority_figure(fx.priorities(stages), open_plans=[stages[0]]),
        "diverging": F.diverging_bar_figure(dist, Scale(1, 5)),
        "heatmap": F.segment_heatmap_figure(fx.segment_comparison(stages, few=[("South", stages[0])],
                                                                  flags={("North", stages[-1]): "below"})),
        "trend": F.trend_figure(fx.trend_scores(stages, small=[(stages[0], 1)])),
        "change": F.stage_change_figure(fx.stage_changes(stages)) if len(stages) > 1 else F.empty_figure("one stage"),
        "flow": F.cycle_flow_figure(cycle),
        "empty": F.empty_figure(f"Nothing for {stages[0]}"),
    }


@pytest.mark.parametrize("kind", ["evil", "one", "many"])
def test_every_figure_escapes_serialises_and_maps_clicks(kind):
    stages = {"evil": [fx.EVIL, fx.BOLD, fx.LONG, "Plain"], "one": ["Only stage"], "many": list(fx.MANY)}[kind]
    figs = all_figures(stages)
    for name, fig in figs.items():
        payload = json.loads(fig.to_json())  # embeddable in HTML
        assert payload["layout"]["meta"]["figure"]
        texts = rendered_strings(fig)
        for raw in (fx.EVIL, fx.BOLD):
            assert not any(raw in t or "<script" in t or "<b>x</b>" in t for t in texts), name
        if kind == "evil":
            assert any("&lt;script&gt;" in t for t in texts), name
        for t in fig.data:  # every stage-bearing trace: first customdata element is a raw stage name
            if t.customdata is not None:
                assert set(first_customdata(t)) <= set(stages), (name, t.name)
        if name not in ("empty", "change"):
            assert any(t.customdata is not None for t in fig.data), name
            if name != "diverging":
                assert fig.layout.meta["stages"] == stages, name
    if kind == "evil":
        hover = figs["journey"].data[3].hovertext[0]
        assert hover.startswith("<b>&lt;script&gt;alert('x')&lt;/script&gt;</b>")
        assert first_customdata(figs["journey"].data[3])[0] == fx.EVIL


def test_nan_stage_draws_without_error():
    stages = list(S)
    figs = all_figures(stages, nan_stage="Waiting")
    journey = figs["journey"]
    assert math.isnan(trace_by_name(journey, "Score (95% interval)").y[2])
    div = figs["diverging"]
    assert all(math.isnan(t.x[2]) for t in div.data) and "No answers" in div.data[0].hovertext[2]
    for fig in figs.values():
        fig.to_json()


EMPTY_CALLS = {
    "journey": lambda d: F.journey_figure(d),
    "penalty": lambda d: F.penalty_figure(d),
    "penalty_reward": lambda d: F.penalty_reward_figure(d),
    "priority": lambda d: F.priority_figure(d),
    "diverging": lambda d: F.diverging_bar_figure(d, Scale(1, 5)),
    "heatmap": lambda d: F.segment_heatmap_figure(d),
    "trend": lambda d: F.trend_figure(d),
    "change": lambda d: F.stage_change_figure(d),
}
EMPTY_TABLES = {
    "journey": fx.stage_scores(S).iloc[:0], "penalty": fx.penalties(S).iloc[:0],
    "penalty_reward": fx.penalties(S).iloc[:0], "priority": fx.priorities(S).iloc[:0],
    "diverging": fx.distribution(S).iloc[:0], "heatmap": fx.segment_comparison(S).iloc[:0],
    "trend": fx.trend_scores(S).iloc[:0], "change": fx.stage_changes(S).iloc[:0],
}


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
def test_empty_tables_give_a_message_not_an_error(name):
    for table in (EMPTY_TABLES[name], pd.DataFrame(), None):
        fig = EMPTY_CALLS[name](table)
        assert is_empty_figure(fig), name
        assert len(fig.layout.annotations[0].text) > 10
        fig.to_json()


def test_missing_column_is_one_plain_sentence():
    with pytest.raises(SurveyError, match="has no column 'ci_low'"):
        F.journey_figure(fx.stage_scores(S).drop(columns="ci_low"))
    with pytest.raises(SurveyError, match="has no column 'score_100'"):
        F.segment_heatmap_figure(fx.segment_comparison(S).drop(columns=["score_100"]))


def test_empty_figure_escapes_and_breaks_lines():
    fig = F.empty_figure("No data for <b>x</b>\nTry another filter")
    assert fig.layout.annotations[0].text == "No data for &lt;b&gt;x&lt;/b&gt;<br>Try another filter"
    assert fig.layout.xaxis.visible is False and fig.layout.meta["message"].startswith("No data")


def test_style_is_applied_once_everywhere():
    for fig in all_figures(S).values():
        assert fig.layout.template.layout.font.family == F.FONT_FAMILY
        assert fig.layout.template.layout.hoverlabel.bgcolor == "white"


def test_tables_without_any_data_still_draw():
    """Every stage unanswered (n = 0, NaN statistics): figures are drawn, never an exception."""
    nan = float("nan")
    scores = fx.stage_scores(S, n=[0] * len(S))
    pens = fx.penalties(S)
    pens[["penalty", "penalty_ci_low", "penalty_ci_high", "reward", "reward_ci_low", "reward_ci_high"]] = nan
    prio = fx.priorities(S).assign(importance=nan, performance=nan)
    seg = fx.segment_comparison(S).assign(n=0, score_100=nan, too_few=True)
    tr = fx.trend_scores(S[:2]).assign(mean=nan, ci_low=nan, ci_high=nan, n=0)
    ch = fx.stage_changes(S).assign(mean_change=nan, p_value=nan)
    dist = fx.distribution(S, counts=np.zeros((len(S), 5)))
    figs = [
        F.journey_figure(scores, verdicts=fx.classify(S, {s: "not enough data" for s in S})),
        F.journey_figure(scores, scale=Scale(1, 5)),
        F.penalty_figure(pens), F.penalty_reward_figure(pens), F.priority_figure(prio),
        F.segment_heatmap_figure(seg), F.trend_figure(tr), F.stage_change_figure(ch),
        F.diverging_bar_figure(dist, Scale(1, 5)),
    ]
    for fig in figs:
        fig.to_json()
    assert figs[0].layout.meta["stages"] == S
    assert not [s for s in figs[4].layout.shapes if (s.name or "").startswith("crosshair")]
    assert np.isnan(np.array(figs[5].data[0].z, float)).all()
    assert len([a for a in figs[2].layout.annotations if a.name == "no estimate"]) == len(S)


def test_priority_labels_of_close_points_take_different_positions():
    """Two stages almost on top of each other (as Getting to the branch and Leaving the branch in
    the bank sample) must not have their labels drawn in the same place."""
    pos = plan_labels(np.array([74.0, 74.5, 40.0]), np.array([0.125, 0.126, 0.0]), ["Getting to the branch", "Leaving the branch", "Waiting"],
                      ["1", "2", "3"], x_range=(30, 90), y_range=(-0.05, 0.2)).position
    assert pos[0] != pos[1]
    assert pos[2] == "top center"  # a lone point keeps the default
