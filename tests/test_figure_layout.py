"""Figures as drawn: penalty bars on their stage rows, labels planned without overlap, numbered points
with a key. The drawn geometry is read from the SVG that kaleido renders (Debian's chromium); the
browser tests (tests/browser/test_chart_labels_browser.py) measure the same in a page.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import figure_fixtures as fx
from cycle_analytics import figures as F
from cycle_analytics.figures.labels import overlap, plan_labels, slot_box, text_box_size, to_pixels

S = fx.STAGES


def scattered_verdicts(stages):
    """One verdict on stages that are not next to each other (first and fourth), another on the third."""
    return fx.classify(stages, {stages[0]: "critical", stages[3]: "critical", stages[2]: "pain point"})


def test_penalty_bars_are_one_row_each_whatever_the_verdicts():
    fig = F.penalty_figure(fx.penalties(S), verdicts=scattered_verdicts(S))
    rows = {s: float(i) for i, s in enumerate(fig.layout.meta["stages"])}
    for t in fig.data:
        assert t.width is not None and 0 < t.width <= 0.9, t.name  # never sized by the gaps between a trace's own bars
        assert [rows[cd[0]] for cd in t.customdata] == list(t.y)


def test_penalty_bars_as_rendered_sit_on_the_stage_rows():
    """Rendered with kaleido: every bar is equally thick, thinner than a row, and centred on its row."""
    fig = F.penalty_figure(fx.penalties(S), verdicts=scattered_verdicts(S))
    svg = fig.to_image(format="svg", width=900, height=500).decode()
    bars = []
    for d in re.findall(r'<g class="point"><path d="M[-\d.]+,([-\d.]+)V([-\d.]+)H', svg):
        top, bottom = sorted(map(float, d))
        bars.append((top, bottom))
    ticks = sorted(float(y) for y in re.findall(r'class="ytick"><text[^>]*transform="translate\(0,([-\d.]+)\)', svg))
    assert len(bars) == len(ticks) == len(S)
    bars.sort()
    pitch = (ticks[-1] - ticks[0]) / (len(S) - 1)
    heights = [b - a for a, b in bars]
    assert max(heights) - min(heights) < 0.5 and max(heights) < pitch
    offsets = [(a + b) / 2 - t for (a, b), t in zip(bars, ticks)]
    assert max(offsets) - min(offsets) < 0.5  # the same shift (plot origin) for every bar: each is on its row


@pytest.mark.parametrize("k", [8, 16, 30])
def test_planned_labels_never_overlap(k):
    rng = np.random.default_rng(k)
    x, y = rng.normal(75, 5, k), rng.normal(0.14, 0.03, k)
    names = [f"Stage number {i} of the cycle" for i in range(k)]
    xr, yr = (x.min() - 5, x.max() + 5), (y.min() - 0.03, y.max() + 0.03)
    plan = plan_labels(x, y, names, [str(i + 1) for i in range(k)], x_range=xr, y_range=yr)
    px, py = to_pixels(x, y, xr, yr)
    placed = [slot_box(pos, px[i], py[i], *text_box_size(plan.text[i], 11.0), gap=8.0) for i, pos in enumerate(plan.position)]
    assert all(overlap(a, b) == 0 for i, a in enumerate(placed) for b in placed[i + 1:])
    named = [i for i in range(k) if i not in plan.numbered]
    assert all(plan.text[i] == str(i + 1) for i in plan.numbered)
    assert all(not plan.text[i].isdigit() for i in named)
    if k > 12:
        assert plan.numbered == list(range(k))


def test_numbered_points_have_a_key_in_the_figure():
    fig = F.priority_figure(fx.priorities(fx.MANY[:16]))
    keyed = [a.text for a in fig.layout.annotations if a.name == "key"]
    assert keyed and fig.layout.meta["numbered"]
    text = "<br>".join(keyed)
    for t in fig.data:
        for label, cd in zip(t.text or (), t.customdata if t.customdata is not None else ()):
            if label.isdigit():
                assert f"<b>{label}</b>  {F.escape_text(cd[0])[:20]}" in text
    assert fig.layout.margin.b >= 100 and fig.layout.height > 540  # room for the key under the plot


def test_trend_axis_is_not_misleading():
    """A 0.1 change on a 1-5 scale must not fill the chart (it did: the axis hugged the data)."""
    t = fx.trend_scores(["Wait"], periods=3).assign(mean=[4.1, 4.15, 4.2], ci_low=[4.05, 4.1, 4.15], ci_high=[4.15, 4.2, 4.25])
    fig = F.trend_figure(t, scale=(1, 5))
    lo, hi = fig.layout.yaxis.range
    assert 1 - 0.2 <= lo and hi <= 5 + 0.2  # within the scale
    assert (4.2 - 4.1) / (hi - lo) < 0.1  # the change is under a tenth of the axis
    full = F.trend_figure(t.assign(mean=[1.5, 3.0, 4.8], ci_low=[1.2, 2.8, 4.6], ci_high=[1.8, 3.2, 5.0]), scale=(1, 5))
    assert full.layout.yaxis.range[0] <= 1.2 and full.layout.yaxis.range[1] >= 5.0  # every value stays visible
