"""Benchmark: who should count the tables of a survey already in memory (an upload)?

The same imported survey analysed twice in one process, every analysis included: its count tables
built in memory with numpy (:class:`cycle_analytics.stats.survey_tables.SurveyTables`, what the
app and ``analyze FILE`` use for an imported file) against the query engine over the same survey
handed to DuckDB as Arrow tables (:func:`cycle_analytics.engine.sources.survey_source`, what a
warehouse source uses). Both give the same figures (``tests/test_engine_agreement.py``); the
ratio says which is quicker for data already in memory. Baseline: the in-memory tables.

Usage::

    python bench/bench_tables.py data/sample/bank_visit_long.csv bench/data/long_1000000_1.csv [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import best_call  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cycle_analytics.dataset import ImportOptions  # noqa: E402
from cycle_analytics.engine import SurveyEngine  # noqa: E402
from cycle_analytics.engine.sources import survey_source  # noqa: E402
from cycle_analytics.ingest.importer import import_survey  # noqa: E402
from cycle_analytics.stats.analysis import analyze  # noqa: E402


def on_engine(survey, outcome):
    """The analysis of ``survey`` with its tables counted by DuckDB over Arrow (engine built and closed)."""
    source, layout, rules = survey_source(survey)
    with SurveyEngine(source, layout, rules, cycle=survey.cycle) as engine:
        return analyze(engine, outcome=outcome)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", type=Path, nargs="+")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    for path in args.files:
        survey = import_survey(path.read_bytes(), ImportOptions(na_values=("N/A",)), file_name=path.name)
        outcome = analyze(survey).outcome
        memory, _ = best_call(lambda: analyze(survey, outcome=outcome), args.repeats)
        engine, _ = best_call(lambda: on_engine(survey, outcome), args.repeats)
        print(f"{path.name:<36} {len(survey.ratings):>11,} ratings   in memory {memory:6.2f} s   "
              f"engine over Arrow {engine:6.2f} s   ({engine / memory:.2f}x the in-memory tables)")


if __name__ == "__main__":
    main()
