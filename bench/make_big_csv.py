"""Generate a big long-layout survey CSV for the import benchmark (fixed seed, vectorised).

Columns: ``respondent_id, date, branch, channel, stage, score, overall_satisfaction, recommend,
comment`` -- one row per rating, the respondent's columns repeated on each of their rows, as in the
bank-visit sample. About 65 bytes per row, so 10,000,000 ratings make a ~650 MB file.

Planted content: 8 stages on a 1-5 scale, respondents skip ~10% of stages, 0.5% of scores are
the N/A text ``N/A``, ~30% of respondents leave a (mostly unique) comment.

With ``--wide``: the same survey one row per respondent (``respondent_id, date, branch, channel``,
one column per stage, ``overall_satisfaction, recommend, comment``; a skipped stage is a blank
cell), ``--rows`` ratings in all (about 1.4 million respondents and 95 MB for 10,000,000 ratings).

Usage::

    python bench/make_big_csv.py --rows 1000000            # bench/data/long_1000000.csv
    python bench/make_big_csv.py --rows 10000000 --out bench/data/long_10m.csv
    python bench/make_big_csv.py --rows 10000000 --wide    # bench/data/wide_10000000.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

STAGES = (
    "Getting there",
    "Parking",
    "Entering",
    "Waiting in line",
    "Teller greeting",
    "Cashing the check",
    "Receiving the cash",
    "Leaving",
)
BRANCHES = tuple(f"Branch {i:02d}" for i in range(1, 25))
CHANNELS = ("walk-in", "appointment", "drive-through", "business desk")
WORDS = np.array(
    "slow quick friendly rude clean queue teller parking cash waited minutes helpful staff long "
    "easy confusing polite great poor service counter again fast".split()
)


def _dict_column(indices: np.ndarray, dictionary) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), pa.array(dictionary)).dictionary_decode()


def make_chunk(rng: np.random.Generator, first_resp: int, n_resp: int, max_rows: int) -> pa.Table:
    n_st = len(STAGES)
    keep = rng.random((n_resp, n_st)) < 0.9
    keep[~keep.any(axis=1), 0] = True
    mood = rng.normal(0, 0.8, n_resp)
    effect = np.array([0.3, -0.2, 0.4, -0.6, 0.5, 0.1, 0.3, 0.4])
    raw = 3.6 + mood[:, None] + effect[None, :] + rng.normal(0, 0.7, (n_resp, n_st))
    score = np.clip(np.rint(raw), 1, 5).astype(np.int64)
    resp_idx, stage_idx = np.nonzero(keep)  # row-major: each respondent's stages in cycle order
    if resp_idx.size > max_rows:
        resp_idx, stage_idx = resp_idx[:max_rows], stage_idx[:max_rows]
    n_used = int(resp_idx[-1]) + 1
    n = resp_idx.size
    worst = np.where(keep, score, 9).min(axis=1)
    overall = np.clip(np.rint(3.4 + mood + 0.45 * (worst - 3) + rng.normal(0, 0.5, n_resp)), 1, 5).astype(np.int64)
    recommend = np.clip(np.rint(5.5 + 1.8 * (overall - 3) + rng.normal(0, 1.2, n_resp)), 0, 10).astype(np.int64)
    ids = np.char.add("R", np.char.zfill(np.arange(first_resp, first_resp + n_resp).astype(str), 7))
    days = np.datetime_as_string(np.arange(np.datetime64("2024-01-01"), np.datetime64("2025-01-01")))
    day = rng.integers(0, len(days), n_resp)
    branch = rng.integers(0, len(BRANCHES), n_resp)
    channel = rng.choice(len(CHANNELS), n_resp, p=[0.55, 0.2, 0.15, 0.1])
    # comments: ~30% of respondents, three random words + a ticket number (mostly unique)
    has_comment = rng.random(n_resp) < 0.3
    w = WORDS[rng.integers(0, len(WORDS), (n_resp, 3))]
    text = np.char.add(np.char.add(np.char.add(w[:, 0], " "), np.char.add(w[:, 1], " ")), w[:, 2])
    text = np.char.add(np.char.add(text, " #"), rng.integers(0, 10**6, n_resp).astype(str))
    comment = np.where(has_comment, text, "")
    score_rows = score[resp_idx, stage_idx]
    score_text = score_rows.astype(str).astype(object)
    na = rng.random(n) < 0.005
    score_text[na] = "N/A"
    table = pa.table(
        {
            "respondent_id": _dict_column(resp_idx, ids[:n_used]),
            "date": _dict_column(day[resp_idx], days),
            "branch": _dict_column(branch[resp_idx], BRANCHES),
            "channel": _dict_column(channel[resp_idx], CHANNELS),
            "stage": _dict_column(stage_idx, STAGES),
            "score": pa.array(score_text.astype(str)),
            "overall_satisfaction": pa.array(overall[resp_idx]),
            "recommend": pa.array(recommend[resp_idx]),
            "comment": _dict_column(resp_idx, comment[:n_used]),
        }
    )
    return table, n_used


def make_wide_chunk(rng: np.random.Generator, first_resp: int, n_resp: int, max_ratings: int) -> tuple[pa.Table, int, int]:
    """``n_resp`` respondents one row each (fewer when ``max_ratings`` runs out); returns the table,
    the respondents and the ratings written (N/A cells count as ratings written, as in the long file)."""
    long, _used = make_chunk(rng, first_resp, n_resp, n_resp * len(STAGES))
    n_st = len(STAGES)
    resp = np.asarray(pc.index_in(long["respondent_id"], value_set=pc.unique(long["respondent_id"])))
    stage = np.asarray(pc.index_in(long["stage"], value_set=pa.array(STAGES)))
    per_resp = np.bincount(resp, minlength=int(resp.max()) + 1)
    n_used = min(len(per_resp), int(np.searchsorted(np.cumsum(per_resp), max_ratings, side="right")) or 1)
    cells = np.full((len(per_resp), n_st), "", dtype=object)
    cells[resp, stage] = np.asarray(long["score"].to_numpy(zero_copy_only=False), dtype=object)
    first = np.unique(resp, return_index=True)[1][:n_used]
    columns = {name: long[name].take(pa.array(first)) for name in ("respondent_id", "date", "branch", "channel")}
    columns.update({s: pa.array(cells[:n_used, j].astype(str)) for j, s in enumerate(STAGES)})
    columns.update({name: long[name].take(pa.array(first)) for name in ("overall_satisfaction", "recommend", "comment")})
    return pa.table(columns), n_used, int(per_resp[:n_used].sum())


def write_wide(out: Path, ratings: int, rng: np.random.Generator) -> tuple[int, int]:
    """The ``--wide`` file: returns the ratings and respondents written."""
    written, next_resp = 0, 1
    opts = pcsv.WriteOptions(quoting_style="none")
    with pa.OSFile(str(out), "wb") as sink:
        writer = None
        while written < ratings:
            table, used, n = make_wide_chunk(rng, next_resp, 50_000, ratings - written)
            if writer is None:
                writer = pcsv.CSVWriter(sink, table.schema, write_options=opts)
            writer.write_table(table)
            written += n
            next_resp += used
        if writer is not None:
            writer.close()
    return written, next_resp - 1


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="number of ratings (data rows)")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--wide", action="store_true", help="one row per respondent, one column per stage")
    args = ap.parse_args(argv)
    out = args.out or Path(__file__).with_name("data") / f"{'wide' if args.wide else 'long'}_{args.rows}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    if args.wide:
        written, respondents = write_wide(out, args.rows, rng)
        print(f"wrote {written:,} ratings, {respondents:,} respondents, {out.stat().st_size / 1e6:.0f} MB to {out} in "
              f"{time.perf_counter() - t0:.1f} s")
        return
    written, next_resp = 0, 1
    per_chunk = 50_000  # respondents per chunk (~360,000 rows)
    opts = pcsv.WriteOptions(quoting_style="none")
    with pa.OSFile(str(out), "wb") as sink:
        writer = None
        while written < args.rows:
            table, used = make_chunk(rng, next_resp, per_chunk, args.rows - written)
            if writer is None:
                writer = pcsv.CSVWriter(sink, table.schema, write_options=opts)
            writer.write_table(table)
            written += table.num_rows
            next_resp += used
        if writer is not None:
            writer.close()
    size = out.stat().st_size
    print(f"wrote {written:,} rows, {next_resp - 1:,} respondents, {size / 1e6:.0f} MB to {out} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
