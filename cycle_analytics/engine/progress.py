"""Progress of long queries: a callback ``progress(done, message)`` called on the caller's thread.

``done`` is the finished fraction (0 to 1) of the step that ``message`` names ("Counting the
answers", "Building the respondent table", ...). On DuckDB the query runs on a worker thread while
the calling thread polls :meth:`duckdb.DuckDBPyConnection.query_progress` every quarter second, so
a Streamlit page can draw ``st.progress`` from the callback (Streamlit elements can only be drawn
from the script's own thread). Other backends report the start and the end of each step.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from ibis.backends import BaseBackend

from cycle_analytics.i18n import format_decimal, format_percent
from cycle_analytics.i18n import gettext as _

__all__ = ["ProgressCallback", "run_with_progress", "enable_duckdb_progress", "POLL_SECONDS", "TextProgress"]

ProgressCallback = Callable[[float, str], None]
T = TypeVar("T")
POLL_SECONDS = 0.25


def enable_duckdb_progress(backend: BaseBackend) -> None:
    """Make DuckDB track query progress (without printing its own bar)."""
    if backend.name == "duckdb":
        backend.raw_sql("SET enable_progress_bar = true; SET enable_progress_bar_print = false")


def run_with_progress(backend: BaseBackend, run: Callable[[], T], progress: ProgressCallback | None, message: str) -> T:
    """``run()``, reporting its progress to ``progress`` (if any) under ``message``.

    Exceptions of ``run`` propagate unchanged.

    >>> seen = []
    >>> import ibis
    >>> run_with_progress(ibis.duckdb.connect(), lambda: 42, lambda d, m: seen.append((d, m)), "Answering")
    42
    >>> seen
    [(0.0, 'Answering'), (1.0, 'Answering')]
    """
    if progress is None:
        return run()
    progress(0.0, message)
    if backend.name != "duckdb":
        result = run()
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(run)
            while True:
                try:
                    result = future.result(timeout=POLL_SECONDS)
                    break
                except FutureTimeout:
                    done = backend.con.query_progress()
                    if done >= 0:
                        progress(min(float(done) / 100.0, 0.99), message)
    progress(1.0, message)
    return result


class TextProgress:
    """A progress callback writing one line per second of a long step to a text stream (the command line's stderr).

    A step shorter than ``after`` seconds writes nothing (a small table stays quiet); a longer one
    writes ``"<message>: 42%"`` at most every ``every`` seconds and ``"<message>: done (12.3 s)"``
    at its end.

    >>> import io
    >>> out = io.StringIO()
    >>> show = TextProgress(out, after=0.0, every=0.0)
    >>> show(0.0, "Counting the answers"); show(0.5, "Counting the answers"); show(1.0, "Counting the answers")
    >>> out.getvalue().splitlines()[:2]
    ['Counting the answers: 0%', 'Counting the answers: 50%']
    """

    def __init__(self, stream=None, *, after: float = 1.0, every: float = 1.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.after, self.every = after, every
        self._message: str | None = None
        self._started = self._shown = 0.0
        self._spoke = False

    def __call__(self, done: float, message: str) -> None:
        now = time.monotonic()
        if message != self._message or done <= 0.0:
            self._message, self._started, self._shown, self._spoke = message, now, float("-inf"), False
        elapsed = now - self._started
        if done >= 1.0:
            if self._spoke or elapsed >= self.after:
                self._write(_("{step}: done ({seconds} s)").format(step=message, seconds=format_decimal(elapsed, 1)))
            self._message = None
            return
        if elapsed >= self.after and now - self._shown >= self.every:
            self._write(_("{step}: {percent}").format(step=message, percent=format_percent(done)))
            self._shown, self._spoke = now, True

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
