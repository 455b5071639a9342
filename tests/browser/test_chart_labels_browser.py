"""Chart labels measured where they are drawn: Plotly in Debian's chromium, at 8, 16 and 30 stages.

Each chart is rendered from its figure's HTML at the width of the dashboard's main column; the
bounding boxes of the point labels, the quadrant / region names and the bars are read from the
page and must not overlap. Screenshots go to artifacts/screenshots/ (look at them).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Page

from cycle_analytics import figures as F

NAMES = ("Finding the website", "Comparing the offers", "Asking a question by chat", "Opening the account",
         "Identity check", "Receiving the card", "First payment", "Getting to the branch", "Taking a number",
         "Waiting for your turn", "Being called to the counter", "Check verification", "Receiving the money",
         "Leaving the branch", "Calling the hotline", "Waiting on hold", "Talking to an adviser", "Complaint handling",
         "Changing the address", "Monthly statement", "Online banking login", "Transfer abroad", "Loan application",
         "Loan decision", "Closing the account", "Card replacement", "Fees explained", "Branch opening hours",
         "Mobile app update", "Saying goodbye")
SIZES = (8, 16, 30)


def stage_names(k: int) -> list[str]:
    return list(NAMES[:k])


def priorities(k: int, seed: int = 5) -> pd.DataFrame:
    """A priority table with points bunched together, as real surveys give (most stages near the averages)."""
    rng = np.random.default_rng(seed)
    names = stage_names(k)
    imp = np.clip(rng.normal(0.14, 0.04, k), 0.0, None)
    perf = np.clip(rng.normal(75, 6, k), 0, 100)
    score = imp * (100 - perf)
    rank = pd.Series(score).rank(ascending=False, method="first").astype(int).to_numpy()
    im, pm = imp.mean(), perf.mean()
    quad = [("Concentrate here" if p < pm else "Keep up the good work") if q >= im else ("Low priority" if p < pm else "Possible overkill")
            for q, p in zip(imp, perf)]
    level = ["high" if r <= k // 3 else "medium" if r <= 2 * k // 3 else "low" for r in rank]
    cat = pd.Categorical(names, categories=names, ordered=True)
    return pd.DataFrame({"rank": rank, "stage": cat, "importance": imp, "performance": perf, "gap": 100 - perf,
                         "priority_score": score, "quadrant": quad, "level": level}).sort_values("rank")


def penalties(k: int, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = stage_names(k)
    pen = np.abs(rng.normal(0.35, 0.25, k))
    rew = np.abs(rng.normal(0.25, 0.12, k))
    cat = pd.Categorical(names, categories=names, ordered=True)
    return pd.DataFrame({"stage": cat, "n": 300, "n_bad": rng.integers(20, 80, k), "penalty": pen, "penalty_ci_low": pen - 0.2,
                         "penalty_ci_high": pen + 0.2, "reward": rew, "factor": [("basic", "performance", "delight")[i % 3] for i in range(k)]})


def verdicts(k: int) -> pd.DataFrame:
    """Verdicts of one kind that are not next to each other (the case that drew bars over several rows)."""
    names = stage_names(k)
    v = ["critical" if i % 4 == 0 else "pain point" if i % 5 == 1 else "ok" if i % 2 else "not enough data" for i in range(k)]
    return pd.DataFrame({"stage": pd.Categorical(names, categories=names, ordered=True), "verdict": v})


def draw(page: Page, fig, width: int = 940) -> None:
    html = fig.to_html(include_plotlyjs=True, full_html=True, config={"responsive": False})
    page.set_viewport_size({"width": width + 40, "height": int(fig.layout.height or 600) + 60})
    page.set_content(html)
    page.wait_for_function("() => document.querySelectorAll('.main-svg').length > 0")
    page.wait_for_timeout(200)


def boxes(page: Page, selector: str) -> list[dict]:
    return page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).map(e => { const r = e.getBoundingClientRect();
             return {text: e.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })
             .filter(b => b.x1 > b.x0 && b.text.trim() !== '')""", selector)


def overlaps(a: dict, b: dict, slack: float = 1.0) -> bool:
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack


def assert_no_overlap(items: list[dict], what: str) -> None:
    bad = [(a["text"], b["text"]) for i, a in enumerate(items) for b in items[i + 1:] if overlaps(a, b)]
    assert not bad, f"{what}: overlapping labels {bad[:5]}"


def assert_numbers_have_a_key(page: Page, fig) -> None:
    """Every label that is a number is explained in the key drawn under the chart."""
    labels = [b["text"] for b in boxes(page, ".textpoint text")]
    numbered = [t for t in labels if re.fullmatch(r"\d+", t)]
    key_lines = page.evaluate(
        "() => Array.from(document.querySelectorAll('.annotation-text')).flatMap(e => {"
        " const lines = e.querySelectorAll('.line'); return lines.length ? Array.from(lines, l => l.textContent) : [e.textContent]; })")
    for number in numbered:
        assert any(re.fullmatch(rf"{number}\s+\S.*", line.strip()) for line in key_lines), f"number {number} has no key entry"
    assert len(fig.layout.meta["numbered"]) == len(numbered)


@pytest.mark.parametrize("k", SIZES)
def test_priority_chart_labels_do_not_overlap(page: Page, screenshot_dir: Path, k: int):
    fig = F.priority_figure(priorities(k))
    draw(page, fig)
    page.screenshot(path=str(screenshot_dir / f"labels_priority_{k}.png"), full_page=True)
    labels = boxes(page, ".textpoint text")
    corners = [b for b in boxes(page, ".annotation-text") if b["text"] in
               ("Concentrate here", "Keep up the good work", "Low priority", "Possible overkill")]
    assert len(labels) == k and len(corners) == 4
    assert_no_overlap(labels + corners, f"priority chart, {k} stages")
    assert_numbers_have_a_key(page, fig)


@pytest.mark.parametrize("k", SIZES)
def test_penalty_reward_chart_labels_do_not_overlap(page: Page, screenshot_dir: Path, k: int):
    fig = F.penalty_reward_figure(penalties(k))
    draw(page, fig)
    page.screenshot(path=str(screenshot_dir / f"labels_penalty_reward_{k}.png"), full_page=True)
    labels = boxes(page, ".textpoint text")
    regions = [b for b in boxes(page, ".annotation-text") if "factors" in b["text"]]
    assert len(labels) == k and len(regions) == 3
    assert_no_overlap(labels + regions, f"penalty-reward chart, {k} stages")
    assert_numbers_have_a_key(page, fig)


@pytest.mark.parametrize("k", SIZES)
def test_penalty_bars_sit_on_their_stage_rows(page: Page, screenshot_dir: Path, k: int):
    fig = F.penalty_figure(penalties(k), verdicts=verdicts(k))
    draw(page, fig)
    page.screenshot(path=str(screenshot_dir / f"penalty_bars_{k}.png"), full_page=True)
    bars = sorted(page.evaluate(
        """() => Array.from(document.querySelectorAll('.barlayer .point path')).map(e => { const r = e.getBoundingClientRect();
             return {y0: r.top, y1: r.bottom}; })"""), key=lambda b: b["y0"])
    ticks = sorted(page.evaluate(
        """() => Array.from(document.querySelectorAll('.yaxislayer-above .ytick text')).map(e => { const r = e.getBoundingClientRect();
             return (r.top + r.bottom) / 2; })"""))
    assert len(bars) == len(ticks) == k
    pitch = (ticks[-1] - ticks[0]) / (k - 1)
    heights = [b["y1"] - b["y0"] for b in bars]
    assert max(heights) - min(heights) < 1.0, "bars of different thickness"
    assert max(heights) < pitch, "a bar spans more than its row"
    for b, t in zip(bars, ticks):
        assert abs((b["y0"] + b["y1"]) / 2 - t) < pitch / 4, "a bar is off its stage's row"
    assert_no_overlap(boxes(page, ".yaxislayer-above .ytick text"), "stage names")
