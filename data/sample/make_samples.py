"""Make the bundled sample surveys (fixed seed, numpy and pandas only).

Usage::

    python data/sample/make_samples.py            # rewrite the files next to this script
    python data/sample/make_samples.py OUT_DIR    # write them into OUT_DIR instead

Running it again gives byte-identical files. It writes:

* ``bank_visit_long.csv``: the bank branch visit (template ``bank_visit``) in the LONG layout,
  one row per respondent and answered stage.
* ``customer_lifecycle_wide.csv``: the six-phase customer lifecycle (template
  ``customer_lifecycle``) in the WIDE layout, one row per customer, one column per stage.

The planted patterns, the outcome model and the exact counts are documented in ``README.md`` next
to this script; ``tests/test_samples.py`` checks them against the committed files.

Outcome model (both files), per respondent ``i``::

    mood_i     ~ Normal(0, sd_mood)                    # how the day went: a mild halo
    stage s    : latent = mean_s (+ segment/period shifts) + load_s * mood_i + Normal(0, sd_s)
                 score  = latent rounded to the nearest point and clipped to 1..5
                 "incident" stages: with a small probability the experience goes wrong and the
                 score is 1 or 2 whatever the latent value
    overall    : o_i = base + mood_i + sum_s weight_s * (score_s - mean_s)
                       - ruin_s * [score_s <= 2 on a ruinous stage] + Normal(0, sd_overall)
                 overall_satisfaction = round(o_i) clipped to 1..5
    recommend  : round(2 * o_i - 0.6 + Normal(0, 1)) clipped to 0..10

A stage with a large "ruin" effect is a critical moment (a bad experience spoils the outcome);
a stage with a low mean, no mood load and no weight is a pain point that is not critical.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260301

# --------------------------------------------------------------------------------------------
# Bank branch visit (long layout)
# --------------------------------------------------------------------------------------------

BANK_STAGES = (
    "Getting to the branch",
    "Finding out how to cash a check",
    "Taking a number",
    "Waiting for your turn",
    "Being called to the counter",
    "Check verification",
    "Receiving the money",
    "Leaving the branch",
)
GETTING, FINDING, NUMBER, WAIT, CALLED, VERIFY, MONEY, LEAVING = range(len(BANK_STAGES))

BANK_N = 1200
BANK_START = np.datetime64("2026-03-02")
BANK_DAYS = 182  # 2026-03-02 .. 2026-08-30
BRANCHES = ("Central", "Harbour", "Northgate", "Westfield")
BRANCH_P = (0.35, 0.25, 0.22, 0.18)
CHANNELS = ("walk-in", "appointment")
CHANNEL_P = (0.75, 0.25)

# Ordinary stages: mean, sd of the noise, load on mood, weight in the overall outcome.
BANK_ORDINARY = {
    GETTING: (4.0, 0.75, 1.0, 0.00),
    FINDING: (3.9, 0.75, 1.0, 0.03),
    CALLED: (4.2, 0.65, 1.0, 0.05),
    VERIFY: (3.7, 0.75, 1.0, 0.05),
    LEAVING: (4.1, 0.65, 1.0, 0.00),
}
BANK_MOOD_SD = 0.25
NUMBER_MEAN, NUMBER_SD, NUMBER_INCIDENT_P, NUMBER_RUIN = 4.5, 0.55, 0.022, 1.0
WAIT_MEAN, WAIT_SD = 2.7, 0.9
WAIT_SHIFT_APPOINTMENT = 0.8
WAIT_SHIFT_BRANCH = {"Harbour": -0.8}
WAIT_SHIFT_MONTH = {7: 0.5, 8: 1.0}  # July, August: the new queue system
MONEY_P = (0.03, 0.25, 0.72)  # scores 3, 4, 5 when nothing goes wrong
MONEY_INCIDENT_P, MONEY_RUIN = 0.05, 2.0
BANK_BASE, BANK_OVERALL_SD = 3.85, 0.55

# Who answers what: probability that a respondent has no row for a stage.
BANK_SKIP_P = {GETTING: 0.03, FINDING: 0.05, CALLED: 0.02, VERIFY: 0.03, MONEY: 0.01, LEAVING: 0.06, WAIT: 0.01}
NUMBER_SKIP_P = {"walk-in": 0.02, "appointment": 0.90}  # appointments mostly skip the ticket
BANK_NA_ROWS = 30  # answered rows whose score is written "N/A"
BANK_BAD = (("score", "7"), ("score", "7"), ("score", "7"), ("score", "abc"), ("score", "abc"), ("respondent_id", ""), ("respondent_id", ""))

BANK_COMMENTS = {
    "money": (
        "The teller gave me less than the amount on the check and I had to ask twice.",
        "Wrong amount paid out. I will think twice before coming back.",
        "Counted the money at home and 20 were missing. Not acceptable for a bank.",
        "The cashier made a mistake with my money, it was corrected but I felt cheated.",
    ),
    "number": (
        "The man at the door answered as if my question was stupid.",
        "Staff at the entrance were rude when I asked what to do.",
    ),
    "wait": (
        "Far too long a wait, only one counter open.",
        "Waited almost 40 minutes for my number.",
        "The queue was slow but the teller was nice.",
        "Long wait again. More tellers at lunchtime please.",
        "Waiting time is the only problem at this branch.",
    ),
    "good": (
        "Quick and friendly, thank you.",
        "Everything was correct and the teller was very kind.",
        "Good service as always.",
        "Très bien, merci. The café corner is a nice touch.",
        "Clear signs, short wait, correct money. Perfect.",
    ),
    "neutral": (
        "Fine, nothing special.",
        "OK visit. Parking near the branch is difficult.",
        "The ticket machine was out of paper, a colleague wrote my number by hand.",
        "Would like longer opening hours on Saturday.",
        "Asked for €50 notes and got them.",
    ),
}
# Literal-display checks: text that a spreadsheet or a browser could try to interpret.
BANK_HOSTILE = {
    2: "=SUM(1,2) - the teller counted my notes twice",
    6: 'Staff were <b>bold</b> and helpful <script>alert("hi")</script>',
    10: 'Good service, but the "express" counter was closed.\nPlease open a second counter at lunchtime.',
}


def _round_clip(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(x), lo, hi).astype(np.int64)


def _pick_comments(rng, n, kind_index, pools, p_comment):
    """One comment per respondent ('' for most): kind_index[i] selects a pool in ``pools``."""
    has = rng.random(n) < p_comment
    comments = np.full(n, "", dtype=object)
    for k, pool in enumerate(pools):
        idx = np.flatnonzero(has & (kind_index == k))
        comments[idx] = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), idx.size)]
    return comments


def make_bank(rng: np.random.Generator) -> pd.DataFrame:
    n = BANK_N
    days = np.sort(rng.integers(0, BANK_DAYS, n))
    dates = BANK_START + days.astype("timedelta64[D]")
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    branch = rng.choice(len(BRANCHES), n, p=BRANCH_P)
    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    mood = rng.normal(0.0, BANK_MOOD_SD, n)

    k = len(BANK_STAGES)
    scores = np.zeros((n, k), dtype=np.int64)
    for s, (mean, sd, load, _w) in BANK_ORDINARY.items():
        scores[:, s] = _round_clip(mean + load * mood + rng.normal(0, sd, n), 1, 5)

    # Taking a number: the staff member's answer; rarely goes wrong, ruinous when it does.
    scores[:, NUMBER] = _round_clip(NUMBER_MEAN + mood + rng.normal(0, NUMBER_SD, n), 1, 5)
    number_incident = rng.random(n) < NUMBER_INCIDENT_P
    scores[number_incident, NUMBER] = rng.integers(1, 3, number_incident.sum())

    # Waiting: a queue judged on its own (no mood load, no weight in the outcome).
    wait_latent = WAIT_MEAN + rng.normal(0, WAIT_SD, n)
    wait_latent += WAIT_SHIFT_APPOINTMENT * (channel == 1)
    for name, shift in WAIT_SHIFT_BRANCH.items():
        wait_latent += shift * (branch == BRANCHES.index(name))
    for m, shift in WAIT_SHIFT_MONTH.items():
        wait_latent += shift * (month == m)
    scores[:, WAIT] = _round_clip(wait_latent, 1, 5)

    # Receiving the money: nearly always right; a wrong amount ruins the visit.
    scores[:, MONEY] = rng.choice([3, 4, 5], n, p=MONEY_P)
    money_incident = rng.random(n) < MONEY_INCIDENT_P
    scores[money_incident, MONEY] = rng.integers(1, 3, money_incident.sum())

    # Which stages each respondent answered (rows present in the long file).
    answered = np.ones((n, k), dtype=bool)
    for s, p in BANK_SKIP_P.items():
        answered[:, s] = rng.random(n) >= p
    p_number_skip = np.where(channel == 1, NUMBER_SKIP_P["appointment"], NUMBER_SKIP_P["walk-in"])
    answered[:, NUMBER] = rng.random(n) >= p_number_skip

    # The outcome: computed from the experiences as answered (a skipped stage has no effect).
    o = BANK_BASE + mood + rng.normal(0, BANK_OVERALL_SD, n)
    for s, (mean, _sd, _load, w) in BANK_ORDINARY.items():
        o += w * (scores[:, s] - mean) * answered[:, s]
    o -= NUMBER_RUIN * ((scores[:, NUMBER] <= 2) & answered[:, NUMBER])
    o -= MONEY_RUIN * ((scores[:, MONEY] <= 2) & answered[:, MONEY])
    overall = _round_clip(o, 1, 5)
    recommend = _round_clip(2.0 * o - 0.6 + rng.normal(0, 1.0, n), 0, 10)

    # Comments, chosen by what happened.
    kind = np.full(n, 4)  # neutral
    kind[overall >= 5] = 3
    kind[answered[:, WAIT] & (scores[:, WAIT] <= 2)] = 2
    kind[answered[:, NUMBER] & (scores[:, NUMBER] <= 2)] = 1
    kind[answered[:, MONEY] & (scores[:, MONEY] <= 2)] = 0
    p_comment = np.where(kind <= 1, 0.6, np.where(kind == 2, 0.15, 0.08))
    pools = [BANK_COMMENTS[x] for x in ("money", "number", "wait", "good", "neutral")]
    comments = _pick_comments(rng, n, kind, pools, p_comment)
    for i, text in BANK_HOSTILE.items():
        comments[i] = text

    # Long layout: respondents in date order, stages in cycle order within each respondent.
    resp, stage = np.nonzero(answered)
    score_txt = scores[resp, stage].astype(str).astype(object)
    ids = np.char.add("B", np.char.zfill(np.arange(1, n + 1).astype(str), 4)).astype(object)
    df = pd.DataFrame(
        {
            "respondent_id": ids[resp],
            "date": np.datetime_as_string(dates, unit="D").astype(object)[resp],
            "branch": np.asarray(BRANCHES, dtype=object)[branch][resp],
            "channel": np.asarray(CHANNELS, dtype=object)[channel][resp],
            "stage": np.asarray(BANK_STAGES, dtype=object)[stage],
            "score": score_txt,
            "overall_satisfaction": overall.astype(str).astype(object)[resp],
            "recommend": recommend.astype(str).astype(object)[resp],
            "comment": comments[resp],
        }
    )

    # N/A answers and deliberately bad rows, on distinct rows away from the first respondents.
    first_rows = int((resp < 20).sum())
    chosen = first_rows + rng.choice(len(df) - first_rows, BANK_NA_ROWS + len(BANK_BAD), replace=False)
    df.loc[chosen[:BANK_NA_ROWS], "score"] = "N/A"
    for row, (col, value) in zip(chosen[BANK_NA_ROWS:], BANK_BAD):
        df.loc[row, col] = value
    return df


# --------------------------------------------------------------------------------------------
# Customer lifecycle (wide layout)
# --------------------------------------------------------------------------------------------

LIFE_COLUMNS = ("prospecting", "needs_assessment", "proposal", "implementation", "after_sales", "feedback")
PROSPECT, NEEDS, PROPOSAL, IMPL, AFTER, FEEDBACK = range(len(LIFE_COLUMNS))
LIFE_N = 600
LIFE_START = np.datetime64("2025-09-01")
LIFE_DAYS = 365  # 2025-09-01 .. 2026-08-31
REGIONS = ("North", "South", "East", "West")
REGION_P = (0.30, 0.25, 0.25, 0.20)
CUSTOMER_TYPES = ("SME", "Enterprise", "Public sector")
CUSTOMER_TYPE_P = (0.50, 0.30, 0.20)
LIFE_MOOD_SD = 0.2
# mean, sd of the noise, load on mood, weight in the overall outcome
LIFE_ORDINARY = {
    PROSPECT: (3.9, 0.75, 1.0, 0.00),
    NEEDS: (4.0, 0.75, 1.0, 0.05),
    PROPOSAL: (4.0, 0.75, 1.0, 0.00),
    FEEDBACK: (3.6, 0.85, 1.0, 0.00),
}
PROPOSAL_SHIFT_TYPE = {"Public sector": -0.9}
IMPL_MEAN, IMPL_SD, IMPL_INCIDENT_P, IMPL_RUIN = 4.3, 0.6, 0.11, 1.8
AFTER_MEAN, AFTER_SD = 2.6, 0.9
LIFE_BASE, LIFE_OVERALL_SD = 3.9, 0.55
LIFE_NA_ZERO = {FEEDBACK: 18, AFTER: 6}  # answers coded 0 = "not applicable"
LIFE_BLANK_P = 0.01  # skipped questions (empty cells)

LIFE_COMMENTS = {
    "impl": (
        "The go-live slipped by two months and nobody told us why.",
        "Implementation was chaotic; we are still fixing the setup ourselves.",
        "What was delivered is not what we agreed in the proposal.",
    ),
    "after": (
        "Support after the sale is hard to reach.",
        "Tickets stay open for weeks.",
        "Nobody called us back after the installation.",
    ),
    "good": (
        "Great partner, responsive and clear.",
        "Very happy with the project team.",
        "Smooth from the first meeting to delivery.",
    ),
    "neutral": (
        "Fine overall.",
        "Pricing could be clearer.",
        "The proposal took a while but it was complete.",
        "Good product, the invoicing portal is clumsy.",
    ),
}
LIFE_HOSTILE = {4: '=HYPERLINK("http://example.com","click me") was in the invoice e-mail'}


def make_lifecycle(rng: np.random.Generator) -> pd.DataFrame:
    n = LIFE_N
    days = np.sort(rng.integers(0, LIFE_DAYS, n))
    dates = LIFE_START + days.astype("timedelta64[D]")
    region = rng.choice(len(REGIONS), n, p=REGION_P)
    ctype = rng.choice(len(CUSTOMER_TYPES), n, p=CUSTOMER_TYPE_P)
    mood = rng.normal(0.0, LIFE_MOOD_SD, n)

    k = len(LIFE_COLUMNS)
    scores = np.zeros((n, k), dtype=np.int64)
    for s, (mean, sd, load, _w) in LIFE_ORDINARY.items():
        latent = mean + load * mood + rng.normal(0, sd, n)
        if s == PROPOSAL:
            for name, shift in PROPOSAL_SHIFT_TYPE.items():
                latent += shift * (ctype == CUSTOMER_TYPES.index(name))
        scores[:, s] = _round_clip(latent, 1, 5)
    scores[:, IMPL] = _round_clip(IMPL_MEAN + mood + rng.normal(0, IMPL_SD, n), 1, 5)
    impl_incident = rng.random(n) < IMPL_INCIDENT_P
    scores[impl_incident, IMPL] = rng.integers(1, 3, impl_incident.sum())
    scores[:, AFTER] = _round_clip(AFTER_MEAN + rng.normal(0, AFTER_SD, n), 1, 5)

    answered = rng.random((n, k)) >= LIFE_BLANK_P
    na = np.zeros((n, k), dtype=bool)
    for s, count in LIFE_NA_ZERO.items():
        rows = rng.choice(np.flatnonzero(answered[:, s]), count, replace=False)
        na[rows, s] = True
    rated = answered & ~na

    o = LIFE_BASE + mood + rng.normal(0, LIFE_OVERALL_SD, n)
    for s, (mean, _sd, _load, w) in LIFE_ORDINARY.items():
        o += w * (scores[:, s] - mean) * rated[:, s]
    o -= IMPL_RUIN * ((scores[:, IMPL] <= 2) & rated[:, IMPL])
    overall = _round_clip(o, 1, 5)
    recommend = _round_clip(2.0 * o - 0.6 + rng.normal(0, 1.0, n), 0, 10)

    kind = np.full(n, 3)
    kind[overall >= 5] = 2
    kind[rated[:, AFTER] & (scores[:, AFTER] <= 2)] = 1
    kind[rated[:, IMPL] & (scores[:, IMPL] <= 2)] = 0
    p_comment = np.where(kind == 0, 0.5, np.where(kind == 1, 0.15, 0.08))
    pools = [LIFE_COMMENTS[x] for x in ("impl", "after", "good", "neutral")]
    comments = _pick_comments(rng, n, kind, pools, p_comment)
    for i, text in LIFE_HOSTILE.items():
        comments[i] = text

    cells = scores.astype(str).astype(object)
    cells[na] = "0"
    cells[~answered] = ""
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 4)).astype(object)
    data = {
        "customer_id": ids,
        "date": np.datetime_as_string(dates, unit="D").astype(object),
        "region": np.asarray(REGIONS, dtype=object)[region],
        "customer_type": np.asarray(CUSTOMER_TYPES, dtype=object)[ctype],
    }
    for s, col in enumerate(LIFE_COLUMNS):
        data[col] = cells[:, s]
    data["overall_satisfaction"] = overall.astype(str).astype(object)
    data["recommend"] = recommend.astype(str).astype(object)
    data["comment"] = comments
    return pd.DataFrame(data)


# --------------------------------------------------------------------------------------------


def write_samples(out_dir: str | Path) -> list[Path]:
    """Write both sample files into ``out_dir`` (created if needed); return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    files = {
        "bank_visit_long.csv": make_bank(rng),
        "customer_lifecycle_wide.csv": make_lifecycle(rng),
    }
    paths = []
    for name, df in files.items():
        path = out / name
        # Every cell is already text: no float formatting can differ between runs or platforms.
        text = df.to_csv(index=False, lineterminator="\n")
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        print("usage: python data/sample/make_samples.py [OUT_DIR]", file=sys.stderr)
        return 2
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    for path in write_samples(out_dir):
        print(f"{path}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
