"""Generated survey files with planted response-quality problems (and, optionally, a stage that slips
in the last month), for the quality tests, the alert tests of the app and the browser tests.

:func:`planted_survey_csv` writes a wide CSV the real importer reads: ``id, date, branch``, a
duration (``Duration (in seconds)``, as Qualtrics names it) or ``StartDate``/``EndDate``, eight
stages rated 1-5 and ``overall``. Planted speeders took 20-60 s against a typical 7 min (SD 1 min,
never under 5 min, so no genuine respondent falls below the speeder limit of mean - 2 SD);
planted straight-liners gave every stage one score; genuine respondents never give every stage the
same score. The ids of both groups are returned, so a test can check that they are found and nobody
else.

Example
-------
>>> data, speeders, straight = planted_survey_csv(n=120, n_speeders=3, n_straight=2)
>>> data.splitlines()[0].decode()
'id,date,branch,Duration (in seconds),arrival,waiting,service,payment,advice,paperwork,farewell,follow_up,overall'
>>> len(speeders), len(straight)
(3, 2)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STAGES = ("arrival", "waiting", "service", "payment", "advice", "paperwork", "farewell", "follow_up")


def planted_survey_csv(n: int = 400, n_speeders: int = 12, n_straight: int = 10, seed: int = 7, *,
                       with_duration: bool = True, start_end: bool = False, months: int = 1,
                       drop_stage: str | None = None, drop: float = 0.0) -> tuple[bytes, set[str], set[str]]:
    """A wide CSV with planted speeders and straight-liners; returns (bytes, speeder ids, straight-liner ids).

    ``months``: respondents spread over this many calendar months from February 2026 (1: February
    only). ``drop_stage`` / ``drop``: genuine respondents of the last month rate that stage ``drop``
    points lower (clipped to 1), so the last month slips against the one before (with one month
    nothing is drawn for them: the file is the same as without these options).
    """
    rng = np.random.default_rng(seed)
    ids = [f"R{i:04d}" for i in range(n)]
    scores = np.clip(np.rint(rng.normal(3.8, 0.9, size=(n, len(STAGES)))), 1, 5).astype(int)
    _make_genuine_rows_vary(scores, np.ones(n, dtype=bool))
    order = rng.permutation(n)
    speeders = set(np.array(ids)[order[:n_speeders]])
    straight = set(np.array(ids)[order[n_speeders:n_speeders + n_straight]])
    for i in order[n_speeders:n_speeders + n_straight]:
        scores[i, :] = rng.integers(1, 6)
    durations = np.clip(rng.normal(420, 60, size=n), 300, None)  # genuine: at least 5 min
    durations[order[:n_speeders]] = rng.uniform(20, 60, size=n_speeders)
    durations = np.rint(durations).astype(int)
    days = rng.integers(0, 28, size=n)
    branches = rng.choice(["North", "South", "East"], size=n)
    month = rng.integers(0, months, size=n) if months > 1 else np.zeros(n, dtype=int)  # no draw for one month
    if drop_stage is not None and drop:
        genuine = ~np.isin(np.array(ids), list(straight))
        _plant_drop(scores, (month == months - 1) & genuine, STAGES.index(drop_stage), drop)
    dates = [pd.Timestamp("2026-02-01") + pd.DateOffset(months=int(m)) + pd.Timedelta(days=int(d))
             for m, d in zip(month, days)]
    header = ["id", "date", "branch"]
    if with_duration and not start_end:
        header.append("Duration (in seconds)")
    if start_end:
        header += ["StartDate", "EndDate"]
    header += [*STAGES, "overall"]
    lines = [",".join(header)]
    for i in range(n):
        row = [ids[i], dates[i].strftime("%Y-%m-%d"), branches[i]]
        if with_duration and not start_end:
            row.append(str(durations[i]))
        if start_end:
            start = dates[i] + pd.Timedelta(hours=9, minutes=int(rng.integers(0, 480)))
            row += [start.strftime("%Y-%m-%d %H:%M:%S"), (start + pd.Timedelta(seconds=int(durations[i]))).strftime("%Y-%m-%d %H:%M:%S")]
        row += [str(x) for x in scores[i]] + [str(int(np.clip(np.rint(scores[i].mean()), 1, 5)))]
        lines.append(",".join(row))
    return ("\n".join(lines) + "\n").encode(), speeders, straight


def _make_genuine_rows_vary(scores: np.ndarray, rows: np.ndarray) -> None:
    """Among ``rows``, a respondent who gave every stage one score gets a different first stage
    (in place): genuine answers always vary, so only the planted straight-liners are flagged."""
    same = rows & (scores.min(axis=1) == scores.max(axis=1))
    scores[same, 0] = np.where(scores[same, 0] == 5, 4, scores[same, 0] + 1)


def _plant_drop(scores: np.ndarray, rows: np.ndarray, stage: int, drop: float) -> None:
    """``rows`` rate ``stage`` ``drop`` points lower (clipped to 1), then still vary (in place)."""
    if stage == 0:
        raise ValueError("the drop stage must not be the first stage (the one that keeps genuine rows varied)")
    scores[rows, stage] = np.clip(scores[rows, stage] - int(round(drop)), 1, 5)
    _make_genuine_rows_vary(scores, rows)
