"""The service-cycle model: an ordered list of stages (moments of truth).

A cycle is data: the bundled templates live in ``cycle_analytics/templates/*.yaml`` and a user's
cycle is saved in the same format (YAML or JSON, chosen by the file suffix).

File format (YAML shown; JSON has the same keys)::

    name: Bank branch visit to cash a check
    description: ...
    scale: 1-5            # optional default scale of the stage questions
    stages:
      - name: Getting to the branch
        phase: Arrival    # optional
        description: ...
        question: How satisfied were you with getting to the branch?
        aliases: [getting there, travel, q1]
        critical: false   # declared critical moment (optional)
        target: 4.5       # optional target score on the scale

Languages: the bundled templates are written in English; their names, phases, descriptions and
questions are translated in the gettext catalogues (context ``"cycle template"``, extracted from
the YAML by :func:`cycle_analytics.i18n.extract_cycle_templates`), so one catalogue holds every
translation and a changed English text shows up as untranslated. :func:`localized_cycle` gives a
cycle in the interface language; a stage is matched by its name and question in every language
(:meth:`Stage.match_keys`), so an Indonesian or Spanish export maps to the English template and
an English export to a translated cycle. A user's own cycle is kept as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import yaml

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import NP_, TEMPLATE_CONTEXT, pgettext, source_message, translations_of, using_language, gettext as _
from cycle_analytics.scales import parse_scale

TEMPLATE_DIR = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Stage:
    """One moment of truth in a service cycle."""

    name: str
    phase: str | None = None
    description: str = ""
    question: str = ""
    aliases: tuple[str, ...] = ()
    critical: bool = False
    target: float | None = None

    def match_keys(self) -> tuple[str, ...]:
        """Normalised names by which a column or a long-file stage value maps to this stage: its
        name, aliases and question, and a template's name and question in every language."""
        keys = [*translations_of(self.name), *self.aliases]
        if self.question:
            keys.extend(translations_of(self.question))
        return tuple(dict.fromkeys(normalise_key(k) for k in keys if k))


@dataclass(frozen=True)
class Cycle:
    """An ordered list of stages.

    Examples
    --------
    >>> c = Cycle("Demo", stages=(Stage("Arrive"), Stage("Wait", critical=True)))
    >>> c.stage_names
    ('Arrive', 'Wait')
    >>> c.find_stage("  wait ").name
    'Wait'
    """

    name: str
    stages: tuple[Stage, ...] = field(default_factory=tuple)
    description: str = ""
    scale: str | None = None

    def __post_init__(self) -> None:
        names = [s.name for s in self.stages]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SurveyError(_("The cycle {name!r} names the stage {dupes!r} more than once.").format(name=self.name, dupes=dupes[0]))
        # A name, alias or question may lead to one stage only, or matching would depend on order.
        owner: dict[str, str] = {}
        for stage in self.stages:
            for key in stage.match_keys():
                if key in owner and owner[key] != stage.name:
                    raise SurveyError(
                        _("In the cycle {name!r}, the stages {owner!r} and {name2!r} share a name or alias ({key!r}), so a column could not be matched to one of them.").format(name=self.name, owner=owner[key], name2=stage.name, key=key)
                    )
                owner[key] = stage.name

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    @property
    def phases(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.phase for s in self.stages if s.phase))

    def find_stage(self, text: str) -> Stage | None:
        """The stage whose name, alias or question matches ``text`` (case, spaces and punctuation ignored)."""
        key = normalise_key(text)
        for stage in self.stages:
            if key in stage.match_keys():
                return stage
        return None

    def with_stages(self, stages) -> "Cycle":
        return replace(self, stages=tuple(stages))


def _worth_saving(value) -> bool:
    """Leave empty and false fields out of saved files, but keep numbers such as a target of 0."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, tuple)) and len(value) == 0:
        return False
    return True


#: The gettext context of the names of a cycle's input (``source`` of :func:`cycle_from_dict`).
CYCLE_SOURCE_CONTEXT = "cycle source"
#: The inputs a cycle is read from, as the sentences about a bad input name them (English; a name
#: that is none of these is shown as given).
CYCLE_SOURCES = (NP_("cycle source", "cycle"), NP_("cycle source", "cycle file"), NP_("cycle source", "stage table"),
                 NP_("cycle source", "saved cycle"), NP_("cycle source", "designed cycle"))


def cycle_file_source(name: str) -> str:
    """The ``source`` of a cycle read from the file ``name``, in the interface language."""
    return pgettext("cycle source", "cycle file {name!r}").format(name=name)


def _source_name(source: str) -> str:
    """``source`` in the interface language when it is one of :data:`CYCLE_SOURCES` (else as given)."""
    return pgettext(CYCLE_SOURCE_CONTEXT, source)


def _to_bool(value, *, stage: int, source: str) -> bool:
    """The 'critical' field of stage number ``stage`` as true or false (one sentence when it is neither)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in ("true", "yes", "y", "1", "on"):
        return True
    if text in ("false", "no", "n", "0", "off", ""):
        return False
    raise SurveyError(_("The 'critical' field of stage {i} of the {source} must be true or false, not {value!r}.").format(
        i=stage, source=source, value=value))


_KEY_RE = re.compile(r"[\W_]+", re.UNICODE)


def normalise_key(text: object) -> str:
    """Lower-case, with runs of spaces, punctuation and underscores removed: ``" Q1_a."`` -> ``"q1a"``."""
    return _KEY_RE.sub("", str(text).casefold())


def cycle_to_dict(cycle: Cycle) -> dict:
    """The dictionary form of ``cycle``: the template file format (see the module docstring).

    Empty and false stage fields are left out; numbers are kept, so a target of 0 survives.
    :func:`cycle_from_dict` reads it back (and the dictionaries of every field that older saves hold).

    >>> d = cycle_to_dict(Cycle("Demo", (Stage("Wait", target=0.0), Stage("Pay", aliases=("till",)))))
    >>> d["stages"]
    [{'name': 'Wait', 'target': 0.0}, {'name': 'Pay', 'aliases': ['till']}]
    >>> cycle_from_dict(d) == Cycle("Demo", (Stage("Wait", target=0.0), Stage("Pay", aliases=("till",))))
    True
    """
    out = {"name": cycle.name, "description": cycle.description}
    if cycle.scale:
        out["scale"] = cycle.scale
    out["stages"] = []
    for s in cycle.stages:
        d = asdict(s)
        d["aliases"] = list(s.aliases)
        out["stages"].append({k: v for k, v in d.items() if k == "name" or _worth_saving(v)})
    return out


def cycle_from_dict(data: dict, *, source: str = "cycle") -> Cycle:
    """Build a :class:`Cycle` from the dictionary form (:func:`cycle_to_dict`), with one clear
    sentence on any problem; ``source`` names the input in that sentence (one of
    :data:`CYCLE_SOURCES`, or :func:`cycle_file_source`)."""
    source = _source_name(source)
    if not isinstance(data, dict):
        raise SurveyError(_("The {source} is not a mapping with 'name' and 'stages'.").format(source=source))
    stages_in = data.get("stages")
    if not isinstance(stages_in, list) or not stages_in:
        raise SurveyError(_("The {source} has no list of 'stages'.").format(source=source))
    stages = []
    for i, item in enumerate(stages_in, start=1):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise SurveyError(_("Stage {i} of the {source} has no name.").format(i=i, source=source))
        target = item.get("target")
        try:
            target = None if target in (None, "") else float(target)
        except (TypeError, ValueError):
            raise SurveyError(_("Stage {i} of the {source} has a target that is not a number: {target!r}.").format(i=i, source=source, target=target)) from None
        aliases = item.get("aliases") or ()
        if isinstance(aliases, str):
            aliases = [a.strip() for a in aliases.split(",") if a.strip()]
        elif not isinstance(aliases, (list, tuple)):
            raise SurveyError(_("Stage {i} of the {source} has aliases that are not a list of names: {aliases!r}.").format(i=i, source=source, aliases=aliases))
        stages.append(
            Stage(
                name=str(item["name"]).strip(),
                phase=(str(item["phase"]).strip() or None) if item.get("phase") else None,
                description=str(item.get("description") or ""),
                question=str(item.get("question") or ""),
                aliases=tuple(str(a) for a in aliases),
                critical=_to_bool(item.get("critical", False), stage=i, source=source),
                target=target,
            )
        )
    scale = data.get("scale")
    if scale not in (None, ""):
        try:
            parse_scale(str(scale))
        except SurveyError:
            raise SurveyError(_("The {source} has a scale {scale!r} that is not of the form MIN-MAX, for example 1-5.").format(source=source, scale=scale)) from None
    return Cycle(
        name=str(data.get("name") or "Untitled cycle"),
        stages=tuple(stages),
        description=str(data.get("description") or ""),
        scale=str(data["scale"]) if data.get("scale") else None,
    )


def load_cycle(path_or_name: str | Path) -> Cycle:
    """Load a cycle from a YAML/JSON file, or a bundled template by its name (see :func:`list_templates`)."""
    path = Path(path_or_name)
    if not path.suffix and not path.exists():
        candidates = {p.stem: p for p in TEMPLATE_DIR.glob("*.yaml")}
        if str(path_or_name) not in candidates:
            raise SurveyError(
                _("There is no cycle template called {path_or_name!r}; the templates are: {items}.").format(path_or_name=str(path_or_name), items=', '.join(sorted(candidates)))
            )
        path = candidates[str(path_or_name)]
    if not path.is_file():
        raise SurveyError(_("The cycle file {path!r} does not exist.").format(path=str(path)))
    text = path.read_text(encoding="utf-8")
    return parse_cycle(text, suffix=path.suffix, source=cycle_file_source(path.name))


def parse_cycle(text: str, *, suffix: str = ".yaml", source: str = "cycle file") -> Cycle:
    """Parse cycle text (YAML or JSON; JSON is also valid YAML)."""
    try:
        if suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except Exception as exc:  # parser messages vary; one sentence is what the user needs
        kind = "JSON" if suffix.lower() == ".json" else "YAML"
        mark = getattr(exc, "problem_mark", None)
        line = getattr(exc, "lineno", None) or (mark.line + 1 if mark is not None else None)
        problem = getattr(exc, "problem", None) or getattr(exc, "msg", None) or str(exc).split("\n")[0]
        text = (_("The {source} is not valid {kind} at line {line}: {problem}.") if line else
                _("The {source} is not valid {kind}: {problem}."))
        raise SurveyError(text.format(source=_source_name(source), kind=kind, line=line,
                                      problem=str(problem).rstrip("."))) from None
    return cycle_from_dict(data, source=source)


def dump_cycle(cycle: Cycle, *, fmt: str = "yaml") -> str:
    """The text of ``cycle`` in the template format (``fmt`` is ``"yaml"`` or ``"json"``)."""
    data = cycle_to_dict(cycle)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def save_cycle(cycle: Cycle, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(dump_cycle(cycle, fmt="json" if path.suffix.lower() == ".json" else "yaml"), encoding="utf-8")
    return path


def localized_cycle(cycle: Cycle, language: str | None = None) -> Cycle:
    """``cycle`` with every text of a bundled template (the cycle's name and description, each
    stage's name, phase, description and question) in ``language`` (default: the interface
    language of this run); texts that are no template's (a user's own) are kept as written.

    Works from any language: a cycle already translated to Indonesian becomes Spanish.

    >>> c = localized_cycle(load_cycle("bank_visit"), "id")
    >>> c.stages[3].name, c.stages[3].phase, c.stages[3].critical
    ('Menunggu giliran Anda', 'Menunggu', True)
    >>> localized_cycle(c, "en") == load_cycle("bank_visit")
    True
    """
    if language is not None:
        with using_language(language):
            return localized_cycle(cycle)

    def shown(text: str | None) -> str | None:
        msgid = source_message(text) if text else None
        return text if msgid is None else pgettext(TEMPLATE_CONTEXT, msgid)

    stages = tuple(replace(s, name=shown(s.name), phase=shown(s.phase), description=shown(s.description),
                           question=shown(s.question)) for s in cycle.stages)
    return replace(cycle, name=shown(cycle.name), description=shown(cycle.description), stages=stages)


def list_templates() -> dict[str, str]:
    """Bundled templates: file stem -> display name."""
    out = {}
    for p in sorted(TEMPLATE_DIR.glob("*.yaml")):
        out[p.stem] = load_cycle(p).name
    return out
