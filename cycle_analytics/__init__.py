"""Service Cycle Analytics: from a customer-satisfaction survey export to the map of the service cycle.

The public API, importable from the package itself::

    from cycle_analytics import ImportOptions, analyze, html_report, import_survey, load_cycle

    survey = import_survey("answers.csv", ImportOptions(cycle=load_cycle("bank_visit")))
    analysis = analyze(survey)
    page = html_report(survey, analysis)

========================================== ============================================
:func:`import_survey`, :class:`ImportOptions` read a survey file (:mod:`cycle_analytics.ingest`)
:class:`Survey`, :class:`DatasetInfo`,     the imported survey (:mod:`cycle_analytics.dataset`)
:class:`OutcomeSpec`
:func:`analyze`, :class:`Analysis`,        every statistic of the cycle (:mod:`cycle_analytics.stats`)
:class:`AnalysisSettings`, :func:`outcome_spec`
:class:`Cycle`, :class:`Stage`,            service cycles and their templates (:mod:`cycle_analytics.cycles`)
:func:`load_cycle`
:class:`Scale`, :func:`parse_scale`        rating scales (:mod:`cycle_analytics.scales`)
:func:`html_report`, :func:`excel_report`  reports (:mod:`cycle_analytics.outputs`)
:func:`open_store`                         saved surveys (:mod:`cycle_analytics.storage`)
:func:`build_questionnaire`                the next survey (:mod:`cycle_analytics.design`)
:class:`SurveyError`                       the one exception for bad input
========================================== ============================================

Charts are in :mod:`cycle_analytics.figures` (``from cycle_analytics import figures as F``).

The names are loaded on first use (PEP 562 ``__getattr__``) rather than imported here: importing
them all costs about 1 s (pandas, pyarrow, scipy, statsmodels, plotly; measured with
``python -X importtime`` on 2 cores), which ``python -m cycle_analytics --help``,
``import cycle_analytics.errors`` and every submodule import would otherwise pay. Importing the
package itself loads nothing but :mod:`cycle_analytics.errors` (under 1 ms).

Examples
--------
>>> import cycle_analytics
>>> cycle_analytics.parse_scale("1-5")
Scale(minimum=1, maximum=5)
>>> "analyze" in cycle_analytics.__all__
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from cycle_analytics.errors import SurveyError

if TYPE_CHECKING:  # the names below, for type checkers and editors (loaded lazily at run time)
    from cycle_analytics.cycles import Cycle, Stage, load_cycle
    from cycle_analytics.dataset import DatasetInfo, ImportOptions, OutcomeSpec, Survey
    from cycle_analytics.design.questionnaire import build_questionnaire
    from cycle_analytics.ingest.importer import import_survey
    from cycle_analytics.outputs.report import excel_report, html_report
    from cycle_analytics.scales import Scale, parse_scale
    from cycle_analytics.stats.analysis import Analysis, AnalysisSettings, analyze, outcome_spec
    from cycle_analytics.storage import open_store

#: Public name -> the module that defines it.
_LAZY = {
    "import_survey": "cycle_analytics.ingest.importer",
    "ImportOptions": "cycle_analytics.dataset",
    "Survey": "cycle_analytics.dataset",
    "DatasetInfo": "cycle_analytics.dataset",
    "OutcomeSpec": "cycle_analytics.dataset",
    "analyze": "cycle_analytics.stats.analysis",
    "Analysis": "cycle_analytics.stats.analysis",
    "AnalysisSettings": "cycle_analytics.stats.analysis",
    "outcome_spec": "cycle_analytics.stats.analysis",
    "Cycle": "cycle_analytics.cycles",
    "Stage": "cycle_analytics.cycles",
    "load_cycle": "cycle_analytics.cycles",
    "Scale": "cycle_analytics.scales",
    "parse_scale": "cycle_analytics.scales",
    "html_report": "cycle_analytics.outputs.report",
    "excel_report": "cycle_analytics.outputs.report",
    "open_store": "cycle_analytics.storage",
    "build_questionnaire": "cycle_analytics.design.questionnaire",
}

__all__ = [
    "SurveyError", "import_survey", "ImportOptions", "Survey", "DatasetInfo", "OutcomeSpec", "analyze", "Analysis",
    "AnalysisSettings", "outcome_spec", "Cycle", "Stage", "load_cycle", "Scale", "parse_scale", "html_report",
    "excel_report", "open_store", "build_questionnaire",
]


def __getattr__(name: str):
    """Load a public name from its module on first use (see the module docstring for why)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cycle_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
