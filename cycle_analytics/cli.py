"""Command line: ``python -m cycle_analytics analyze FILE [options] [--json]``,
``python -m cycle_analytics report FILE [options] --html OUT.html --xlsx OUT.xlsx`` and
``python -m cycle_analytics alerts FILE [options] [--json]``.

Exit status: 0 on success, 2 when the file or an option cannot be used (one sentence on stderr,
never a traceback), 1 on an unexpected internal error (also one sentence). ``alerts`` is made for
cron and CI: 0 when there is no alert, 1 when there is at least one, 2 for an unusable file or
option, 3 when a delivery (webhook, e-mail) failed or on an unexpected internal error.

Every command takes ``--exclude speeders,straightliners,duplicates,incomplete`` (or ``all``): the
respondents with those response-quality flags (:mod:`cycle_analytics.stats.quality`) are left out
before the analysis; by default they are flagged (``analyze`` reports the counts) and kept.
``--incomplete-below SHARE`` sets the share of the stages a respondent must rate not to be
incomplete (default 0.5).

``analyze`` also reads a survey where it is held, through the query engine
(:mod:`cycle_analytics.engine`; docs/deployment.md, "Analysing a warehouse table"): a Parquet file,
folder or glob, or a glob of CSV files (``analyze 'data/*.parquet'``, read by DuckDB), or a table in
a database (``analyze --source postgresql://... --table schema.answers``). The column roles are
found by the importer in the first rows, as for a file; ``--from`` / ``--to`` dates are pushed into
the query as WHERE clauses; only count tables come back. Long queries report their progress on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from cycle_analytics.errors import SurveyError

# The analysis modules are imported inside the functions that use them, not here: importing them
# costs about 0.9 s (pandas, pyarrow, scipy, statsmodels) and 0.15 s more for ``report`` (plotly),
# measured with ``python -X importtime`` on 2 cores, which ``--help`` and a mistyped option would
# otherwise pay (``python -m cycle_analytics --help`` takes about 0.1 s).


def _(message: str) -> str:
    """:func:`cycle_analytics.i18n.gettext`, imported when a sentence is said: importing Babel costs
    about 0.1 s, which ``--help`` and a mistyped option would otherwise pay (see the note above)."""
    from cycle_analytics.i18n import gettext

    return gettext(message)


#: The interface languages of ``--lang`` (the same as :data:`cycle_analytics.i18n.LANGUAGES`).
INTERFACE_LANGUAGES = ("en", "id", "es")


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
    analyze = sub.add_parser("analyze", help="import a survey file (or read a table) and analyse its service cycle")
    add_import_options(analyze, engine_sources=True)
    add_source_options(analyze)
    analyze.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    analyze.add_argument("--no-analysis", action="store_true", help="import only (dataset, rejected rows, stage scores skipped)")
    report = sub.add_parser("report", help="write a self-contained HTML report and/or an Excel workbook")
    add_import_options(report, engine_sources=True)
    add_source_options(report, reader=False)
    report.add_argument("--html", type=Path, help="write the HTML report (opens offline) to this file")
    report.add_argument("--xlsx", type=Path, help="write every table, one sheet each, to this Excel file")
    report.add_argument("--title", help="title of the report (default: the file name)")
    alerts = sub.add_parser("alerts", help="print the alerts (a stage below target, a significant drop, a new critical "
                                           "moment); exit 1 when there is at least one")
    add_import_options(alerts, engine_sources=True)
    add_source_options(alerts, reader=False)
    add_alert_options(alerts)
    return parser


def add_alert_options(parser: argparse.ArgumentParser) -> None:
    """The ``alerts`` command's rules and delivery options (the SMTP password only from the environment)."""
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of one sentence per alert")
    parser.add_argument("--rules", type=Path, help="alert rules as a JSON file (the format saved surveys keep; "
                        "the options below override it)")
    parser.add_argument("--no-target", action="store_true", help="no alert for a stage below its cycle target")
    parser.add_argument("--no-drop", action="store_true", help="no alert for a significant drop against the previous period")
    parser.add_argument("--no-critical", action="store_true", help="no alert for a stage that became a critical moment")
    parser.add_argument("--min-drop", type=float, help="smallest significant drop (scale points) that raises an alert (default 0)")
    parser.add_argument("--watch", action="append", default=None, help="watch only this stage (repeatable; default: every stage)")
    parser.add_argument("--period", choices=["week", "month", "quarter"],
                        help="the period compared with the one before (default: from the span of the dates)")
    parser.add_argument("--name", help="the survey's name in webhook and e-mail messages (default: the file name)")
    parser.add_argument("--webhook", help="POST the alerts as JSON to this URL (or $CYCLE_ANALYTICS_ALERT_WEBHOOK)")
    parser.add_argument("--smtp-host", help="e-mail the alerts through this SMTP server (or $CYCLE_ANALYTICS_SMTP_HOST)")
    parser.add_argument("--smtp-port", help="its port (default 587 with starttls, 465 with ssl, 25 with none)")
    parser.add_argument("--smtp-security", choices=["starttls", "ssl", "none"], help="connection security (default starttls)")
    parser.add_argument("--smtp-user", help="log in as this user (the password from $CYCLE_ANALYTICS_SMTP_PASSWORD)")
    parser.add_argument("--mail-from", help="sender address (or $CYCLE_ANALYTICS_ALERT_FROM)")
    parser.add_argument("--mail-to", help="comma-separated recipients (or $CYCLE_ANALYTICS_ALERT_TO)")


def add_source_options(parser: argparse.ArgumentParser, *, reader: bool = True) -> None:
    """Where a survey read by the query engine is and the date range pushed into its query;
    ``reader``: the ``--reader`` choice of a large CSV (``analyze`` only)."""
    parser.add_argument("--source", metavar="URL", help="read the survey from a database instead of a file: a connection "
                        "URL such as postgresql://user@host/db or duckdb:///path/to/file.duckdb (with --table)")
    parser.add_argument("--table", help="the table (schema.table) to read from --source")
    parser.add_argument("--respondents-table", metavar="TABLE", help="a separate table of respondents (outcome, "
                        "segments, date) joined to --table's answers on the respondent id")
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="only respondents dated on or after this day")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="only respondents dated on or before this day")
    parser.add_argument("--engine", action="store_true", help="read a CSV file with the query engine (DuckDB) instead of "
                        "importing it in memory: every answer is counted by class, rows are not listed")
    parser.add_argument("--memory-limit", metavar="SIZE", help="DuckDB's memory for files read by the query engine, "
                        "e.g. 3GB (past it, it spills to a temporary folder)")
    if reader:
        parser.add_argument("--reader", choices=["auto", "duckdb", "memory"], default="auto",
                            help="how a CSV file is read: auto (a plain CSV of 100 MB or more by DuckDB, with the same "
                            "rows accepted and rejected; the rest in memory), duckdb or memory (the in-memory importer)")


def add_import_options(parser: argparse.ArgumentParser, *, engine_sources: bool = False) -> None:
    if engine_sources:
        parser.add_argument("file", nargs="?", help="survey file: CSV/TSV (any common delimiter and encoding) or Excel "
                            ".xlsx; or Parquet files, a folder or a glob such as 'data/*.parquet' or 'data/*.csv' "
                            "(read by the query engine)")
    else:
        parser.add_argument("file", help="survey file: CSV/TSV (any common delimiter and encoding) or Excel .xlsx")
    # cycle_analytics.i18n.LANGUAGES, written out: importing Babel here would slow --help (tests check they agree)
    parser.add_argument("--lang", choices=INTERFACE_LANGUAGES, default="en",
                        help="language of the text output and the reports: en, id (Indonesian) or es (Spanish); "
                             "--json output stays English")
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
    weight = parser.add_mutually_exclusive_group()
    weight.add_argument("--weight", metavar="COLUMN", help="the survey-weight column every figure applies "
                        "(default: a column named like a weight, e.g. WEIGHT, holding non-whole numbers)")
    weight.add_argument("--no-weight", action="store_true", help="ignore any weight column: every respondent counts once")
    parser.add_argument("--min-n", type=int, default=30, help="smallest group shown as a result (default 30)")
    parser.add_argument("--correction", choices=["holm", "fdr_bh"], default="holm", help="multiple-testing correction")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument("--exclude", help="leave out respondents with these response-quality flags: speeders, "
                        "straightliners, duplicates, incomplete (comma-separated, or all); default: flag and keep them")
    parser.add_argument("--incomplete-below", type=float, metavar="SHARE", help="flag as incomplete a respondent who "
                        "rated fewer than this share of the stages (0-1, default 0.5)")


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
        weight="" if args.no_weight else args.weight,
        max_bytes=None,
    )


def import_and_screen(args: argparse.Namespace):
    """Import the file, flag its response quality and leave out the ``--exclude`` flags; returns
    ``(imported survey, survey to analyse, QualityReport, Exclusion)``."""
    from cycle_analytics.ingest.importer import import_survey  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.exclusions import exclude_flagged
    from cycle_analytics.stats.quality import QualitySettings, quality_report, validate_exclusions, validate_quality_settings

    exclude = validate_exclusions(getattr(args, "exclude", None))  # a typo fails before the file is read
    share = getattr(args, "incomplete_below", None)
    settings = validate_quality_settings(QualitySettings() if share is None else QualitySettings(min_rated_share=share))
    path = Path(args.file)
    if not path.exists():
        raise SurveyError(_("The file {file!r} does not exist.").format(file=args.file))
    if path.is_dir():
        raise SurveyError(_("{file!r} is a folder, not a survey file.").format(file=args.file))
    imported = import_survey(path, import_options_from_args(args))
    quality = quality_report(imported, settings)
    survey, exclusion = exclude_flagged(imported, quality, exclude)
    return imported, survey, quality, exclusion


def analysis_settings(args: argparse.Namespace, trend_freq: str | None = None):
    """The :class:`~cycle_analytics.stats.analysis.AnalysisSettings` of the options."""
    from cycle_analytics.stats.analysis import AnalysisSettings  # lazy: start-up cost, see the note at the top

    if args.min_n < 1:
        raise SurveyError(_("--min-n must be at least 1."))
    return AnalysisSettings(min_n=args.min_n, correction=args.correction, seed=args.seed, trend_freq=trend_freq)


def chosen_outcome(args: argparse.Namespace, survey):
    """The outcome the options ask for (``--no-outcome``: the proxy)."""
    from cycle_analytics.dataset import PROXY_OUTCOME  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.analysis import outcome_spec

    return PROXY_OUTCOME if args.no_outcome else outcome_spec(survey, survey.info.outcome, positive=args.positive)


def analyse_screened(args: argparse.Namespace, survey, exclusion):
    """``analyze`` of the screened survey, with the exclusion in its notes (``None`` with ``--no-analysis``)."""
    from cycle_analytics.stats.analysis import analyze  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.exclusions import note_exclusion

    if getattr(args, "no_analysis", False):
        return None
    if not len(survey.responses):
        raise SurveyError(_("Every respondent was excluded by --exclude; nothing is left to analyse."))
    analysis = analyze(survey, outcome=chosen_outcome(args, survey), settings=analysis_settings(args),
                       filters=date_filters(args))
    return note_exclusion(analysis, exclusion)


def date_filters(args: argparse.Namespace):
    """The ``--from`` / ``--to`` date range as :class:`~cycle_analytics.stats.filters.Filters` (``None`` without one)."""
    from cycle_analytics.stats.filters import Filters  # lazy: start-up cost, see the note at the top

    start, stop = getattr(args, "date_from", None), getattr(args, "date_to", None)
    if start is None and stop is None:
        return None
    return Filters(date_range=(start, stop))


def reads_with_engine(args: argparse.Namespace) -> bool:
    """Whether ``analyze`` reads the survey with the query engine: ``--source``, or Parquet files, a
    folder or a glob named as the file."""
    from cycle_analytics.engine.sources import PARQUET_SUFFIXES  # lazy: start-up cost, see the note at the top

    if getattr(args, "source", None):
        if args.file:
            raise SurveyError(_("Name either a survey file or --source with --table, not both."))
        return True
    if getattr(args, "table", None) or getattr(args, "respondents_table", None):
        raise SurveyError(_("--table names a table of --source; give the database URL with --source."))
    if not args.file:
        raise SurveyError(_("Name a survey file, or a database with --source URL --table NAME."))
    text = str(args.file)
    return (getattr(args, "engine", False) or any(ch in text for ch in "*?[") or text.lower().endswith(PARQUET_SUFFIXES)
            or Path(text).is_dir())


def reads_large_csv(args: argparse.Namespace) -> bool:
    """Whether ``analyze`` tries DuckDB's reading of a large plain CSV (``--reader``,
    :func:`cycle_analytics.engine.csv_source.csv_route`); ``--exclude`` needs every answer in memory."""
    from cycle_analytics.engine.csv_source import csv_route  # lazy: start-up cost, see the note at the top

    return not getattr(args, "exclude", None) and csv_route(args.file, getattr(args, "reader", "auto")) == "duckdb"


def read_large_csv_of(args: argparse.Namespace, spill: str):
    """DuckDB's reading of the file with the importer's accounting
    (:func:`~cycle_analytics.engine.csv_source.read_large_csv`; ``None``: import it in memory)."""
    from cycle_analytics.engine.csv_source import read_large_csv  # lazy: start-up cost, see the note at the top
    from cycle_analytics.engine.progress import TextProgress

    return read_large_csv(args.file, import_options_from_args(args), progress=TextProgress(),
                          memory_limit=args.memory_limit, temp_directory=spill)


def analyze_large_csv(args: argparse.Namespace, read) -> int:
    """``analyze`` of a large CSV read by DuckDB: the importer's dataset block, rejected rows and
    invalid answers, and the analysis of the engine (the same JSON keys as an in-memory import,
    without the response-quality block)."""
    from cycle_analytics.dataset import PROXY_OUTCOME  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.analysis import analysis_results_json, analyze

    analysis = None
    if not args.no_analysis:
        if not read.info.ratings:
            raise SurveyError(_("No respondent rated a stage (within the --from / --to dates); nothing is left to analyse."))
        engine = read.engine
        spec = PROXY_OUTCOME if args.no_outcome or read.info.outcome is None else engine.outcome_spec(
            read.info.outcome, positive=args.positive)
        analysis = analyze(engine, outcome=spec, settings=analysis_settings(args), filters=date_filters(args))
    if args.json:
        out = {"dataset": read.info.to_json(),
               "rejected": [{"row": int(r), "reason": str(m)} for r, m in zip(read.rejected["row"], read.rejected["reason"])],
               "invalid": [{"row": int(r), "column": str(c), "value": str(v), "reason": str(m)} for r, c, v, m in
                           zip(read.invalid["row"], read.invalid["column"], read.invalid["value"], read.invalid["reason"])]}
        if analysis is not None:
            out.update(analysis_results_json(analysis))
        json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_summary(read, analysis))
    return 0


def open_engine(args: argparse.Namespace, spill: str | None = None):
    """The :class:`~cycle_analytics.engine.SurveyEngine` of ``--source`` / the named files, with the
    column roles the importer finds in its first rows and the date range pushed into the scan;
    returns ``(engine, ColumnRoles)``. DuckDB spills to the folder ``spill`` past ``--memory-limit``."""
    from cycle_analytics.engine import SurveyEngine, duckdb_backend, open_source  # lazy: start-up cost, see the note at the top
    from cycle_analytics.engine.progress import TextProgress
    from cycle_analytics.engine.roles import roles_from_sample

    if getattr(args, "exclude", None):
        raise SurveyError(_("--exclude needs every respondent's answers in memory; it works for a survey file, not for a table read by the query engine."))
    options = import_options_from_args(args)
    if args.source:
        source = open_source(args.source, args.table, respondents=args.respondents_table)
    else:
        source = open_source(args.file, backend=duckdb_backend(memory_limit=args.memory_limit, temp_directory=spill))
    roles = roles_from_sample(source, options, name=source.description or None)  # --weight / --no-weight as for a file
    # the respondent table holds only the columns the analysis reads: no comment, the chosen outcome
    # only (a text column's largest value per respondent is the dearest part of its GROUP BY)
    read = dataclasses.replace(roles.layout, comment=None, outcomes=() if args.no_outcome or roles.outcome is None else (roles.outcome,))
    engine = SurveyEngine(source, read, roles.rules, filters=date_filters(args), progress=TextProgress(),
                          cycle=options.cycle, positive=args.positive)
    return engine, roles


def analyze_with_engine(args: argparse.Namespace) -> int:
    """``analyze`` of a table read by the query engine: the same analysis and JSON as for a file,
    with the engine's accounting of every answer as the dataset block."""
    with engine_of(args) as (engine, roles):
        analysis = None if args.no_analysis else engine_analysis(args, engine, roles)
        write_engine_analysis(args, engine, roles, analysis)
    return 0


def engine_outcome(args: argparse.Namespace, engine, roles):
    """The outcome the importer chose in the sample (``--outcome`` resolved as for a file;
    ``--no-outcome``: the proxy), after checking that someone rated a stage."""
    from cycle_analytics.dataset import PROXY_OUTCOME  # lazy: start-up cost, see the note at the top

    if not engine.respondent_counts().rated_respondents:
        raise SurveyError(_("No respondent rated a stage (within the --from / --to dates); nothing is left to analyse."))
    return PROXY_OUTCOME if args.no_outcome or roles.outcome is None else engine.outcome_spec(roles.outcome, positive=args.positive)


def engine_analysis(args: argparse.Namespace, engine, roles):
    """:func:`~cycle_analytics.stats.analysis.analyze` of the engine with :func:`engine_outcome`."""
    from cycle_analytics.stats.analysis import analyze  # lazy: start-up cost, see the note at the top

    return analyze(engine, outcome=engine_outcome(args, engine, roles), settings=analysis_settings(args))


@contextlib.contextmanager
def engine_of(args: argparse.Namespace):
    """``(engine, roles)`` of ``--source`` or the named Parquet files (:func:`open_engine`), closed
    at the end, DuckDB spilling to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="cycle-analytics-") as spill:
        engine, roles = open_engine(args, spill)
        with engine:
            yield engine, roles


def survey_name(args: argparse.Namespace) -> str:
    """What the survey is called in reports and alerts: the file's name, else the table's."""
    return Path(args.file).name if args.file else str(args.table)


def write_engine_analysis(args: argparse.Namespace, engine, roles, analysis) -> None:
    """Print the engine's accounting and the analysis (one JSON object with ``--json``)."""
    from cycle_analytics.engine.summary import accounting_lines, dataset_json  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.analysis import analysis_results_json

    description = engine.source.description
    if args.json:
        scale_source = roles.sample.info.scale_source if engine.rules.scale is not None else "inferred"
        out = {"dataset": dataset_json(engine, description, scale_source=scale_source, layout=roles.layout)}
        if analysis is not None:
            out.update(analysis_results_json(analysis))
        json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
        return
    lines = accounting_lines(engine, description)
    if analysis is None:
        lines.append("Stages: " + ", ".join(engine.stages))
    sys.stdout.write("\n".join(lines) + "\n" + ("" if analysis is None else "".join(analysis_lines(analysis))))


def run_analysis(args: argparse.Namespace):
    """Import, screen and analyse as the arguments say; returns (survey, analysis or None)."""
    _imported, survey, _quality, exclusion = import_and_screen(args)
    return survey, analyse_screened(args, survey, exclusion)


def quality_lines(quality, exclusion, info) -> list[str]:
    """The response-quality lines of the plain-text summary: the flag counts, what was excluded and
    where every row went."""
    from cycle_analytics.stats.exclusions import accounting_sentence  # lazy: start-up cost, see the note at the top
    from cycle_analytics.i18n import gettext as _  # lazy: start-up cost (Babel), see the note at the top
    from cycle_analytics.stats.quality import flag_count_text

    counts = quality.counts()
    flagged = ", ".join(flag_count_text(f, counts[f]) for f in counts)
    lines = [(_("Response quality: {flags}.") if exclusion.active else
              _("Response quality: {flags} (flagged, kept; --exclude leaves them out).")).format(flags=flagged)]
    if exclusion.active:
        lines += [exclusion.sentence(), accounting_sentence(info, exclusion)]
    return lines


def format_summary(survey, analysis) -> str:
    """A readable plain-text summary (what ``analyze`` prints without ``--json``), in the current language."""
    from cycle_analytics.i18n import format_number as num
    from cycle_analytics.i18n import gettext as _  # lazy: start-up cost (Babel), see the note at the top

    info = survey.info
    outcome = analysis.outcome.display() if analysis is not None else (info.outcome or _("none"))
    lines = [
        _("Format: {format}   scale: {scale} ({source})   outcome: {outcome}").format(
            format=info.format, scale=info.scale.label(), source=info.scale_source, outcome=outcome),
        _("Rows read {read} = accepted {accepted} + rejected {rejected}; respondents {respondents}; ratings {ratings}").format(
            read=num(info.rows_read), accepted=num(info.rows_accepted), rejected=num(info.rows_rejected),
            respondents=num(info.respondents), ratings=num(info.ratings)),
    ]
    if info.rows_rejected:
        first = survey.rejected.head(5)
        lines.append(_("First rejected rows: {rows}").format(rows="; ".join(
            _("row {row}: {reason}").format(row=r, reason=m) for r, m in zip(first["row"], first["reason"]))))
    lines.append(_("Answers read {read} = ratings {ratings} + no answer {no_answer} + invalid {invalid}").format(
        read=num(info.answers_read), ratings=num(info.ratings), no_answer=num(info.no_answers),
        invalid=num(info.invalid_answers)))
    if info.invalid_answers:
        first = survey.invalid.head(5)
        lines.append(_("First invalid answers: {answers}").format(answers="; ".join(
            _("row {row}, {column!r}: {reason}").format(row=r, column=c, reason=m)
            for r, c, m in zip(first["row"], first["column"], first["reason"]))))
    if analysis is None:
        lines.append(_("Stages: {stages}").format(stages=", ".join(info.stages)))
        return "\n".join(lines) + "\n"
    return "\n".join(lines) + "\n" + "".join(analysis_lines(analysis))


def analysis_lines(analysis) -> list[str]:
    """The stage table, critical moments, pain points and notes of the plain-text summary (lines ending in a newline)."""
    import pandas as pd  # lazy: start-up cost, see the note at the top (already loaded by the analysis)

    from cycle_analytics.figures.style import VERDICT_LABELS
    from cycle_analytics.i18n import format_decimal, format_number, pgettext
    from cycle_analytics.i18n import gettext as _

    lines: list[str] = []
    table = analysis.scores.merge(analysis.moments[["stage", "verdict"]], on="stage", how="left").merge(
        analysis.priorities[["stage", "rank", "quadrant"]], on="stage", how="left"
    )
    width = max([5, *(len(str(s)) for s in table["stage"])])
    width = min(width, 40)
    head = {"stage": pgettext("text table", "stage"), "mean": pgettext("text table", "mean"),
            "top": pgettext("text table", "top%"), "bot": pgettext("text table", "bot%"),
            "rank": pgettext("text table", "rank"), "verdict": pgettext("text table", "verdict")}
    header = (f"{head['stage']:<{width}}  {'n':>7}  {head['mean']:>5}  {'95% CI':>13}  {'/100':>5}  {head['top']:>5}  "
              f"{head['bot']:>5}  {head['rank']:>4}  {head['verdict']}")
    lines += ["", header, "-" * len(header)]
    for r in table.itertuples(index=False):
        name = str(r.stage)
        name = name if len(name) <= width else name[: width - 1] + "…"
        ci = f"{format_decimal(r.ci_low)}-{format_decimal(r.ci_high)}" if r.ci_low == r.ci_low else "—"
        mean = format_decimal(r.mean) if r.mean == r.mean else "—"
        s100 = format_number(r.score_100) if r.score_100 == r.score_100 else "—"
        top = format_number(r.top_box_pct) if r.top_box_pct == r.top_box_pct else "—"
        bot = format_number(r.bottom_box_pct) if r.bottom_box_pct == r.bottom_box_pct else "—"
        rank = "—" if pd.isna(r.rank) else f"{int(r.rank)}"  # no rank: no action needed
        shown = _(VERDICT_LABELS[r.verdict]) if r.verdict in VERDICT_LABELS else r.verdict
        lines.append(f"{name:<{width}}  {format_number(r.n):>7}  {mean:>5}  {ci:>13}  {s100:>5}  {top:>5}  {bot:>5}  {rank:>4}  {shown}")
    crit = analysis.critical_moments
    lines.append("")
    if len(crit):
        lines.append(_("Critical moments:"))
        lines += [f"  - {e}" for e in crit["evidence"]]
    else:
        lines.append(_("No critical moment found with the current thresholds."))
    pains = analysis.pain_points
    if len(pains):
        lines.append(_("Pain points (often rated badly, without the effect a critical moment needs):"))
        lines += [f"  - {e}" for e in pains["evidence"]]
    for note in analysis.notes:
        lines.append(_("Note: {note}").format(note=note))
    return [line + "\n" for line in lines]


def write_reports(args: argparse.Namespace) -> int:
    """``report``: the HTML report and/or the Excel workbook of the analysis (of a file imported in
    memory, or of a table read by the query engine)."""
    from cycle_analytics.i18n import gettext as _  # lazy: start-up cost, see the note at the top

    if not args.html and not args.xlsx:
        raise SurveyError(_("Name at least one output: --html OUT.html and/or --xlsx OUT.xlsx."))
    for out in (args.html, args.xlsx):
        if out is not None and not out.parent.exists():
            raise SurveyError(_("The folder {folder!r} for {file!r} does not exist.").format(folder=str(out.parent),
                                                                                            file=out.name))
    if reads_with_engine(args):
        from cycle_analytics.outputs.outline import survey_outline  # lazy: start-up cost, see the note at the top

        # a table read where it lies: the report from the analysis and the engine's counts (no row read)
        with engine_of(args) as (engine, roles):
            analysis = engine_analysis(args, engine, roles)
            write_report_files(args, survey_outline(engine, name=survey_name(args)), analysis)
        return 0
    survey, analysis = run_analysis(args)
    if analysis is None:
        raise SurveyError(_("The report needs the analysis."))
    write_report_files(args, survey, analysis)
    return 0


def write_report_files(args: argparse.Namespace, subject, analysis) -> None:
    """Write ``--html`` and ``--xlsx`` of ``subject`` (a survey or its outline) and its analysis."""
    from cycle_analytics.i18n import gettext as _
    from cycle_analytics.outputs.report import excel_report, html_report  # lazy: start-up cost, see the note at the top

    if args.html:
        title = args.title or _("Service cycle report: {file}").format(file=survey_name(args))
        args.html.write_text(html_report(subject, analysis, title=title), encoding="utf-8")
        print(_("wrote {path}").format(path=args.html))
    if args.xlsx:
        args.xlsx.write_bytes(excel_report(subject, analysis))
        print(_("wrote {path}").format(path=args.xlsx))


def alert_rules_from_args(args: argparse.Namespace):
    """The :class:`~cycle_analytics.stats.alerts.AlertRules` of ``--rules`` and the rule options."""
    from dataclasses import replace  # lazy: start-up cost, see the note at the top

    from cycle_analytics.stats.alerts import AlertRules, validate_alert_rules
    from cycle_analytics.storage.serialise import alert_rules_from_dict

    rules = AlertRules()
    if args.rules is not None:
        try:
            rules = alert_rules_from_dict(json.loads(args.rules.read_text(encoding="utf-8")))
        except OSError:
            raise SurveyError(_("The alert rules file {rules!r} cannot be read.").format(rules=str(args.rules))) from None
        except ValueError:
            raise SurveyError(_("The alert rules file {rules!r} is not JSON.").format(rules=str(args.rules))) from None
    changes = {k: False for k, off in (("below_target", args.no_target), ("significant_drop", args.no_drop),
                                       ("new_critical", args.no_critical)) if off}
    if args.min_drop is not None:
        changes["min_drop"] = args.min_drop
    if args.watch:
        changes["stages"] = tuple(args.watch)
    return validate_alert_rules(replace(rules, **changes))


def delivery_from_args(args: argparse.Namespace):
    """The :class:`~cycle_analytics.outputs.delivery.DeliveryConfig` of the options over the environment."""
    from cycle_analytics.outputs.delivery import delivery_from_env, delivery_from_mapping  # lazy: start-up cost

    return delivery_from_mapping({"webhook_url": args.webhook, "smtp_host": args.smtp_host, "smtp_port": args.smtp_port,
                                  "smtp_security": args.smtp_security, "smtp_user": args.smtp_user,
                                  "mail_from": args.mail_from, "mail_to": args.mail_to}, base=delivery_from_env())


def run_alerts(args: argparse.Namespace) -> int:
    """``alerts``: find the alerts, deliver them when a webhook or e-mail is configured, print them;
    0 without an alert, 1 with at least one, 3 when a delivery failed."""
    from cycle_analytics.outputs.delivery import DeliveryError, deliver_alerts  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.alerts import find_alerts

    rules = alert_rules_from_args(args)
    config = delivery_from_args(args)
    freq = {"week": "W", "month": "M", "quarter": "Q"}.get(args.period)
    if reads_with_engine(args):
        exclusion_sentence = None  # a table read where it lies: no response-quality exclusion (open_engine says so)
        with engine_of(args) as (engine, roles):
            found = find_alerts(engine, rules, outcome=engine_outcome(args, engine, roles), settings=analysis_settings(args, freq))
    else:
        _imported, survey, _quality, exclusion = import_and_screen(args)
        if not len(survey.responses):
            raise SurveyError(_("Every respondent was excluded by --exclude; nothing is left to check."))
        found = find_alerts(survey, rules, outcome=chosen_outcome(args, survey), settings=analysis_settings(args, freq))
        exclusion_sentence = exclusion.sentence() or None
    name = args.name or survey_name(args)
    delivered, failure = (), None
    try:
        delivered = deliver_alerts(found, config, name)
    except DeliveryError as exc:
        failure = str(exc)
    if args.json:
        out = {"file": survey_name(args), **found.to_json(), "exclusion": exclusion_sentence,
               "delivered": list(delivered), "delivery_error": failure}
        json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        lines = [a.sentence for a in found.alerts] or [_("No alert ({period}).").format(period=found.period)]
        lines += [_("Not checked: {check}").format(check=c) for c in found.checks]
        lines += [s for s in (exclusion_sentence, *delivered) if s]
        sys.stdout.write("\n".join(lines) + "\n")
    if failure:
        print(f"error: {failure}", file=sys.stderr)
        return 3
    return 1 if len(found) else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # --help and a mistyped option end here, before Babel is imported
    from cycle_analytics.i18n import reset_language, set_language  # lazy: start-up cost (Babel), see the note at the top

    # The text output, its sentences and the reports in --lang; --json stays English (language-neutral).
    token = set_language("en" if getattr(args, "json", False) else args.lang)
    try:
        return run_command(args)
    finally:
        reset_language(token)


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; the exit status of the module docstring."""
    try:
        if args.command == "analyze":
            if reads_with_engine(args):
                return analyze_with_engine(args)
            if reads_large_csv(args):
                with tempfile.TemporaryDirectory(prefix="cycle-analytics-") as spill:
                    read = read_large_csv_of(args, spill)
                    if read is not None:
                        with read.engine:
                            return analyze_large_csv(args, read)
            imported, survey, quality, exclusion = import_and_screen(args)
            analysis = analyse_screened(args, survey, exclusion)
            if args.json:
                from cycle_analytics.stats.analysis import analysis_json  # lazy: start-up cost, see the note at the top
                from cycle_analytics.stats.exclusions import quality_json

                out = analysis_json(imported, analysis)  # the dataset block: the import, before any exclusion
                out["quality"] = quality_json(quality, exclusion, imported.info)
                json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
                sys.stdout.write("\n")
            else:
                text = format_summary(imported, analysis)
                sys.stdout.write(text + "\n".join(quality_lines(quality, exclusion, imported.info)) + "\n")
            return 0
        if args.command == "report":
            return write_reports(args)
        if args.command == "alerts":
            return run_alerts(args)
    except SurveyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except MemoryError:
        # "error:" stays as written in every language: scripts look for it
        print("error: " + _("the file is too large to analyse in the memory of this machine."), file=sys.stderr)
        return 2
    except Exception as err:  # last resort: one sentence, never a traceback
        print("error: " + _("unexpected internal error ({kind}: {error}); please report it with the file.").format(
            kind=type(err).__name__, error=err), file=sys.stderr)
        return 3 if args.command == "alerts" else 1  # for alerts, 1 means "there are alerts"
    return 0
