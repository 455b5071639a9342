"""SurveyMonkey exports (CSV, often cp1252, or XLSX) with two header rows.

Line 1 holds the system columns (Respondent ID, Collector ID, dates, IP address, e-mail, names,
custom data) and each question's text once over its group of columns (blank cells continue it).
Line 2 holds ``Response`` / ``Open-Ended Response`` for single-column answers, or the matrix row /
option label. Columns are named ``question`` for single answers and ``question - row label``
otherwise, and the row label becomes the column's question text (it names the stage).

Examples
--------
>>> from cycle_analytics.ingest.formats.base import Preview
>>> rows = (("Respondent ID", "Rate your stay", "", "Overall?"),
...         ("", "Room", "Staff", "Response"),
...         ("1001", "Satisfied", "Very satisfied", "4"))
>>> lay = detect(Preview(rows))
>>> lay.columns
('Respondent ID', 'Rate your stay - Room', 'Rate your stay - Staff', 'Overall?')
>>> lay.questions['Rate your stay - Staff'], lay.skip_rows, lay.id_column
('Staff', (1,), 'Respondent ID')
"""

from __future__ import annotations

import re

from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.formats.common import header_texts, key, looks_like_date, unique_names, validate_preview

FORMAT = "surveymonkey"
_NUMBER = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")

# "Response" on line 2 in the languages SurveyMonkey exports in.
RESPONSE_KEYS = frozenset(
    key(k)
    for k in (
        "Response", "Open-Ended Response", "Respuesta", "Respuesta abierta", "Réponse", "Réponse ouverte",
        "Antwort", "Offene Antwort", "Resposta", "Resposta aberta", "Risposta", "Risposta aperta", "Antwoord",
    )
)
METADATA_KEYS = frozenset(
    key(k)
    for k in ("Respondent ID", "RespondentID", "Collector ID", "CollectorID", "Start Date", "End Date",
              "Custom Data", "Custom Data 1", "Custom Data 2", "Custom Data 3", "Custom Data 4", "Custom Data 5",
              "Custom Value")
)
PERSONAL_KEYS = frozenset(key(k) for k in ("IP Address", "Email Address", "First Name", "Last Name"))
# "Open-Ended Response" on line 2 (free text) in the languages SurveyMonkey exports in.
OPEN_KEYS = frozenset(key(k) for k in ("Open-Ended Response", "Respuesta abierta", "Réponse ouverte", "Offene Antwort",
                                        "Resposta aberta", "Risposta aperta", "Other (please specify)"))
SYSTEM_SPELLINGS = frozenset(("respondent id", "respondentid", "collector id", "collectorid"))


def _spelled(text: str) -> str:
    """Header text as spelled (case and runs of spaces ignored, punctuation kept)."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def detect(preview: Preview) -> ExportLayout | None:
    """A SurveyMonkey layout for ``preview``, or ``None`` when it is not a SurveyMonkey export."""
    preview = validate_preview(preview)
    rows = preview.rows
    if len(rows) < 2 or not rows[0]:
        return None
    top, second = rows[0], rows[1]
    width = max(len(top), len(second))
    top_cells = header_texts(top, width)
    sub_cells = header_texts(second, width)
    sub_keys = [key(s) for s in sub_cells]
    top_keys = [key(t) for t in top_cells]
    has_response = any(k in RESPONSE_KEYS for k in sub_keys)
    system = [i for i, k in enumerate(top_keys) if k in METADATA_KEYS or k in PERSONAL_KEYS]
    # Evidence that line 1 is SurveyMonkey's own: its id headers spelled as the tool writes them
    # ("Respondent ID", "Collector ID"), not a plain file's "respondent_id".
    has_system = any(_spelled(top_cells[i]) in SYSTEM_SPELLINGS for i in system)
    # The system columns have an empty second line; a data row would carry their values.
    system_blank = bool(system) and all(sub_cells[i] == "" for i in system)
    others = [sub_cells[i] for i in range(width) if i not in set(system) and sub_cells[i]]
    numeric = any(_NUMBER.match(s) or looks_like_date(s) for s in others)
    if system:
        ok = system_blank and (has_response or (has_system and bool(others) and not numeric))
    else:
        # No system columns: line 2 must read like a header (mostly "Response", or labels under a
        # question continued over blank cells) and hold no numbers or dates, unlike a data row.
        filled = [k for k in sub_keys if k]
        continued = any(not top_cells[i] and sub_cells[i] for i in range(1, width))
        ok = has_response and not numeric and (continued or sum(k in RESPONSE_KEYS for k in filled) >= 0.5 * len(filled))
    if not ok:
        return None
    names, questions, meta, personal, open_text = [], {}, set(), set(), set()
    current = ""
    for i in range(width):
        q, sub = top_cells[i], sub_cells[i]
        if q:
            current = q
        else:
            q = current
        if not q:  # a column before any header text: keep its own label, or a placeholder
            q = sub
        if sub and key(sub) not in RESPONSE_KEYS and top_keys[i] not in METADATA_KEYS:
            names.append(f"{q} - {sub}")
        else:
            names.append(q)
    columns = unique_names(names)
    for i, c in enumerate(columns):
        k = top_keys[i]
        sub = sub_cells[i]
        if top_cells[i] and k in PERSONAL_KEYS and not sub:
            personal.add(c)
        elif top_cells[i] and k in METADATA_KEYS and not sub:
            meta.add(c)
        elif sub and key(sub) not in RESPONSE_KEYS:
            questions[c] = sub
        else:
            questions[c] = top_cells[i] or names[i]
        if key(sub) in OPEN_KEYS:
            open_text.add(c)
    id_column = next((c for i, c in enumerate(columns) if top_keys[i] == "respondentid"), None)
    date_column = next((c for i, c in enumerate(columns) if top_keys[i] == "enddate"), None)
    if date_column is None:
        date_column = next((c for i, c in enumerate(columns) if top_keys[i] == "startdate"), None)
    return ExportLayout(
        format=FORMAT,
        header_row=0,
        columns=columns,
        skip_rows=(1,),
        questions=questions,
        metadata=frozenset(meta),
        personal=frozenset(personal),
        id_column=id_column,
        date_column=date_column,
        notes=(_("SurveyMonkey export: question text on line 1, answer or row labels on line 2."),),
        open_text=frozenset(open_text),
    )
