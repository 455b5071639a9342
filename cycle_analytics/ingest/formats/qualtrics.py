"""Qualtrics exports: the current three-header-row layout and the legacy ``V1..Vn`` layout.

Current layout (CSV with a UTF-8 BOM, or UTF-16 TSV)::

    StartDate,EndDate,...,ResponseId,...,Q1_1,Q1_2,Q2           <- column ids (header_row 0)
    Start Date,End Date,...,Response ID,...,Rate - Room,...      <- question text, maybe localised
    {"ImportId":"startDate","timeZone":"Europe/Berlin"},...      <- ImportId JSON (skipped)

Legacy layout: ``V1..V10`` ids for the system columns then question ids on the first row, the
system names and question texts on the second row, and a trailing comma on every line.

Matrix rows come as ``question text - row label``; the row label becomes the column's question
text (it names the stage), so ``Q1_3`` with text ``How satisfied ... - Staff`` has question ``Staff``.

Examples
--------
>>> from cycle_analytics.ingest.formats.base import Preview
>>> rows = (("StartDate", "ResponseId", "Q1_1", "Q1_2"),
...         ("Start Date", "Response ID", "Rate - Room", "Rate - Staff"),
...         ('{"ImportId":"startDate"}', '{"ImportId":"_recordId"}', '{"ImportId":"QID1_1"}', '{"ImportId":"QID1_2"}'),
...         ("2024-01-01 10:00:00", "R_1", "4", "5"))
>>> lay = detect(Preview(rows))
>>> lay.format, lay.header_row, lay.skip_rows, lay.questions["Q1_2"], lay.id_column
('qualtrics', 0, (1, 2), 'Staff', 'ResponseId')
"""

from __future__ import annotations

import json
import os
import re

from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.base import ExportLayout, Preview
from cycle_analytics.ingest.formats.common import cell, header_texts, key, looks_like_date, split_row_label, unique_names, validate_preview

FORMAT = "qualtrics"

METADATA_KEYS = frozenset(
    key(k)
    for k in (
        "StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Duration", "Finished",
        "RecordedDate", "ResponseId", "ResponseID", "DistributionChannel", "UserLanguage",
        "ExternalReference", "ExternalDataReference", "ResponseSet", "LocationAccuracy",
        "Q_RecaptchaScore", "Q_RelevantIDDuplicate", "Q_RelevantIDDuplicateScore", "Q_RelevantIDFraudScore",
        "Q_RelevantIDLastStartDate", "Q_TotalDuration", "Q_BallotBoxStuffing", "Q_Language",
        "Q_DataPolicyViolations", "Q_URL", "Q_CHL", "Q_TerminateFlag",
    )
)
PERSONAL_KEYS = frozenset(
    key(k)
    for k in (
        "IPAddress", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "LocationLatitude",
        "LocationLongitude", "Name", "EmailAddress",
    )
)
# Column ids produced by Qualtrics itself rather than by a question: scoring, NPS groups, Text iQ.
_GENERATED = re.compile(r"^(SC\d+|Q_\w+|.*_NPS_GROUP|.*\s-\s(Topics|Parent Topics|Sentiment.*|Actionability))$", re.I)
_LEGACY_V = re.compile(r"^V(\d+)$")
# Free-text answers: a text-entry question's column id ends in _TEXT (Q5_TEXT, Q2_4_TEXT).
_OPEN_TEXT = re.compile(r"_TEXT$", re.I)


def _is_import_id(text: str) -> bool:
    t = text.strip()
    if not (t.startswith("{") and "importid" in t.casefold()):
        return False
    try:
        return isinstance(json.loads(t), dict)
    except ValueError:
        return False


def _import_id_row(row: tuple[str, ...]) -> bool:
    cells = [c for c in (cell(row, i) for i in range(len(row))) if c]
    return bool(cells) and sum(_is_import_id(c) for c in cells) >= max(1, 0.8 * len(cells))


def _legacy(rows) -> bool:
    head = [cell(rows[0], i) for i in range(min(len(rows[0]), 12))]
    n = 0
    for i, h in enumerate(head):
        m = _LEGACY_V.match(h)
        if not m or int(m.group(1)) != i + 1:
            break
        n += 1
    return n >= 5 and len(rows) >= 2


def _questions(columns, texts, meta: set, personal: set) -> dict:
    """Question text per question column; matrix rows (shared question part) get their row label."""
    split = {c: split_row_label(t) for c, t in zip(columns, texts) if c not in meta and c not in personal and t}
    stems: dict[str, int] = {}
    for q, r in split.values():
        if r is not None:
            stems[q] = stems.get(q, 0) + 1
    out = {}
    for c, t in zip(columns, texts):
        if c in meta or c in personal:
            continue
        if c not in split:
            out[c] = c
            continue
        q, r = split[c]
        is_matrix_id = re.search(r"_\d+$", c) is not None
        out[c] = r if r is not None and (stems.get(q, 0) >= 2 or is_matrix_id) else t
    _unspaced_rows(columns, texts, out)
    return out


def _unspaced_rows(columns, texts, questions: dict) -> None:
    """Legacy exports join matrix text and row label with a bare dash (``text-Row``): use the
    longest common prefix of the texts of ``Qn_1, Qn_2, ...`` to find the row labels."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(columns):
        m = re.match(r"^(.+)_\d+$", c)
        if m and c in questions and questions[c] == texts[i] and texts[i]:
            groups.setdefault(m.group(1), []).append(i)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        group_texts = [texts[i] for i in idx]
        prefix = os.path.commonprefix(group_texts)
        cut = max((k for k, ch in enumerate(prefix) if ch == "-" and (k == 0 or not prefix[k - 1].isalnum())), default=-1)
        if cut < 0:
            cut = prefix.rfind("-")
        if cut <= 0:
            continue
        labels = [t[cut + 1:].strip() for t in group_texts]
        if all(labels):
            for i, lab in zip(idx, labels):
                questions[columns[i]] = lab


def _roles(columns, import_ids=None):
    meta, personal = set(), set()
    for i, c in enumerate(columns):
        k = key(c)
        iid = import_ids[i] if import_ids is not None else ""
        if k in PERSONAL_KEYS:
            personal.add(c)
        elif k in METADATA_KEYS or _GENERATED.match(c) or re.search(r"topics|sentiment", iid, re.I):
            meta.add(c)
    return meta, personal


def _pick(columns, *names):
    keys = {key(c): c for c in columns}
    for n in names:
        if key(n) in keys:
            return keys[key(n)]
    return None


def detect(preview: Preview) -> ExportLayout | None:
    """A Qualtrics layout for ``preview``, or ``None`` when it is not a Qualtrics export."""
    preview = validate_preview(preview)
    rows = preview.rows
    if len(rows) < 2 or not rows[0]:
        return None
    width = len(rows[0])
    if _legacy(rows):
        return _detect_legacy(rows)
    has_import = len(rows) >= 3 and _import_id_row(rows[2])
    ids = [cell(rows[0], i) for i in range(width)]
    id_keys = {key(c) for c in ids}
    two_row = (
        not has_import
        and {"startdate", "enddate"} <= id_keys
        and ("responseid" in id_keys)
        and not looks_like_date(cell(rows[1], [key(c) for c in ids].index("startdate")))
    )
    if not (has_import or two_row):
        return None
    columns = unique_names(ids)
    texts = header_texts(rows[1], width)
    import_ids = [cell(rows[2], i) for i in range(width)] if has_import else None
    meta, personal = _roles(columns, import_ids)
    notes = [_("Qualtrics export: column ids on line 1, question text on line 2, ImportId line 3 skipped.") if has_import
             else _("Qualtrics export: column ids on line 1, question text on line 2.")]
    tz = _time_zone(import_ids) if import_ids else None
    if tz:
        notes.append(_("Dates are in the time zone {tz}.").format(tz=tz))
    return ExportLayout(
        format=FORMAT,
        header_row=0,
        columns=columns,
        skip_rows=(1, 2) if has_import else (1,),
        questions=_questions(columns, texts, meta, personal),
        metadata=frozenset(meta),
        personal=frozenset(personal),
        id_column=_pick(columns, "ResponseId"),
        date_column=_pick(columns, "RecordedDate", "EndDate"),
        notes=tuple(notes),
        open_text=frozenset(c for c in columns if _OPEN_TEXT.search(c)),
    )


def _time_zone(import_ids) -> str | None:
    for t in import_ids:
        if _is_import_id(t):
            tz = json.loads(t).get("timeZone")
            if tz:
                return str(tz)
    return None


def _detect_legacy(rows) -> ExportLayout:
    top, second = rows[0], rows[1]
    width = len(top)
    trailing = width > 1 and cell(top, width - 1) == "" and cell(second, width - 1) == ""
    if trailing:
        width -= 1
    names = []
    for i in range(width):
        t = cell(top, i)
        names.append(cell(second, i) if _LEGACY_V.match(t) and cell(second, i) else t)
    columns = unique_names(names)
    texts = header_texts(second, width)
    meta, personal = _roles(columns)
    return ExportLayout(
        format=FORMAT,
        header_row=0,
        columns=columns,
        skip_rows=(1,),
        questions=_questions(columns, texts, meta, personal),
        metadata=frozenset(meta),
        personal=frozenset(personal),
        id_column=_pick(columns, "ResponseID"),
        date_column=_pick(columns, "RecordedDate", "EndDate"),
        drop_trailing_empty=trailing,
        notes=(_("Legacy Qualtrics export (V1..Vn ids): names on lines 1-2, question text on line 2."),),
        open_text=frozenset(c for c in columns if _OPEN_TEXT.search(c)),
    )
