"""Progress with a percentage for the long steps (reading a big upload, analysing it), not only a spinner.

:func:`progress` wraps one step. A step that ends within :data:`SHOW_AFTER` seconds (a cached
result, a small file) shows nothing; a longer one shows a progress bar with the step's name and a
percentage, estimated from the work's size (:func:`expected_import_seconds`,
:func:`expected_analysis_seconds`): it rises towards 95% as the expected time passes and never
reaches 100% before the step has ended, then it disappears. The bar is drawn by a small thread that
carries the session's script context (Streamlit draws elements of the session it belongs to).
:func:`reported_progress` draws what the work itself reports instead (the query engine's steps and
their share done, for a warehouse source).
"""

from __future__ import annotations

import contextvars
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from cycle_analytics.i18n import format_percent

SHOW_AFTER = 0.6  #: seconds before a bar appears
TICK = 0.25  #: seconds between updates of the bar
IMPORT_BYTES_PER_SECOND = 8e6  #: measured order of magnitude of the importer on this machine kind
#: The same for the analysis from the count tables (ratings per second): 7.2M ratings take 2.3 s of CPU, 5 s on a
#: busy machine; the per-rating analysis before them ran at about 2.5e5.
ANALYSIS_RATINGS_PER_SECOND = 2e6


def expected_import_seconds(n_bytes: int) -> float:
    """Expected seconds to import a file of ``n_bytes`` (at least one second).

    >>> expected_import_seconds(80_000_000)
    11.0
    """
    return 1.0 + n_bytes / IMPORT_BYTES_PER_SECOND


def expected_analysis_seconds(n_ratings: int) -> float:
    """Expected seconds to analyse ``n_ratings`` ratings (at least one second).

    >>> expected_analysis_seconds(4_000_000)
    3.0
    """
    return 1.0 + n_ratings / ANALYSIS_RATINGS_PER_SECOND


def percent_done(elapsed: float, expected: float) -> int:
    """The percentage shown after ``elapsed`` of ``expected`` seconds: rises like 1 - exp(-t/T)
    towards 95, so a step that takes longer than expected keeps moving but never shows 100.

    >>> [percent_done(t, 10.0) for t in (0, 5, 10, 30, 1000)]
    [0, 37, 60, 90, 95]
    """
    return int(95 * (1 - math.exp(-max(0.0, elapsed) / max(expected, 0.1))))


@contextmanager
def progress(label: str, expected_seconds: float, where=None) -> Iterator[None]:
    """Show a progress bar with ``label`` and a percentage while the ``with`` block runs (only when
    it takes longer than :data:`SHOW_AFTER` seconds), in the container ``where`` (default: here)."""
    placeholder = where.empty() if where is not None else st.empty()
    ctx = get_script_run_ctx()
    done = threading.Event()
    start = time.monotonic()
    language = contextvars.copy_context()  # the ticking thread formats the percentage in this run's language

    def tick() -> None:
        while not done.wait(TICK):
            elapsed = time.monotonic() - start
            if elapsed < SHOW_AFTER:
                continue
            pct = percent_done(elapsed, expected_seconds)
            try:
                placeholder.progress(pct, text=f"{label} {language.run(format_percent, pct / 100)}")
            except Exception:  # noqa: BLE001 - the session went away: stop drawing
                return

    with _drawn_by(tick, "progress", ctx, done, placeholder):
        yield


@contextmanager
def reported_progress(where=None) -> Iterator[Callable[[float, str], None]]:
    """A progress bar driven by reports: yields ``report(done, message)`` (``done`` from 0 to 1, as
    the query engine reports its steps, :mod:`cycle_analytics.engine.progress`). The bar shows the
    latest step and its percentage once the block has run :data:`SHOW_AFTER` seconds, and disappears
    at the end. Reports may come from any thread; a small thread with the session's script context
    draws them."""
    placeholder = where.empty() if where is not None else st.empty()
    ctx = get_script_run_ctx()
    done = threading.Event()
    start = time.monotonic()
    latest: list[tuple[float, str]] = []

    def report(fraction: float, message: str) -> None:
        latest[:] = [(min(max(float(fraction), 0.0), 1.0), str(message))]

    def tick() -> None:
        shown = None
        while not done.wait(TICK):
            if time.monotonic() - start < SHOW_AFTER or not latest or latest[0] == shown:
                continue
            shown = latest[0]
            pct = int(round(shown[0] * 100))
            try:
                placeholder.progress(pct, text=f"{shown[1]}… {pct}%")
            except Exception:  # noqa: BLE001 - the session went away: stop drawing
                return

    with _drawn_by(tick, "reported-progress", ctx, done, placeholder):
        yield report


@contextmanager
def _drawn_by(tick: Callable[[], None], name: str, ctx, done: threading.Event, placeholder) -> Iterator[None]:
    """Run ``tick`` on a thread with the session's script context (none outside a script run) while
    the block runs; then stop it and clear the bar."""
    thread = threading.Thread(target=tick, name=name, daemon=True)
    if ctx is not None:
        add_script_run_ctx(thread, ctx)
        thread.start()
    try:
        yield
    finally:
        done.set()
        if ctx is not None:
            thread.join(timeout=1.0)
        placeholder.empty()
