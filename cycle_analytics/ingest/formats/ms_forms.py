"""Microsoft Forms responses (XLSX): ``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name``.

Newer exports add ``Last modified time``; quizzes add ``Total points`` and ``Quiz feedback`` and,
after each graded question, ``Points - <question>`` and ``Feedback - <question>``. All of these are
metadata (e-mail and name are personal data); the remaining columns are the questions.

Examples
--------
>>> from cycle_analytics.ingest.formats.base import Preview
>>> rows = (("ID", "Start time", "Completion time", "Email", "Name", "Total points", "Room", "Points - Room"),
...         ("1", "3/5/24 14:01:02", "3/5/24 14:03:00", "anonymous", "", "2", "4", "2"))
>>> lay = detect(Preview(rows, kind="xlsx"))
>>> lay.format, lay.id_column, lay.date_column, sorted(lay.metadata)
('ms-forms', 'ID', 'Completion time', ['Completion time', 'ID', 'Points - Room', 'Start time', 'Total points'])
"""

from __future__ import annotations

import re

from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.formats.common import header_texts, key, unique_names, validate_preview

FORMAT = "ms-forms"

_ID = frozenset(key(k) for k in ("ID", "Id", "Kennung"))
_START = frozenset(key(k) for k in ("Start time", "Startzeit", "Hora de inicio", "Heure de début", "Ora di inizio",
                                     "Hora de início", "Begintijd"))
_END = frozenset(key(k) for k in ("Completion time", "Fertigstellungszeit", "Abschlusszeit", "Hora de finalización",
                                   "Heure de fin", "Ora di completamento", "Hora de conclusão", "Tijd van voltooiing"))
_MODIFIED = frozenset(key(k) for k in ("Last modified time", "Zeitpunkt der letzten Änderung",
                                        "Hora de la última modificación", "Heure de la dernière modification"))
_EMAIL = frozenset(key(k) for k in ("Email", "E-Mail", "Correo electrónico", "Adresse de messagerie", "Posta elettronica"))
_NAME = frozenset(key(k) for k in ("Name", "Nombre", "Nom", "Nome", "Naam"))
_QUIZ = frozenset(key(k) for k in ("Total points", "Quiz feedback", "Gesamtpunktzahl", "Quiz-Feedback",
                                    "Puntos totales", "Comentarios del cuestionario", "Total des points"))
_PER_QUESTION = re.compile(r"^(Points|Feedback|Punkte|Puntos|Comentarios|Commentaires|Points obtenus)\s+-\s+", re.I)


_LIKERT = re.compile(r"^(?P<q>.+[^.\s])\.(?P<r>[^.?]{1,80})$", re.S)


def _likert_rows(columns, raw, questions: dict) -> None:
    """Likert questions export one column per statement as ``Question.Statement``: keep the statement.

    Only when at least two columns share the same question part, so a title with a full stop is safe.
    """
    parts = {c: _LIKERT.match(raw[i]) for i, c in enumerate(columns) if c in questions}
    stems: dict[str, int] = {}
    for m in parts.values():
        if m:
            stems[m.group("q")] = stems.get(m.group("q"), 0) + 1
    for c, m in parts.items():
        if m and stems[m.group("q")] >= 2 and m.group("r").strip():
            questions[c] = m.group("r").strip()


def detect(preview: Preview) -> ExportLayout | None:
    """A Microsoft Forms layout for ``preview``, or ``None`` when the first columns do not match."""
    preview = validate_preview(preview)
    rows = preview.rows
    if not rows or len(rows[0]) < 3:
        return None
    raw = header_texts(rows[0])
    keys = [key(r) for r in raw]
    if keys[0] not in _ID or keys[1] not in _START or keys[2] not in _END:
        return None
    columns = unique_names(raw)
    meta, personal, questions = set(), set(), {}
    for i, c in enumerate(columns):
        k = keys[i]
        if i < 3 or k in _MODIFIED or k in _QUIZ or _PER_QUESTION.match(raw[i]):
            meta.add(c)
        elif i < 7 and (k in _EMAIL or k in _NAME):
            personal.add(c)
        else:
            questions[c] = raw[i] or c
    _likert_rows(columns, raw, questions)
    return ExportLayout(
        format=FORMAT,
        header_row=0,
        columns=columns,
        questions=questions,
        metadata=frozenset(meta),
        personal=frozenset(personal),
        id_column=columns[0],
        date_column=columns[2],
        notes=(_("Microsoft Forms responses: ID, start and completion time, e-mail and name, then the questions."),),
    )
