"""Command line: ``python -m cycle_analytics analyze FILE [options] [--json]`` and
``python -m cycle_analytics report FILE [options] --html OUT.html --xlsx OUT.xlsx``.

Exit status: 0 on success, 2 when the file or an option cannot be used (one sentence on stderr,
never a traceback), 1 on an unexpected internal error (also one sentence).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from cycle_analytics.errors import SurveyError

# The analysis modules are imported inside the functions that use them, not here: importing them
# costs about 0.9 s (pandas, pyarrow, scipy, statsmodels) and 0.15 s more for ``report`` (plotly),
# measured with ``python -X importtime`` on 2 cores, which ``--help`` and a mistyped option would
# otherwise pay (``python -m cycle_analytics --help`` takes about 0.1 s).


def _split_list(text: str | None) -> tuple[str, ...] | None:
    """Split ``A,B,"C, with comma"`` the way a CSV line is split."""
    if text is None:
        return None
    row = next(csv.reader([text], skipinitialspace=True), [])
    return tuple(item.strip() for item in row if item.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cycle_analytics",
        description="Turn a customer-satisfaction survey export into a service-cycle analysis.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    analyze = sub.add_parser("analyze", help="import a survey file and analyse its service cycle")
    add_import_options(analyze)
    analyze.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    analyze.add_argument("--no-analysis", action="store_true", help="import only (dataset, rejected rows, stage scores skipped)")
    report = sub.add_parser("report", help="write a self-contained HTML report and/or an Excel workbook")
    add_import_options(report)
    report.add_argument("--html", type=Path, help="write the HTML report (opens offline) to this file")
    report.add_argument("--xlsx", type=Path, help="write every table, one sheet each, to this Excel file")
    report.add_argument("--title", help="title of the report (default: the file name)")
    return parser


def add_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="survey file: CSV/TSV (any common delimiter and encoding) or Excel .xlsx")
    parser.add_argument("--cycle", help="a bundled cycle template name (e.g. bank_visit) or a cycle file (.yaml/.json)")
    parser.add_argument("--sheet", help="Excel worksheet to read (default: the first sheet holding a table)")
    parser.add_argument("--stages", help="comma-separated stage columns (headers or question texts), in cycle order")
    parser.add_argument("--outcome", help="the outcome column (header or question text), e.g. overall satisfaction")
    parser.add_argument("--no-outcome", action="store_true", help="use no outcome column: compare each stage with the other stages (proxy)")
    parser.add_argument("--positive", help="for a text outcome column: the label that counts as a good outcome")
    parser.add_argument("--na-values", help="comma-separated answers that mean 'no answer', e.g. 0,6,N/A,Blank")
    parser.add_argument("--scale", help="rating scale MIN-MAX, e.g. 1-5 or 0-10 (default: inferred)")
    parser.add_argument("--segment", action="append", default=None, help="segment column (repeatable)")
    parser.add_argument("--layout", choices=["long", "wide"], help="force the layout instead of detecting it")
    parser.add_argument("--min-n", type=int, default=30, help="smallest group shown as a result (default 30)")
    parser.add_argument("--correction", choices=["holm", "fdr_bh"], default="holm", help="multiple-testing correction")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")


def import_options_from_args(args: argparse.Namespace):
    """The :class:`~cycle_analytics.dataset.ImportOptions` the command-line arguments ask for."""
    from cycle_analytics.cycles import load_cycle  # lazy: start-up cost, see the note at the top
    from cycle_analytics.dataset import ImportOptions
    from cycle_analytics.scales import parse_scale

    cycle = load_cycle(args.cycle) if args.cycle else None
    return ImportOptions(
        cycle=cycle,
        sheet=args.sheet,
        stages=_split_list(args.stages),
        outcome=args.outcome,
        positive=args.positive,
        na_values=_split_list(args.na_values) or (),
        scale=parse_scale(args.scale) if args.scale else None,
        segments=tuple(args.segment) if args.segment else None,
        layout=args.layout,
        max_bytes=None,
    )


def run_analysis(args: argparse.Namespace):
    """Import and analyse as the arguments say; returns (survey, analysis or None)."""
    from cycle_analytics.dataset import PROXY_OUTCOME  # lazy: start-up cost, see the note at the top
    from cycle_analytics.ingest.importer import import_survey
    from cycle_analytics.stats.analysis import AnalysisSettings, analyze, outcome_spec

    path = Path(args.file)
    if not path.exists():
        raise SurveyError(f"The file {args.file!r} does not exist.")
    if path.is_dir():
        raise SurveyError(f"{args.file!r} is a folder, not a survey file.")
    survey = import_survey(path, import_options_from_args(args))
    if getattr(args, "no_analysis", False):
        return survey, None
    if args.min_n < 1:
        raise SurveyError("--min-n must be at least 1.")
    settings = AnalysisSettings(min_n=args.min_n, correction=args.correction, seed=args.seed)
    spec = PROXY_OUTCOME if args.no_outcome else outcome_spec(survey, survey.info.outcome, positive=args.positive)
    return survey, analyze(survey, outcome=spec, settings=settings)


def format_summary(survey, analysis) -> str:
    """A readable plain-text summary (what ``analyze`` prints without ``--json``)."""
    import pandas as pd  # lazy: start-up cost, see the note at the top (already loaded by the analysis)

    info = survey.info
    lines = [
        f"Format: {info.format}   scale: {info.scale.label()} ({info.scale_source})   outcome: "
        + (analysis.outcome.display() if analysis is not None else (info.outcome or "none")),
        f"Rows read {info.rows_read:,} = accepted {info.rows_accepted:,} + rejected {info.rows_rejected:,};"
        f" respondents {info.respondents:,}; ratings {info.ratings:,}",
    ]
    if info.rows_rejected:
        first = survey.rejected.head(5)
        lines.append("First rejected rows: " + "; ".join(f"row {r}: {m}" for r, m in zip(first["row"], first["reason"])))
    lines.append(f"Answers read {info.answers_read:,} = ratings {info.ratings:,} + no answer {info.no_answers:,}"
                 f" + invalid {info.invalid_answers:,}")
    if info.invalid_answers:
        first = survey.invalid.head(5)
        lines.append("First invalid answers: " + "; ".join(f"row {r}, {c!r}: {m}" for r, c, m in
                                                            zip(first["row"], first["column"], first["reason"])))
    if analysis is None:
        lines.append("Stages: " + ", ".join(info.stages))
        return "\n".join(lines) + "\n"
    table = analysis.scores.merge(analysis.moments[["stage", "verdict"]], on="stage", how="left").merge(
        analysis.priorities[["stage", "rank", "quadrant"]], on="stage", how="left"
    )
    width = max([5, *(len(str(s)) for s in table["stage"])])
    width = min(width, 40)
    header = f"{'stage':<{width}}  {'n':>7}  {'mean':>5}  {'95% CI':>13}  {'/100':>5}  {'top%':>5}  {'bot%':>5}  {'rank':>4}  verdict"
    lines += ["", header, "-" * len(header)]
    for r in table.itertuples(index=False):
        name = str(r.stage)
        name = name if len(name) <= width else name[: width - 1] + "…"
        ci = f"{r.ci_low:.2f}-{r.ci_high:.2f}" if r.ci_low == r.ci_low else "—"
        mean = f"{r.mean:.2f}" if r.mean == r.mean else "—"
        s100 = f"{r.score_100:.0f}" if r.score_100 == r.score_100 else "—"
        top = f"{r.top_box_pct:.0f}" if r.top_box_pct == r.top_box_pct else "—"
        bot = f"{r.bottom_box_pct:.0f}" if r.bottom_box_pct == r.bottom_box_pct else "—"
        rank = "—" if pd.isna(r.rank) else f"{int(r.rank)}"  # no rank: no action needed
        lines.append(f"{name:<{width}}  {int(r.n):>7,}  {mean:>5}  {ci:>13}  {s100:>5}  {top:>5}  {bot:>5}  {rank:>4}  {r.verdict}")
    crit = analysis.critical_moments
    lines.append("")
    if len(crit):
        lines.append("Critical moments:")
        lines += [f"  - {e}" for e in crit["evidence"]]
    else:
        lines.append("No critical moment found with the current thresholds.")
    pains = analysis.pain_points
    if len(pains):
        lines.append("Pain points (often rated badly, without the effect a critical moment needs):")
        lines += [f"  - {e}" for e in pains["evidence"]]
    for note in analysis.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"


def write_reports(args: argparse.Namespace) -> int:
    """``report``: the HTML report and/or the Excel workbook of the analysis."""
    from cycle_analytics.outputs.report import excel_report, html_report  # lazy: start-up cost, see the note at the top

    if not args.html and not args.xlsx:
        raise SurveyError("Name at least one output: --html OUT.html and/or --xlsx OUT.xlsx.")
    for out in (args.html, args.xlsx):
        if out is not None and not out.parent.exists():
            raise SurveyError(f"The folder {str(out.parent)!r} for {out.name!r} does not exist.")
    survey, analysis = run_analysis(args)
    if args.html:
        title = args.title or f"Service cycle report: {Path(args.file).name}"
        args.html.write_text(html_report(survey, analysis, title=title), encoding="utf-8")
        print(f"wrote {args.html}")
    if args.xlsx:
        args.xlsx.write_bytes(excel_report(survey, analysis))
        print(f"wrote {args.xlsx}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
            survey, analysis = run_analysis(args)
            if args.json:
                from cycle_analytics.stats.analysis import analysis_json  # lazy: start-up cost, see the note at the top

                json.dump(analysis_json(survey, analysis), sys.stdout, ensure_ascii=False, allow_nan=False)
                sys.stdout.write("\n")
            else:
                sys.stdout.write(format_summary(survey, analysis))
            return 0
        if args.command == "report":
            return write_reports(args)
    except SurveyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: the file is too large to analyse in the memory of this machine.", file=sys.stderr)
        return 2
    except Exception as err:  # last resort: one sentence, never a traceback
        print(f"error: unexpected internal error ({type(err).__name__}: {err}); please report it with the file.", file=sys.stderr)
        return 1
    return 0
