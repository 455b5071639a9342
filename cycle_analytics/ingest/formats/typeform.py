"""Typeform responses (CSV): ``#`` (the response token) first, the questions, then the system
columns ``Start Date (UTC)``, ``Submit Date (UTC)``, ``Network ID`` (newer exports also ``Response
Type``, ``Stage Date (UTC)``, ``Tags``, ``ending``). The system columns are metadata.

Examples
--------
>>> from cycle_analytics.ingest.formats.base import Preview
>>> rows = (("#", "How was your room?", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"),
...         ("abc123", "4", "2024-03-05 10:00:00", "2024-03-05 10:02:00", "9f8e"))
>>> lay = detect(Preview(rows))
>>> lay.format, lay.id_column, lay.date_column, list(lay.questions)
('typeform', '#', 'Submit Date (UTC)', ['How was your room?'])
"""

from __future__ import annotations

from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.formats.common import cell, header_texts, key, unique_names, validate_preview

FORMAT = "typeform"

SYSTEM_KEYS = frozenset(
    key(k)
    for k in ("Response Type", "Start Date (UTC)", "Stage Date (UTC)", "Submit Date (UTC)", "Network ID", "Tags",
              "ending", "Ending")
)


def detect(preview: Preview) -> ExportLayout | None:
    """A Typeform layout for ``preview``, or ``None`` when it is not a Typeform export."""
    preview = validate_preview(preview)
    rows = preview.rows
    if not rows or not rows[0] or cell(rows[0], 0) != "#":
        return None
    raw = header_texts(rows[0])
    keys = [key(r) for r in raw]
    if not ({"submitdateutc", "networkid"} <= set(keys) or {"startdateutc", "submitdateutc"} <= set(keys)):
        return None
    columns = unique_names(raw)
    meta = {columns[0]} | {c for c, k in zip(columns, keys) if k in SYSTEM_KEYS}
    questions = {c: (r or c) for c, r in zip(columns, raw) if c not in meta}
    return ExportLayout(
        format=FORMAT,
        header_row=0,
        columns=columns,
        questions=questions,
        metadata=frozenset(meta),
        id_column=columns[0],
        date_column=columns[keys.index("submitdateutc")] if "submitdateutc" in keys else None,
        notes=(_("Typeform responses: # (response token) first, system columns at the end."),),
    )
