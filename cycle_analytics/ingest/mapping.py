"""Which question column rates which cycle stage, and remembering the user's answer.

* :func:`map_questions` proposes a stage for each question column: first an exact match of the
  column id, the question text or its row label with a stage's name or question (``exact``) or one
  of its aliases (``alias``), both with confidence 1; then fuzzy matching (rapidfuzz ``WRatio``
  after removing question boilerplate such as "How satisfied were you with") against stage names,
  aliases and questions, accepted from :data:`FUZZY_THRESHOLD` (85 of 100; confidence = score/100).
  Each stage gets at most one column (the first exact/alias match in file order, then the best
  fuzzy score); questions about the overall outcome (overall, recommend, NPS) are never matched
  fuzzily. A confirmed mapping saved earlier (``saved``) wins over all of this (method ``saved``).
* :func:`default_stage_names`: without a cycle, rating questions become stages named by their row
  label (matrix rows) or a shortened question text, made unique.
* :func:`mapping_signature` and :class:`MappingStore`: a confirmed mapping is saved as JSON in a
  folder chosen by the caller, under a stable hash of the file's question set, and found again
  the next time a file with the same questions is uploaded. :meth:`MappingStore.for_owner` gives
  each owner (a signed-in user, or one browser) a folder of their own, so what one person confirms
  never changes what another sees. Besides the stage mapping, a record keeps the other choices the
  manager confirmed with it (:data:`READING_OPTIONS`: the scale, the N/A codes, the outcome, the
  segments, the date column, the survey weight, the stages picked), so a file with the same
  questions is read the same way again.

Examples
--------
>>> from cycle_analytics.cycles import Cycle, Stage
>>> cyc = Cycle("Hotel", (Stage("Arrival and check-in", aliases=("checkin",)), Stage("Room")))
>>> m = map_questions({"Q1_1": "Check-in", "Q1_2": "How satisfied were you with your room?", "Q2": "Overall?"}, cyc)
>>> m[["column", "stage", "method"]].values.tolist()
[['Q1_1', 'Arrival and check-in', 'alias'], ['Q1_2', 'Room', 'fuzzy'], ['Q2', None, 'none']]
>>> default_stage_names({"Q1": "How satisfied were you with the check-in process?", "Q2": "Waiting time"})
{'Q1': 'Check-in process', 'Q2': 'Waiting time'}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, utils

from cycle_analytics.cycles import Cycle, normalise_key
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.formats.common import grid_row_label, split_row_label
from cycle_analytics.ingest.names import looks_like_outcome

__all__ = [
    "FUZZY_THRESHOLD", "MAPPING_COLUMNS", "MATCH_KINDS", "MATCH_STAGE", "MATCH_TAKEN", "MATCH_OUTCOME", "MATCH_NONE",
    "map_questions", "default_stage_names", "shorten_question", "row_label",
    "mapping_signature", "owner_folder_name", "READING_OPTIONS", "MappingStore",
]

FUZZY_THRESHOLD = 85.0
MAPPING_COLUMNS = ["column", "question", "stage", "method", "confidence", "note", "match"]
#: What :func:`map_questions` found for a column (its ``match`` column; ``note`` says it in words, for
#: display only): a stage; a stage another column already rates; an outcome question; nothing.
MATCH_STAGE, MATCH_TAKEN, MATCH_OUTCOME, MATCH_NONE = "stage", "taken", "outcome", "none"
MATCH_KINDS = (MATCH_STAGE, MATCH_TAKEN, MATCH_OUTCOME, MATCH_NONE)
MAX_NAME = 40

_BOILERPLATE = [
    re.compile(p, re.I)
    for p in (
        r"^\s*(q\s*)?\d+[a-z]?\s*[.):-]\s*",  # "Q3.", "2)"
        r"^please\s+",
        r"^on\s+a\s+scale\b[^,]*,\s*",
        r"^(overall,?\s+)?how\s+(satisfied|dissatisfied)(\s+or\s+(dis)?satisfied)?\s+(were|are|was|is)\s+you\s+(with|about|by)\s+",
        r"^(how\s+would\s+you\s+rate|how\s+do\s+you\s+rate|rate|how\s+did\s+you\s+find|what\s+do\s+you\s+think\s+of)\s+",
        r"^how\s+(was|were|is)\s+",
        r"^(your\s+)?(level\s+of\s+)?satisfaction\s+(with|about)\s+",
        r"^(the|your|our)\s+",
    )
]


def _validate_questions(questions) -> dict[str, str]:
    """The one input check of this module: a mapping column -> question text."""
    if not isinstance(questions, Mapping):
        raise SurveyError(_("The questions must be a mapping from column name to question text."))
    return {str(c): ("" if q is None else str(q)) for c, q in questions.items()}


def shorten_question(text: str, *, limit: int = MAX_NAME) -> str:
    """A question text without its boilerplate, capitalised and cut at a word to ``limit`` characters.

    >>> shorten_question("Q4. How satisfied or dissatisfied were you with your check-out?")
    'Check-out'
    """
    t = re.sub(r"\s+", " ", str(text)).strip()
    core = t
    for pat in _BOILERPLATE:
        core = pat.sub("", core, count=1)
    core = core.strip(" ?:.!¿¡")
    if not normalise_key(core):
        core = t.strip(" ?:.!¿¡") or t
    if len(core) > limit:
        cut = core[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
        core = (cut if len(cut) >= limit // 2 else core[:limit]).rstrip() + "…"
    return core[:1].upper() + core[1:]


def row_label(text: str) -> str | None:
    """The row label of ``"question - row"`` or ``"question [row]"``, else ``None``.

    >>> row_label("Rate your stay [Room]"), row_label("Rate your stay - Room"), row_label("Room")
    ('Room', 'Room', None)
    """
    return _matrix_parts(text)[1]


def _matrix_parts(text: str) -> tuple[str, str | None]:
    """``(question part, row label)`` of a matrix header ``"question [row]"`` or ``"question - row"``;
    ``(text, None)`` for any other text."""
    question, row = grid_row_label(text)
    if row is None:
        question, row = split_row_label(text)
    return question, row


def default_stage_names(questions: Mapping[str, str]) -> dict[str, str]:
    """Stage names for rating questions when there is no cycle (file order kept, names unique).

    A matrix row (``"question - row"`` or ``"question [row]"`` sharing its question part with
    another column) is named by its row label; any other question by :func:`shorten_question`.
    Repeated names get the column id appended: ``"Staff (Q3_2)"``.

    >>> default_stage_names({"Q1_1": "Rate - Staff", "Q1_2": "Rate - Room", "Q3_1": "Staff"})
    {'Q1_1': 'Staff', 'Q1_2': 'Room', 'Q3_1': 'Staff (Q3_1)'}
    """
    qs = _validate_questions(questions)
    stems: dict[str, int] = {}
    for col, text in qs.items():
        stem, row = _matrix_parts(text or col)
        if row is not None:
            stems[stem] = stems.get(stem, 0) + 1
    out: dict[str, str] = {}
    used: set[str] = set()
    first_text: dict[str, str] = {}  # name key -> the text that first got that name
    for col, text in qs.items():
        t = text or col
        stem, r = _matrix_parts(t)
        name = r if r is not None and stems.get(stem, 0) >= 2 else shorten_question(t)
        if normalise_key(name) in used and r is None and normalise_key(name) in first_text:
            # two long questions that start alike: their first words, then where they differ
            a, b = first_text[normalise_key(name)].split(), t.split()
            k = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            tail = " ".join(b[k:]).strip(" ?:.!¿¡")
            if tail and k > 3:
                if len(tail) > MAX_NAME:
                    tail = tail[:MAX_NAME].rsplit(" ", 1)[0] + "…"
                name = " ".join(b[:3]) + " … " + tail
        if normalise_key(name) in used and len(col) <= 12 and normalise_key(col) != normalise_key(t):
            name = f"{name} ({col})"
        k = 2
        base = name
        while normalise_key(name) in used:
            name = f"{base} {k}"
            k += 1
        used.add(normalise_key(name))
        first_text.setdefault(normalise_key(name), t)
        out[col] = name
    return out


def _texts(col: str, question: str) -> list[str]:
    out = [col, question]
    r = row_label(question) if question else None
    if r:
        out.append(r)
    return [t for t in dict.fromkeys(out) if t and normalise_key(t)]


def _core(text: str) -> str:
    return utils.default_process(shorten_question(text, limit=10_000))


def map_questions(
    questions: Mapping[str, str],
    cycle: Cycle,
    *,
    saved: Mapping[str, str | None] | None = None,
    threshold: float = FUZZY_THRESHOLD,
) -> pd.DataFrame:
    """Propose a cycle stage for every question column.

    Parameters
    ----------
    questions : column -> question text, in file order (the text may be empty: the column id is used).
    cycle : the service cycle whose stages the questions rate.
    saved : a confirmed mapping (column -> stage name, or ``None`` = not a stage), e.g. from
        :meth:`MappingStore.load`; its entries win (method ``saved``). Stages not in the cycle are ignored.
    threshold : smallest rapidfuzz ``WRatio`` (0-100) for a fuzzy match.

    Returns
    -------
    DataFrame with columns ``column, question, stage, method, confidence, note, match``: one row per
    question in input order; ``stage`` is ``None`` for "not a stage"; ``method`` is one of
    ``saved``, ``exact``, ``alias``, ``fuzzy``, ``none``; ``confidence`` in 0-1; ``note`` a phrase
    for people (in the interface language); ``match`` one of :data:`MATCH_KINDS` (read this, never
    the note).
    """
    qs = _validate_questions(questions)
    if not isinstance(cycle, Cycle):
        raise SurveyError(_("Stage mapping needs a service cycle (a Cycle), not {type}.").format(type=type(cycle).__name__))
    if not 0 <= threshold <= 100:
        raise SurveyError(_("The fuzzy-match threshold must be between 0 and 100, not {threshold!r}.").format(threshold=threshold))
    names = set(cycle.stage_names)
    rows = {c: {"column": c, "question": q, "stage": None, "method": "none", "confidence": 0.0, "note": "",
                "match": MATCH_NONE} for c, q in qs.items()}
    taken: dict[str, str] = {}
    if saved:
        for c, st in saved.items():
            if c in rows and (st is None or st in names) and (st is None or st not in taken):
                rows[c].update(stage=st, method="saved", confidence=1.0, note=_("confirmed earlier"),
                               match=MATCH_NONE if st is None else MATCH_STAGE)
                if st is not None:
                    taken[st] = c
    pending = [c for c in qs if rows[c]["method"] == "none"]
    # 1. exact names / questions and aliases
    for c in pending:
        for t in _texts(c, qs[c]):
            stage = cycle.find_stage(t)
            if stage is None:
                continue
            k = normalise_key(t)
            method = "exact" if k in (normalise_key(stage.name), normalise_key(stage.question)) else "alias"
            if stage.name in taken:
                rows[c].update(note=_("matches {stage!r}, already rated by column {column!r}").format(
                    stage=stage.name, column=taken[stage.name]), match=MATCH_TAKEN)
                break
            rows[c].update(stage=stage.name, method=method, confidence=1.0, match=MATCH_STAGE)
            taken[stage.name] = c
            break
    # 2. fuzzy on the remaining columns and stages
    pending = [c for c in pending if rows[c]["method"] == "none" and rows[c]["match"] == MATCH_NONE]
    free = [s for s in cycle.stages if s.name not in taken]
    candidates = []
    for c in pending:
        texts = _texts(c, qs[c])
        if any(looks_like_outcome(t) for t in texts):
            rows[c].update(note=_("looks like an overall outcome question"), match=MATCH_OUTCOME)
            continue
        cores = [x for x in dict.fromkeys(_core(t) for t in texts) if x]
        for order, st in enumerate(free):
            keys = [x for x in dict.fromkeys(_core(k) for k in (st.name, *st.aliases, st.question) if k) if x]
            best = max((fuzz.WRatio(a, b) for a in cores for b in keys), default=0.0)
            if best >= threshold:
                candidates.append((-best, list(qs).index(c), order, c, st.name, best))
    for _rank, _position, _order, c, st, score in sorted(candidates):
        if rows[c]["method"] != "none" or st in taken:
            continue
        rows[c].update(stage=st, method="fuzzy", confidence=round(score / 100.0, 3), match=MATCH_STAGE)
        taken[st] = c
    out = pd.DataFrame(list(rows.values()), columns=MAPPING_COLUMNS)
    out["confidence"] = out["confidence"].astype("float64")
    out["stage"] = out["stage"].astype(object).where(out["stage"].notna(), None)
    return out


def mapping_signature(columns: Iterable[str] | Mapping[str, str]) -> str:
    """A stable hash of a file's question set (column ids, and question texts when given).

    Order, case, spaces and punctuation do not matter, so a re-export of the same survey gets the
    same signature.

    >>> mapping_signature({"Q1": "Room", "Q2": "Staff"}) == mapping_signature({"q2": "staff ", "Q1": "Room"})
    True
    >>> len(mapping_signature(["Q1", "Q2"]))
    16
    """
    if isinstance(columns, (str, bytes)):
        raise SurveyError(_("mapping_signature needs a collection of column names, not one string."))
    if isinstance(columns, Mapping):
        items = [f"{normalise_key(c)}\x1f{normalise_key(q)}" for c, q in columns.items()]
    else:
        items = [normalise_key(c) for c in columns]
    if not items:
        raise SurveyError(_("A mapping signature needs at least one question column."))
    digest = hashlib.sha256("\x1e".join(sorted(items)).encode("utf-8")).hexdigest()
    return digest[:16]


_SIG = re.compile(r"^[0-9a-f]{16}$")

#: The confirmed reading choices a mapping record keeps besides the stage mapping: the import option
#: (``cycle_analytics.dataset.ImportOptions`` field) and the kind of its value: ``names`` (a list of
#: texts, possibly empty: ``segments=[]`` means "no segments"), ``text`` (``date=""`` means "no
#: date column") or ``flag`` (true / false).
READING_OPTIONS: dict[str, str] = {
    "stages": "names", "scale": "text", "na_values": "names", "infer_na_codes": "flag",
    "outcome": "text", "positive": "text", "segments": "names", "date": "text", "weight": "text",
}


def _validate_reading_options(options) -> dict:
    """``options`` as a record keeps them (:data:`READING_OPTIONS`; lists for ``names``); a key
    that is not a reading choice, or a value of the wrong kind, raises :class:`SurveyError`."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise SurveyError(_("The confirmed choices of a mapping must be a dictionary of import options."))
    out: dict = {}
    for key, value in options.items():
        kind = READING_OPTIONS.get(key)
        if kind is None:
            raise SurveyError(_("{key!r} is not an import choice a mapping keeps ({items}).").format(key=key, items=', '.join(READING_OPTIONS)))
        if kind == "names" and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out[key] = list(value)
        elif kind == "text" and isinstance(value, str):
            out[key] = value
        elif kind == "flag" and isinstance(value, bool):
            out[key] = value
        else:
            raise SurveyError(_("The confirmed choice {key!r} of a mapping cannot be {value!r}.").format(key=key, value=value))
    return out


def _validate_memory_owner(owner) -> str:
    """The owner of a mapping memory: a text that is not empty (``"user:ann@example.com"``, ``"browser:<id>"``)."""
    if not isinstance(owner, str) or not owner.strip():
        raise SurveyError(_("A mapping memory needs an owner (a signed-in user or a browser)."))
    return owner.strip()


def owner_folder_name(owner: str) -> str:
    """The folder name of ``owner``'s mappings: ``owner-`` and a hash, so no name or e-mail
    address appears on disk and no owner text can reach outside the mappings folder.

    >>> owner_folder_name("user:ann@example.com") == owner_folder_name("user:ann@example.com ")
    True
    >>> owner_folder_name("user:ann@example.com") != owner_folder_name("user:bob@example.com")
    True
    """
    digest = hashlib.sha256(_validate_memory_owner(owner).encode("utf-8")).hexdigest()
    return f"owner-{digest[:24]}"


@dataclass(frozen=True)
class MappingStore:
    """Confirmed mappings saved as ``mapping-<signature>.json`` in ``folder`` (created on first save).

    Examples
    --------
    >>> import tempfile
    >>> store = MappingStore(tempfile.mkdtemp())
    >>> sig = mapping_signature({"Q1": "Room"})
    >>> _ = store.save(sig, {"Q1": "Room"}, cycle="Hotel stay")
    >>> store.load(sig)["columns"]
    {'Q1': 'Room'}
    >>> store.load(mapping_signature(["other"])) is None
    True
    """

    folder: str | Path

    @classmethod
    def for_owner(cls, root: str | Path, owner: str) -> MappingStore:
        """The mappings of one ``owner`` (a signed-in user or a browser): ``root/owner-<hash>``.

        >>> import tempfile
        >>> root = tempfile.mkdtemp()
        >>> ann, bob = MappingStore.for_owner(root, "user:ann"), MappingStore.for_owner(root, "user:bob")
        >>> sig = mapping_signature({"Q1": "Room"})
        >>> _ = ann.save(sig, {"Q1": "Room"})
        >>> ann.load(sig)["columns"], bob.load(sig)
        ({'Q1': 'Room'}, None)
        """
        return cls(Path(root) / owner_folder_name(owner))

    def path(self, signature: str) -> Path:
        if not isinstance(signature, str) or not _SIG.match(signature):
            raise SurveyError(_("{signature!r} is not a mapping signature (16 hexadecimal characters).").format(signature=signature))
        return Path(self.folder) / f"mapping-{signature}.json"

    def save(self, signature: str, mapping, *, cycle: str | None = None, questions: Mapping[str, str] | None = None,
             labels: Mapping[str, float | None] | None = None, saved_at: str | None = None,
             options: Mapping | None = None) -> Path:
        """Save ``mapping`` (column -> stage or ``None``, or a :func:`map_questions` frame) atomically.

        ``labels``: the user's answer labels (label -> score, ``None`` = N/A) confirmed with it;
        ``saved_at``: an ISO timestamp (default: now, UTC), shown when the mapping is reused;
        ``options``: the other reading choices confirmed with it (:data:`READING_OPTIONS`, e.g.
        ``{"scale": "1-5", "na_values": ["0"], "infer_na_codes": False, "outcome": "overall"}``).

        >>> import tempfile
        >>> store = MappingStore(tempfile.mkdtemp())
        >>> sig = mapping_signature({"Q1": "Room", "Q9": "Overall"})
        >>> _ = store.save(sig, {"Q1": "Room"}, options={"scale": "0-5", "na_values": ("0",), "outcome": "Q9"})
        >>> store.load(sig)["options"]
        {'scale': '0-5', 'na_values': ['0'], 'outcome': 'Q9'}
        """
        kept_options = _validate_reading_options(options)
        if isinstance(mapping, pd.DataFrame):
            if not {"column", "stage"} <= set(mapping.columns):
                raise SurveyError(_("A mapping table needs the columns 'column' and 'stage'."))
            mapping = {str(c): (None if pd.isna(s) or s == "" else str(s)) for c, s in zip(mapping["column"], mapping["stage"])}
        if not isinstance(mapping, Mapping):
            raise SurveyError(_("A mapping must be a dictionary from column to stage name (or None)."))
        data = {
            "signature": signature,
            "cycle": cycle,
            "columns": {str(c): (None if s is None else str(s)) for c, s in mapping.items()},
            "questions": {str(c): str(q) for c, q in (questions or {}).items()},
            "labels": {str(k): (None if v is None else float(v)) for k, v in (labels or {}).items()},
            "saved_at": saved_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "options": kept_options,
        }
        path = self.path(signature)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mapping-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
        os.replace(tmp, path)
        return path

    def load(self, signature: str) -> dict | None:
        """The saved record (``signature, cycle, columns, questions, labels, saved_at, options``) or ``None`` if there is none.

        Records saved before ``labels`` / ``saved_at`` / ``options`` existed read with ``{}`` / ``None`` / ``{}`` for them.
        """
        path = self.path(signature)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise SurveyError(_("The saved mapping {name!r} cannot be read; delete it and map the questions again.").format(name=path.name)) from None
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict) or data.get("signature") != signature:
            raise SurveyError(_("The saved mapping {name!r} is not a mapping file; delete it and map the questions again.").format(name=path.name))
        labels = data.get("labels")
        data["labels"] = labels if isinstance(labels, dict) else {}
        data.setdefault("saved_at", None)
        try:
            data["options"] = _validate_reading_options(data.get("options"))
        except SurveyError:
            raise SurveyError(_("The saved mapping {name!r} holds choices that cannot be read; delete it and map the questions again.").format(name=path.name)) from None
        return data

    def delete(self, signature: str) -> bool:
        path = self.path(signature)
        if path.is_file():
            path.unlink()
            return True
        return False

    def signatures(self) -> list[str]:
        folder = Path(self.folder)
        if not folder.is_dir():
            return []
        return sorted(p.stem.removeprefix("mapping-") for p in folder.glob("mapping-*.json"))
