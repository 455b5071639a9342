"""Generate a big long-layout survey as Parquet (a folder of files) for the engine benchmark.

The same planted survey as ``bench/make_big_csv.py`` (8 stages on 1-5, ~10% skipped stages, N/A
answers, branches, channels, dates, comments, seeded), written as a warehouse would hold it: typed
columns (``score`` int8 with NULL for the N/A answers, ``date`` a date, ``overall_satisfaction`` and
``recommend`` int8, text columns dictionary-encoded), one Parquet file of about 5M ratings per
part, zstd-compressed. 100M ratings take about 1.5 GB of disk and a few minutes.

Usage::

    python bench/make_big_parquet.py --rows 30000000 --out bench/data/long_30m.parquet
    python bench/make_big_parquet.py --rows 100000000 --out bench/data/long_100m.parquet

``bench/data/`` is git-ignored; so is ``/work/scratch``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_big_csv import make_chunk  # noqa: E402  (the same planted survey, chunk by chunk)

RATINGS_PER_FILE = 5_000_000


def typed(table: pa.Table) -> pa.Table:
    """The CSV generator's text table with warehouse types (N/A scores become NULL)."""
    score = pc.if_else(pc.equal(table["score"], "N/A"), pa.scalar(None, pa.string()), table["score"])
    return pa.table({
        "respondent_id": table["respondent_id"],
        "date": pc.cast(pc.strptime(table["date"], format="%Y-%m-%d", unit="s"), pa.date32()),
        "branch": pc.dictionary_encode(table["branch"]),
        "channel": pc.dictionary_encode(table["channel"]),
        "stage": pc.dictionary_encode(table["stage"]),
        "score": pc.cast(score, pa.int8()),
        "overall_satisfaction": pc.cast(table["overall_satisfaction"], pa.int8()),
        "recommend": pc.cast(table["recommend"], pa.int8()),
        "comment": pc.if_else(pc.equal(table["comment"], ""), pa.scalar(None, pa.string()), table["comment"]),
    })


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=30_000_000, help="number of ratings (rows)")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default bench/data/long_<rows>.parquet)")
    ap.add_argument("--seed", type=int, default=20240601)
    args = ap.parse_args(argv)
    out = args.out or Path(__file__).with_name("data") / f"long_{args.rows}.parquet"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.parquet"):
        old.unlink()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    written, next_resp, part, writer, in_file = 0, 1, 0, None, 0
    while written < args.rows:
        chunk, used = make_chunk(rng, next_resp, 50_000, args.rows - written)
        chunk = typed(chunk)
        if writer is None or in_file >= RATINGS_PER_FILE:
            if writer is not None:
                writer.close()
            writer = pq.ParquetWriter(out / f"part-{part:04d}.parquet", chunk.schema, compression="zstd")
            part, in_file = part + 1, 0
        writer.write_table(chunk)
        written += chunk.num_rows
        in_file += chunk.num_rows
        next_resp += used
    if writer is not None:
        writer.close()
    size = sum(p.stat().st_size for p in out.glob("*.parquet"))
    print(f"wrote {written:,} ratings, {next_resp - 1:,} respondents, {size / 1e6:.0f} MB in {part} files to {out} "
          f"in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
