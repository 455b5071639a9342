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
    alerts = sub.add_parser("alerts", help="print the alerts (a stage below target, a significant drop, a new critical "
                                           "moment); exit 1 when there is at least one")
    add_import_options(alerts)
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
    parser.add_argument("--exclude", help="leave out respondents with these response-quality flags: speeders, "
                        "straightliners, duplicates, incomplete (comma-separated, or all); default: flag and keep them")


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


def import_and_screen(args: argparse.Namespace):
    """Import the file, flag its response quality and leave out the ``--exclude`` flags; returns
    ``(imported survey, survey to analyse, QualityReport, Exclusion)``."""
    from cycle_analytics.ingest.importer import import_survey  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.exclusions import exclude_flagged
    from cycle_analytics.stats.quality import quality_report, validate_exclusions

    exclude = validate_exclusions(getattr(args, "exclude", None))  # a typo fails before the file is read
    path = Path(args.file)
    if not path.exists():
        raise SurveyError(f"The file {args.file!r} does not exist.")
    if path.is_dir():
        raise SurveyError(f"{args.file!r} is a folder, not a survey file.")
    imported = import_survey(path, import_options_from_args(args))
    quality = quality_report(imported)
    survey, exclusion = exclude_flagged(imported, quality, exclude)
    return imported, survey, quality, exclusion


def analysis_settings(args: argparse.Namespace, trend_freq: str | None = None):
    """The :class:`~cycle_analytics.stats.analysis.AnalysisSettings` of the options."""
    from cycle_analytics.stats.analysis import AnalysisSettings  # lazy: start-up cost, see the note at the top

    if args.min_n < 1:
        raise SurveyError("--min-n must be at least 1.")
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
        raise SurveyError("Every respondent was excluded by --exclude; nothing is left to analyse.")
    analysis = analyze(survey, outcome=chosen_outcome(args, survey), settings=analysis_settings(args))
    return note_exclusion(analysis, exclusion)


def run_analysis(args: argparse.Namespace):
    """Import, screen and analyse as the arguments say; returns (survey, analysis or None)."""
    _, survey, _, exclusion = import_and_screen(args)
    return survey, analyse_screened(args, survey, exclusion)


def quality_lines(quality, exclusion, info) -> list[str]:
    """The response-quality lines of the plain-text summary: the flag counts, what was excluded and
    where every row went."""
    from cycle_analytics.stats.exclusions import accounting_sentence  # lazy: start-up cost, see the note at the top
    from cycle_analytics.stats.quality import FLAG_LABELS

    counts = quality.counts()
    flagged = ", ".join(f"{counts[f]:,} {FLAG_LABELS[f][0] if counts[f] == 1 else FLAG_LABELS[f][1]}" for f in counts)
    lines = [f"Response quality: {flagged}" + ("." if exclusion.active else " (flagged, kept; --exclude leaves them out).")]
    if exclusion.active:
        lines += [exclusion.sentence(), accounting_sentence(info, exclusion)]
    return lines


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
    if analysis is None:
        raise SurveyError("The report needs the analysis.")
    if args.html:
        title = args.title or f"Service cycle report: {Path(args.file).name}"
        args.html.write_text(html_report(survey, analysis, title=title), encoding="utf-8")
        print(f"wrote {args.html}")
    if args.xlsx:
        args.xlsx.write_bytes(excel_report(survey, analysis))
        print(f"wrote {args.xlsx}")
    return 0


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
            raise SurveyError(f"The alert rules file {str(args.rules)!r} cannot be read.") from None
        except ValueError:
            raise SurveyError(f"The alert rules file {str(args.rules)!r} is not JSON.") from None
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
    _, survey, _, exclusion = import_and_screen(args)
    if not len(survey.responses):
        raise SurveyError("Every respondent was excluded by --exclude; nothing is left to check.")
    found = find_alerts(survey, rules, outcome=chosen_outcome(args, survey), settings=analysis_settings(args, freq))
    name = args.name or Path(args.file).name
    delivered, failure = (), None
    try:
        delivered = deliver_alerts(found, config, name)
    except DeliveryError as exc:
        failure = str(exc)
    if args.json:
        out = {"file": Path(args.file).name, **found.to_json(), "exclusion": exclusion.sentence() or None,
               "delivered": list(delivered), "delivery_error": failure}
        json.dump(out, sys.stdout, ensure_ascii=False, allow_nan=False)
        sys.stdout.write("\n")
    else:
        lines = [a.sentence for a in found.alerts] or [f"No alert ({found.period})."]
        lines += [f"Not checked: {c}" for c in found.checks]
        lines += [s for s in (exclusion.sentence(), *delivered) if s]
        sys.stdout.write("\n".join(lines) + "\n")
    if failure:
        print(f"error: {failure}", file=sys.stderr)
        return 3
    return 1 if len(found) else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "analyze":
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
        print("error: the file is too large to analyse in the memory of this machine.", file=sys.stderr)
        return 2
    except Exception as err:  # last resort: one sentence, never a traceback
        print(f"error: unexpected internal error ({type(err).__name__}: {err}); please report it with the file.", file=sys.stderr)
        return 3 if args.command == "alerts" else 1  # for alerts, 1 means "there are alerts"
    return 0
