"""Charts as pictures: PNG bytes of a Plotly figure, for the PNG downloads, the deck and the PDF.

Plotly draws static images with kaleido, which drives a Chromium browser: Debian's ``chromium``
package (``scripts/install-system-deps``) is found by kaleido by itself. :func:`figure_png` renders
one figure; :func:`figures_png` renders several with one browser (kaleido's sync server), which is
several times faster than starting a browser per chart.

Example (needs kaleido and Chromium)::

    png = figure_png(journey_figure(analysis.scores))
    png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import plotly.graph_objects as go

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import N_, gettext as _

PNG_WIDTH = 1100  #: pixels of a chart picture (before ``scale``)
PNG_SCALE = 2  #: device pixels per pixel: sharp on a projector and in print
DEFAULT_HEIGHT = 520  #: height of a figure that does not set one
#: Why charts cannot be pictures here (English; shown translated).
INSTALL_HINT = N_("charts as pictures need the kaleido package and Chromium (pip install -r requirements.txt; "
                  "scripts/install-system-deps)")


def _validate_figure(fig) -> None:
    """Raise :class:`SurveyError` unless ``fig`` is a Plotly figure."""
    if not isinstance(fig, go.Figure):
        raise SurveyError(_("A chart picture needs a Plotly figure, not {name}.").format(name=type(fig).__name__))


def _size(fig: go.Figure, width: int | None) -> tuple[int, int]:
    return int(width or PNG_WIDTH), int(fig.layout.height or DEFAULT_HEIGHT)


def figure_png(fig: go.Figure, *, width: int | None = None, scale: float = PNG_SCALE) -> bytes:
    """The PNG bytes of ``fig`` at ``width`` pixels (its own height), ``scale`` times sharper.

    Raises :class:`SurveyError` with one sentence when kaleido or Chromium is missing.
    """
    _validate_figure(fig)
    w, h = _size(fig, width)
    try:
        return fig.to_image(format="png", width=w, height=h, scale=scale)
    except (ImportError, ValueError, RuntimeError, OSError) as exc:
        raise SurveyError(_("The chart could not be drawn as a picture: {hint} ({name}).").format(hint=_(INSTALL_HINT), name=type(exc).__name__)) from None


def figures_png(figs: Mapping[str, go.Figure], *, width: int | None = None, scale: float = PNG_SCALE) -> dict[str, bytes]:
    """PNG bytes of several figures, by name, drawn by one Chromium (kaleido's sync server)."""
    for fig in figs.values():
        _validate_figure(fig)
    if not figs:
        return {}
    try:
        import kaleido  # a measured start-up cost (it loads a browser driver): imported only when pictures are made
    except ImportError:
        raise SurveyError(_("The charts could not be drawn as pictures: {hint}.").format(hint=_(INSTALL_HINT))) from None
    started = False
    try:
        try:
            kaleido.start_sync_server(silence_warnings=True)
            started = True
        except Exception:  # noqa: BLE001 - an older kaleido or a server already running: draw one by one
            started = False
        with warnings.catch_warnings():  # plotly notes that its per-call options are unused with the server
            warnings.filterwarnings("ignore", message="The kopts argument is ignored", category=UserWarning)
            return {name: figure_png(fig, width=width, scale=scale) for name, fig in figs.items()}
    finally:
        if started:
            try:
                kaleido.stop_sync_server(silence_warnings=True)
            except Exception:  # noqa: BLE001 - stopping is best effort
                pass


def pictures_or_notes(figs: Mapping[str, go.Figure], pictures: Mapping[str, bytes] | None = None
                      ) -> tuple[Mapping[str, bytes], list[str]]:
    """The charts as pictures for a deck or a PDF: ``pictures`` when already drawn, else ``figs``
    drawn now; when they cannot be drawn, no pictures and the reason as a note to print instead."""
    if pictures is not None:
        return pictures, []
    try:
        return figures_png(figs), []
    except SurveyError as exc:
        return {}, [str(exc)]
