"""Google Forms responses (CSV download, or the responses sheet saved as XLSX/TSV).

One header row: ``Timestamp`` (localised: ``Marca temporal``, ``Horodateur``, ``Zeitstempel``...)
first, then the question titles; grid questions as ``Question [Row]`` (the row label becomes the
question text). ``Email Address`` (when the form collects it) is personal data; ``Score`` (quizzes)
is metadata. Google Forms has no response id, so ``id_column`` is ``None``.

Examples
--------
>>> from cycle_analytics.ingest.formats.base import Preview
>>> rows = (("Marca temporal", "Rate us [Room]", "Rate us [Staff]", "Email Address"),
...         ("2024/03/05 2:14:03 p. m. GMT+1", "4", "5", "a@b.c"))
>>> lay = detect(Preview(rows))
>>> lay.format, lay.date_column, lay.questions["Rate us [Staff]"], sorted(lay.personal)
('google-forms', 'Marca temporal', 'Staff', ['Email Address'])
"""

from __future__ import annotations

from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.formats.common import cell, grid_row_label, header_texts, key, unique_names, validate_preview

FORMAT = "google-forms"

TIMESTAMP_KEYS = frozenset(
    key(k)
    for k in (
        "Timestamp", "Marca temporal", "Horodateur", "Zeitstempel", "Carimbo de data/hora", "Informazioni cronologiche",
        "Tijdstempel", "Sygnatura czasowa", "Tidsstempel", "Tidstämpel", "Aikaleima", "Časová značka",
        "Отметка времени", "Позначка часу", "Zaman damgası", "Dấu thời gian", "Cap de timp", "Időbélyeg",
        "タイムスタンプ", "时间戳", "時間戳記", "타임스탬프", "Stempel waktu", "Marca de temps",
    )
)
PERSONAL_KEYS = frozenset(
    key(k)
    for k in (
        "Email Address", "Email", "Dirección de correo electrónico", "Correo electrónico", "Adresse e-mail",
        "E-Mail-Adresse", "Endereço de e-mail", "Indirizzo email", "E-mailadres", "Adres e-mail",
    )
)
METADATA_KEYS = frozenset(key(k) for k in ("Score", "Puntuación", "Note", "Punktzahl", "Pontuação", "Punteggio", "Total score"))


def detect(preview: Preview) -> ExportLayout | None:
    """A Google Forms layout for ``preview``, or ``None`` when the first header is not a timestamp."""
    preview = validate_preview(preview)
    rows = preview.rows
    if not rows or not rows[0] or key(cell(rows[0], 0)) not in TIMESTAMP_KEYS:
        return None
    raw = header_texts(rows[0])
    columns = unique_names(raw)
    questions, meta, personal = {}, {columns[0]}, set()
    for i, c in enumerate(columns[1:], start=1):
        k = key(raw[i])
        if k in PERSONAL_KEYS:
            personal.add(c)
        elif k in METADATA_KEYS:
            meta.add(c)
        else:
            q, r = grid_row_label(raw[i])
            questions[c] = r if r is not None else (raw[i] or c)
    return ExportLayout(
        format=FORMAT,
        header_row=0,
        columns=columns,
        questions=questions,
        metadata=frozenset(meta),
        personal=frozenset(personal),
        id_column=None,
        date_column=columns[0],
        notes=(_("Google Forms responses: one row per response, the first column is the time stamp."),),
    )
