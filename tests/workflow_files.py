"""Survey files for the workflow tests (AppTest in tests/test_app_workflow.py, browser in
tests/browser/test_workflow_browser.py): small, seeded, written as the CSV bytes a manager uploads.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

#: Columns of :func:`bank_wide_csv`: five match the bank_visit template by alias, one it does not name.
BANK_WIDE_COLUMNS = ("getting_there", "finding_process", "take_number", "Asking for guidance", "wait", "teller_greeting")


def bank_wide_csv(n: int = 80, seed: int = 3) -> bytes:
    """A wide bank-visit file whose columns match the bank template by alias, plus a stage the
    template does not name ("Asking for guidance", between taking a number and the wait)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": [f"R{i:03d}" for i in range(n)]})
    for c in BANK_WIDE_COLUMNS:
        df[c] = rng.integers(1, 6, n).astype(str)
    df["overall_satisfaction"] = rng.integers(1, 6, n).astype(str)
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


def stage_comments_csv(n: int = 60, seed: int = 5) -> bytes:
    """A wide file with a general comment and an open question tied to the stage ``wait``
    (``wait_comment``): respondents who rated the wait 1 wrote "queue too long" there."""
    rng = np.random.default_rng(seed)
    wait = rng.integers(1, 6, n)
    df = pd.DataFrame({"id": [f"R{i:03d}" for i in range(n)], "wait": wait.astype(str),
                       "teller": rng.integers(1, 6, n).astype(str), "overall_satisfaction": rng.integers(1, 6, n).astype(str),
                       "wait_comment": np.where(wait == 1, "queue too long", ""),
                       "comment": np.where(wait == 1, "general remark", "")})
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


def large_wide_csv(n: int = 150_000, seed: int = 9) -> bytes:
    """A wide file big enough to take seconds to read and analyse (``n`` respondents, 12 stages)."""
    rng = np.random.default_rng(seed)
    scores = rng.integers(1, 6, size=(n, 12))
    df = pd.DataFrame(scores, columns=[f"stage_{k:02d}" for k in range(1, 13)])
    df.insert(0, "id", np.arange(n))
    df["overall_satisfaction"] = np.clip(np.round(scores.mean(axis=1)), 1, 5).astype(int)
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()
