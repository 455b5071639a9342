"""Survey-tool export formats. ``detect(preview)`` returns an ExportLayout or None (plain file).

The detectors are tried in a fixed order, most specific first: Qualtrics (ImportId line or
``V1..Vn`` ids), Typeform (``#`` and its system columns), Microsoft Forms (``ID``, ``Start time``,
``Completion time``), Google Forms (a time stamp first) and SurveyMonkey (a second header line of
``Response`` / ``Open-Ended Response`` cells, or row labels under SurveyMonkey's own ``Respondent ID`` /
``Collector ID`` headers; a plain file whose second line merely starts with an empty cell is not one). The first that recognises the file wins.

Examples
--------
>>> rows = (("#", "Room?", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"), ("t1", "4", "", "", ""))
>>> detect(Preview(rows)).format
'typeform'
>>> detect(Preview((("id", "room"), ("1", "4")))) is None
True
"""

from __future__ import annotations

from cycle_analytics.ingest.formats import google_forms, ms_forms, qualtrics, surveymonkey, typeform
from cycle_analytics.ingest.formats.common import validate_preview
from cycle_analytics.ingest.formats.base import ExportLayout, Preview

__all__ = ["ExportLayout", "Preview", "detect", "DETECTORS", "FORMATS"]

DETECTORS = (qualtrics.detect, typeform.detect, ms_forms.detect, google_forms.detect, surveymonkey.detect)
FORMATS = (qualtrics.FORMAT, typeform.FORMAT, ms_forms.FORMAT, google_forms.FORMAT, surveymonkey.FORMAT)


def detect(preview: Preview) -> ExportLayout | None:
    """Recognise a survey-tool export from its first rows; ``None`` means a plain long/wide file."""
    preview = validate_preview(preview)
    for detector in DETECTORS:
        layout = detector(preview)
        if layout is not None:
            return layout
    return None
