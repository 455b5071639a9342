"""The deck and the PDF of the current view, and the PNG of a chart: built when their button is clicked.
The survey they describe is :func:`view_subject` (an upload's survey or a warehouse source's outline).

A download button given a function (``st.download_button(data=callable)``) runs it only when the
user clicks, so the charts are drawn as pictures (kaleido with Chromium, a few seconds) only for a
download that is asked for; a rerun of the page costs nothing. :func:`deck_builder` and
:func:`pdf_builder` return such functions for the current view; :func:`filters_in_words` says which
respondents the view holds, for the title slide and page.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cycle_analytics.i18n import current_language, format_date, using_language
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.briefing import Briefing, build_briefing
from cycle_analytics.outputs.deck import deck_pptx
from cycle_analytics.outputs.images import figure_png
from cycle_analytics.outputs.pdf import report_pdf

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def filters_in_words(filters_key: tuple) -> str:
    """The sidebar filters of a ``loaders.filters_key`` in words and dates of the interface language
    ("" = none).

    >>> filters_in_words(("2026-03-01", "2026-03-31", (("branch", ("Central", "North")),)))
    'answers from Mar 1, 2026 to Mar 31, 2026; branch: Central, North'
    >>> filters_in_words((None, None, ()))
    ''
    """
    if not filters_key:
        return ""
    dfrom, dto, segments = filters_key
    parts = [_("answers from {start} to {end}").format(start=format_date(dfrom), end=format_date(dto))] if dfrom else []
    parts += [f"{column}: {', '.join(values)}" for column, values in segments]
    return "; ".join(parts)


def source_in_words(source_label: str) -> str:
    """The survey's name without the app's prefix ("Uploaded file: x.csv" -> "x.csv")."""
    return source_label.split(": ", 1)[-1] if source_label else ""


def view_subject(view):
    """The survey the outputs of a sidebar ``View`` describe: the filtered
    :class:`~cycle_analytics.dataset.Survey` of an upload, or the
    :class:`~cycle_analytics.outputs.outline.SurveyOutline` of a warehouse source
    (:meth:`app_support.sources.WarehouseSurvey.outline`: its analysis' counts, no row read)."""
    return view.warehouse.outline() if view.warehouse is not None else view.filtered


def briefing_of(view, plans: pd.DataFrame | None) -> Briefing:
    """The :class:`~cycle_analytics.outputs.briefing.Briefing` of a sidebar ``View``."""
    source = source_in_words(view.source_label)
    title = _("Service cycle review: {source}").format(source=source) if source else _("Service cycle review")
    return build_briefing(view_subject(view), view.analysis, plans, title=title, source=source,
                          filters=filters_in_words(view.key[2] if len(view.key) > 2 else ()))


def deck_builder(view, plans: pd.DataFrame | None) -> Callable[[], bytes]:
    """A function that builds the PowerPoint deck of ``view`` (for a deferred download), in the
    interface language of this run (Streamlit may call it outside the run's context)."""
    language = current_language()
    return lambda: _in_language(language, lambda: deck_pptx(briefing_of(view, plans)))


def pdf_builder(view, plans: pd.DataFrame | None) -> Callable[[], bytes]:
    """A function that builds the PDF report of ``view`` (for a deferred download), in the
    interface language of this run."""
    language = current_language()
    return lambda: _in_language(language, lambda: report_pdf(briefing_of(view, plans)))


def _in_language(language: str, build: Callable[[], bytes]) -> bytes:
    """``build()`` with ``language`` as the interface language."""
    with using_language(language):
        return build()


def png_builder(fig) -> Callable[[], bytes]:
    """A function that draws ``fig`` as a PNG picture (for a deferred download)."""
    return lambda: figure_png(fig)
