"""Exports of a questionnaire: a printable page, the CSV template, Qualtrics and Google Forms.

* :func:`questionnaire_html` - a printable, self-contained HTML page (all text escaped).
* :func:`csv_template` - the header of a wide CSV that :func:`cycle_analytics.ingest.importer.import_survey`
  reads with the questionnaire's cycle and no mapping::

      respondent_id,date,<segment columns>,<one column per stage, named exactly as the stage>,
      overall_satisfaction,recommend,<Comment on <stage> per critical stage>

  Ratings are the scale points as numbers; a "Not applicable" (or no) answer is an empty cell.
* :func:`qualtrics_txt` - a Qualtrics *Advanced Format* TXT file (``[[AdvancedFormat]]``,
  ``[[Block:...]]``, ``[[Question:MC:SingleAnswer:Horizontal]]`` / ``[[Question:Matrix]]``,
  ``[[ID:...]]``, ``[[Choices]]``, ``[[Answers]]``, ``[[Question:TE:Essay]]``, ``[[PageBreak]]``).
  Question IDs are the column names made safe (``Getting_to_the_branch``), which the importer maps
  to the stages (names are compared ignoring case, spaces and punctuation).
* :func:`google_forms_text` - a plain numbered list to paste question by question into Google Forms.

Every text the exports add (section titles, instructions, the Qualtrics block names) is in the
interface language, like the questionnaire itself.

Import the collected answers with ``ImportOptions(cycle=questionnaire.cycle)`` (see
:func:`cycle_analytics.design.questionnaire.build_questionnaire`).

Examples
--------
>>> from cycle_analytics.cycles import load_cycle
>>> from cycle_analytics.design.questionnaire import build_questionnaire
>>> q = build_questionnaire(load_cycle("hotel_stay"), segments=(("Channel", ("Website", "Phone")),))
>>> csv_template(q).decode().splitlines()[0][:49]
'respondent_id,date,Channel,Booking,Arrival and ch'
"""

from __future__ import annotations

import csv
import html
import io
import re

import numpy as np
import pandas as pd

from cycle_analytics.design.questionnaire import (
    RECOMMEND_LABELS,
    Question,
    Questionnaire,
    validate_questionnaire,
)
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import current_language
from cycle_analytics.i18n import gettext as _

__all__ = ["questionnaire_html", "csv_template", "qualtrics_txt", "google_forms_text"]


_HTML_CSS = """
body{font-family:Arial,Helvetica,sans-serif;max-width:50rem;margin:2rem auto;color:#222;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.3rem} h2{font-size:1.1rem;margin:1.6rem 0 .4rem;border-bottom:1px solid #ccc}
.q{margin:1rem 0;page-break-inside:avoid} .qt{font-weight:bold} .n{color:#666;margin-right:.3rem}
table.opts{border-collapse:collapse;margin-top:.3rem;width:100%} table.opts td{border:1px solid #bbb;padding:.3rem;
text-align:center;font-size:.85rem;vertical-align:top} .box{display:inline-block;width:.9rem;height:.9rem;border:1px solid #444;
margin-bottom:.2rem} .na{color:#555} .lines{border-bottom:1px solid #999;height:1.6rem} .hint{color:#555;font-size:.9rem}
@media print{body{margin:1cm}}
"""


def questionnaire_html(q: Questionnaire) -> str:
    """A printable, self-contained HTML questionnaire (every text escaped; no scripts, no links).

    >>> from cycle_analytics.cycles import Cycle, Stage
    >>> from cycle_analytics.design.questionnaire import build_questionnaire
    >>> page = questionnaire_html(build_questionnaire(Cycle("<b>X</b>", (Stage("<i>Wait</i>"),)), segments=()))
    >>> "<i>Wait</i>" in page, "&lt;i&gt;Wait&lt;/i&gt;" in page
    (False, True)
    """
    q = validate_questionnaire(q)
    e = html.escape
    hint = _("Tick one box per question. Scale: {scale}.").format(scale=q.scale.label())
    thanks = _("Thank you for your answers.")
    parts = [
        "<!DOCTYPE html>", f'<html lang="{current_language()}"><head><meta charset="utf-8">',
        f"<title>{e(q.title)}</title><style>{_HTML_CSS}</style></head><body>",
        f"<h1>{e(q.title)}</h1>", f"<p>{e(q.intro)}</p>",
        f'<p class="hint">{e(hint)}</p>',
    ]
    section = None
    phases = {s.name: s.phase for s in q.cycle.stages}
    sections = _section_titles()
    for i, qu in enumerate(q.questions, start=1):
        head = sections.get(qu.kind)
        if qu.kind == "rating":
            head = phases.get(qu.stage) or sections["rating"]
        if head != section:
            parts.append(f"<h2>{e(head)}</h2>")
            section = head
        parts.append(f'<div class="q" id="{e(qu.id)}"><div class="qt"><span class="n">{i}.</span>{e(qu.text)}</div>')
        if qu.kind == "comment":
            parts.append('<div class="lines"></div><div class="lines"></div>')
        else:
            cells = [f'<td><span class="box"></span><br>{e(o)}</td>' for o in qu.options]
            if qu.na_option:
                cells.append(f'<td class="na"><span class="box"></span><br>{e(qu.na_option)}</td>')
            parts.append('<table class="opts"><tr>' + "".join(cells) + "</tr></table>")
        parts.append("</div>")
    parts.append(f'<p class="hint">{e(thanks)}</p></body></html>')
    return "\n".join(parts) + "\n"


def _section_titles() -> dict[str, str]:
    """The section title of each kind of question, in the interface language."""
    return {"segment": _("About you"), "rating": _("Your experience"), "overall": _("Overall"),
            "recommend": _("Overall"), "comment": _("Your comments")}


def _neutralise(text: str) -> str:
    """A leading apostrophe for text a spreadsheet would read as a formula (the importer ignores it:
    column names are compared without punctuation)."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def csv_template(q: Questionnaire, rows: pd.DataFrame | None = None) -> bytes:
    """The CSV the collected answers go into (UTF-8, comma-separated, header row).

    Without ``rows`` only the header; with ``rows`` (a DataFrame with exactly
    :attr:`Questionnaire.columns`, e.g. from :func:`fill_template`) the answers too.

    >>> from cycle_analytics.cycles import Cycle, Stage
    >>> from cycle_analytics.design.questionnaire import build_questionnaire
    >>> q = build_questionnaire(Cycle("Demo", (Stage("Wait"), Stage("Pay", critical=True))), segments=())
    >>> csv_template(q).decode()
    'respondent_id,date,Wait,Pay,overall_satisfaction,recommend,Comment on Pay\\r\\n'
    """
    q = validate_questionnaire(q)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_neutralise(c) for c in q.columns])
    if rows is not None:
        if list(rows.columns) != list(q.columns):
            raise SurveyError(_("The rows to write do not have the questionnaire's columns in its order."))
        for rec in rows.itertuples(index=False, name=None):
            w.writerow(["" if (v is None or (isinstance(v, float) and np.isnan(v))) else
                        _neutralise(v) if isinstance(v, str) else (int(v) if float(v).is_integer() else v) for v in rec])
    return buf.getvalue().encode("utf-8")


_QX_TAG = re.compile(r"\[\[|\]\]")


def _qx(text: str) -> str:
    """One line of Qualtrics text: no line breaks, no ``[[``/``]]`` that would start a tag."""
    return _QX_TAG.sub(lambda m: m.group(0)[0], " ".join(str(text).split()))


def qualtrics_txt(q: Questionnaire, *, matrix: bool = False) -> str:
    """The questionnaire as a Qualtrics Advanced Format TXT file (Survey > Tools > Import/Export).

    Structure: ``[[AdvancedFormat]]`` first; one ``[[Block:...]]`` per section; each question as
    ``[[Question:<type>]]``, ``[[ID:<id>]]``, its text on one line, then ``[[Choices]]`` with one
    choice per line (matrix: ``[[Choices]]`` = statements, ``[[Answers]]`` = scale points); a
    blank line between questions and ``[[PageBreak]]`` between phases. Choices carry their value
    ("1 - Very dissatisfied"), so an export "with choice text" still holds the number.

    With ``matrix=True`` the stages of each phase are one ``[[Question:Matrix]]`` (compact on
    screen, but the export names its columns ``<ID>_1``, ``<ID>_2``...: map them on import).

    >>> from cycle_analytics.cycles import Cycle, Stage
    >>> from cycle_analytics.design.questionnaire import build_questionnaire
    >>> txt = qualtrics_txt(build_questionnaire(Cycle("Demo", (Stage("Wait"),)), segments=()))
    >>> txt.splitlines()[:5]
    ['[[AdvancedFormat]]', '', '[[Block:Your experience]]', '', '[[Question:MC:SingleAnswer:Horizontal]]']
    """
    q = validate_questionnaire(q)
    lines = ["[[AdvancedFormat]]", ""]
    phases = {s.name: s.phase for s in q.cycle.stages}
    sections = _section_titles()

    def mc(qu: Question, layout: str) -> None:
        lines.extend([f"[[Question:MC:SingleAnswer:{layout}]]", f"[[ID:{qu.id}]]", _qx(qu.text), "[[Choices]]"])
        lines.extend(_qx(o) for o in qu.options)
        if qu.na_option:
            lines.append(_qx(qu.na_option))
        lines.append("")

    def mc_block(title: str, questions: tuple[Question, ...], layout: str) -> None:
        lines.extend([f"[[Block:{title}]]", ""])
        for qu in questions:
            mc(qu, layout)

    segs, ratings, overall, comments = (q.by_kind("segment"), q.by_kind("rating"),
                                        q.by_kind("overall") + q.by_kind("recommend"), q.by_kind("comment"))
    if segs:
        mc_block(_qx(sections["segment"]), segs, "Vertical")
    if ratings:
        lines.extend([f"[[Block:{_qx(sections['rating'])}]]", ""])
        groups: list[list[Question]] = []
        for qu in ratings:
            if groups and phases.get(groups[-1][0].stage) == phases.get(qu.stage):
                groups[-1].append(qu)
            else:
                groups.append([qu])
        for gi, group in enumerate(groups):
            if gi:
                lines.extend(["[[PageBreak]]", ""])
            if matrix:
                phase = phases.get(group[0].stage)
                mid = _qx(f"phase_{re.sub(r'[^0-9A-Za-z]+', '_', phase or 'your experience').strip('_')}_{gi + 1}")
                matrix_text = (_("How satisfied or dissatisfied were you with each step of {phase}?").format(phase=phase)
                               if phase else _("How satisfied or dissatisfied were you with each step of your experience?"))
                lines.extend(["[[Question:Matrix]]", f"[[ID:{mid}]]", _qx(matrix_text), "[[Choices]]"])
                lines.extend(_qx(x.stage or x.text) for x in group)
                lines.append("[[Answers]]")
                lines.extend(_qx(o) for o in group[0].options)
                if any(x.na_option for x in group):
                    lines.append(_qx(next(x.na_option for x in group if x.na_option)))
                lines.append("")
            else:
                for qu in group:
                    mc(qu, "Horizontal")
    if overall:
        mc_block(_qx(sections["overall"]), overall, "Horizontal")
    if comments:
        lines.extend([f"[[Block:{_qx(sections['comment'])}]]", ""])
        for qu in comments:
            lines.extend(["[[Question:TE:Essay]]", f"[[ID:{qu.id}]]", _qx(qu.text), ""])
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def google_forms_text(q: Questionnaire) -> str:
    """A numbered list to build the form in Google Forms, one question at a time.

    Each entry names the Google Forms question type to pick ("Multiple choice", "Linear scale",
    "Paragraph") and lists the options, one per line, ready to paste.

    >>> from cycle_analytics.cycles import Cycle, Stage
    >>> from cycle_analytics.design.questionnaire import build_questionnaire
    >>> print(google_forms_text(build_questionnaire(Cycle("Demo", (Stage("Wait"),)), segments=(),
    ...       include_overall=False, include_recommend=False)))  # doctest: +ELLIPSIS
    Form title: Demo
    ...
    1. How satisfied or dissatisfied were you with wait?
       Type: Multiple choice (one answer), not required
       Options:
       1 - Very dissatisfied
    ...
    """
    q = validate_questionnaire(q)
    out = [_("Form title: {title}").format(title=q.title), _("Form description: {intro}").format(intro=q.intro), "",
           _("Paste each question below into a new question of the form; choose the type shown; paste the options "
             "(one per line) into the first option field."), ""]
    for i, qu in enumerate(q.questions, start=1):
        out.append(f"{i}. {qu.text}")
        if qu.kind == "comment":
            out.append("   " + _("Type: Paragraph, not required"))
        elif qu.kind == "recommend":
            out.append("   " + _("Type: Linear scale from 0 to 10, not required"))
            out.append("   " + _("Label for 0: {label}").format(label=_(RECOMMEND_LABELS[0])))
            out.append("   " + _("Label for 10: {label}").format(label=_(RECOMMEND_LABELS[1])))
        else:
            if qu.kind == "segment" and len(qu.options) > 8:
                out.append("   " + _("Type: Dropdown, not required"))
            else:
                out.append("   " + _("Type: Multiple choice (one answer), not required"))
            out.append("   " + _("Options:"))
            out.extend(f"   {o}" for o in qu.options)
            if qu.na_option:
                out.append(f"   {qu.na_option}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
