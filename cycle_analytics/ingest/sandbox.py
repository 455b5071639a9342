"""Imports that cannot take the server down: each upload is parsed in a worker process with a memory
and a time limit.

:func:`import_isolated` runs :func:`cycle_analytics.ingest.importer.import_survey` in a child
process and returns its :class:`~cycle_analytics.dataset.Survey`, or raises
:class:`~cycle_analytics.errors.SurveyError` with one sentence. The file is inspected before it is
parsed (:mod:`cycle_analytics.ingest.limits`); what no inspection can see (a used range of
billions of cells, a parser that allocates without bound, a file that takes minutes) is stopped here:

* **memory**: the worker's address space is capped (``RLIMIT_AS``: what it had at start plus
  ``ImportLimits.parse_memory_bytes``), and the parent also watches its resident memory and kills it
  above the limit. A native reader that aborts when an allocation fails (the Rust Excel reader
  does) kills only the worker;
* **time**: the parent kills the worker after ``ImportLimits.parse_seconds``;
* **load**: at most ``ImportLimits.parallel_imports`` workers run at once; other imports wait
  their turn (up to the time limit), so twenty simultaneous uploads cannot multiply the memory.

The worker comes from a *forkserver* that has already imported the import code (a fresh process
per import costs about 20 ms instead of the ~1.5 s of importing pandas and pyarrow), is niced so
the server's other sessions keep their CPU share, and gets the file through a temporary file (the
parent keeps its copy; the worker reads it in a streaming way). The survey comes back pickled.

Example
-------
>>> survey = import_isolated(b"id,wait,teller\\nA,4,5\\nB,2,3\\n", file_name="demo.csv")
>>> survey.info.stages
('wait', 'teller')
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.spawn
import os
import resource
import signal
import tempfile
import threading
import time
import traceback
from pathlib import Path

from cycle_analytics.dataset import ImportOptions, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import current_language, format_decimal, format_number, gettext as _, ngettext, set_language
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.ingest.limits import ImportLimits, size_text

LOG = logging.getLogger(__name__)
_WATCH_INTERVAL = 0.05  # seconds between two looks at the worker's memory
_NICE = 5

_context_lock = threading.Lock()
_context = None
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


_WORKER_NAME = "cycle-analytics-import"


def _without_main(get_preparation_data):
    """``multiprocessing.spawn.get_preparation_data`` for our workers without the parent's ``__main__``.

    A child normally re-imports the parent's main module first. In a Streamlit server that module is
    the *app script* (Streamlit installs it as ``__main__`` while it runs), so every worker would run
    the whole app before importing a file. Our workers need nothing from ``__main__``: the target is
    this module's function, which the forkserver has preloaded. Other processes are unaffected.
    """
    def prepare(name):
        data = get_preparation_data(name)
        if name == _WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    prepare.wrapped = get_preparation_data
    return prepare


def _mp_context():
    """The forkserver context, its server preloading this module (and so pandas, pyarrow, the importer)."""
    global _context
    with _context_lock:
        if _context is None:
            if not hasattr(multiprocessing.spawn.get_preparation_data, "wrapped"):
                multiprocessing.spawn.get_preparation_data = _without_main(multiprocessing.spawn.get_preparation_data)
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload([__name__])
            _context = ctx
        return _context


def import_slot(limits: ImportLimits) -> threading.BoundedSemaphore:
    """The semaphore that lets ``limits.parallel_imports`` imports run at once in this process."""
    with _slots_lock:
        n = int(limits.parallel_imports)
        if n not in _slots:
            _slots[n] = threading.BoundedSemaphore(n)
        return _slots[n]


def _resident_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when unknown)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker(conn, path: str, options: ImportOptions, file_name: str, limits: ImportLimits, language: str) -> None:
    """The child: cap its memory, lower its priority, import in the parent's interface ``language``
    (a process does not inherit the context variable), send ``(kind, payload)`` back."""
    set_language(language)
    try:
        os.nice(_NICE)
    except OSError:
        pass
    base = _address_space()
    if base:
        cap = base + int(limits.parse_memory_bytes)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        except (ValueError, OSError):
            pass
    try:
        survey = import_survey(path, options, file_name=file_name)
        message = ("ok", survey)
    except SurveyError as exc:
        message = ("refused", str(exc))
    except MemoryError:
        message = ("memory", "")
    except Exception:  # noqa: BLE001 - reported to the parent, which logs it and says one sentence
        message = ("failed", traceback.format_exc())
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("memory", ""))
    conn.close()


def _label(file_name: str) -> str:
    return repr(file_name) if file_name else _("the upload")


def _memory_sentence(file_name: str, limits: ImportLimits) -> str:
    return _("Reading the file {label} needed more than the memory limit of {limit} for one import, so it was "
             "stopped; a survey table of this size does not need that much: the file probably holds far more cells "
             "than it shows (save the survey table as CSV).").format(label=_label(file_name),
                                                                     limit=size_text(limits.parse_memory_bytes))


def _time_sentence(file_name: str, limits: ImportLimits) -> str:
    return _("Reading the file {label} took longer than the time limit of {seconds} seconds for one import, so it was "
             "stopped; save the survey table alone as CSV, or split it.").format(
        label=_label(file_name), seconds=format_decimal(limits.parse_seconds, len(f"{limits.parse_seconds:g}".partition(".")[2])))


def _busy_sentence(limits: ImportLimits) -> str:
    return ngettext("The server is busy reading {n} other file; try again in a minute.",
                    "The server is busy reading {n} other files; try again in a minute.",
                    int(limits.parallel_imports)).format(n=format_number(limits.parallel_imports))


def import_isolated(source, options: ImportOptions | None = None, *, file_name: str | None = None,
                    limits: ImportLimits | None = None) -> Survey:
    """``import_survey`` in a worker process with the memory and time limits of ``limits``.

    Parameters
    ----------
    source : bytes or path
        The file.
    options : ImportOptions, optional
    file_name : str, optional
        The name shown in sentences (and used for the file kind).
    limits : ImportLimits, optional
        Default :meth:`ImportLimits.from_environment`.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyError
        The import's own sentence, or one saying which limit stopped the worker.
    """
    limits = ImportLimits.from_environment() if limits is None else limits
    options = ImportOptions() if options is None else options
    name = file_name or (Path(source).name if isinstance(source, (str, Path)) else "")
    slot = import_slot(limits)
    if not slot.acquire(timeout=limits.parse_seconds):
        raise SurveyError(_busy_sentence(limits))
    try:
        if isinstance(source, (str, Path)):
            return _run(str(source), options, name, limits)
        with tempfile.NamedTemporaryFile(prefix="sca-upload-", suffix=Path(name).suffix[:10]) as fh:
            fh.write(memoryview(source))
            fh.flush()
            return _run(fh.name, options, name, limits)
    finally:
        slot.release()


def _run(path: str, options: ImportOptions, name: str, limits: ImportLimits) -> Survey:
    """Start the worker on ``path``, watch its memory and time, and turn its answer into the result."""
    ctx = _mp_context()
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(send, path, options, name, limits, current_language()), daemon=True,
                       name=_WORKER_NAME)
    proc.start()
    send.close()
    started = time.monotonic()
    message, stopped_for, peak = None, None, 0
    try:
        while message is None:
            if receive.poll(_WATCH_INTERVAL):
                try:
                    message = receive.recv()
                except (EOFError, OSError):
                    break  # the worker died before answering
                continue
            rss = _resident_bytes(proc.pid)
            peak = max(peak, rss)
            if rss > limits.parse_memory_bytes:
                stopped_for = "memory"
                break
            if time.monotonic() - started > limits.parse_seconds:
                stopped_for = "time"
                break
            if not proc.is_alive() and not receive.poll(0):
                break
    finally:
        if proc.is_alive() and message is None:
            proc.kill()
        proc.join(timeout=10)
        receive.close()
    elapsed = time.monotonic() - started
    if message is None:
        LOG.warning("import worker for %r stopped (%s) after %.1f s, exit code %s, peak resident %s",
                    name, stopped_for or "died", elapsed, proc.exitcode, size_text(peak))
        if stopped_for == "time":
            raise SurveyError(_time_sentence(name, limits))
        if stopped_for == "memory" or proc.exitcode in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS):
            raise SurveyError(_memory_sentence(name, limits))
        raise SurveyError(_("The file {label} could not be read: the reader stopped unexpectedly (the server's log has the detail).").format(label=_label(name)))
    kind, payload = message
    if kind == "ok":
        return payload
    if kind == "refused":
        raise SurveyError(payload)
    if kind == "memory":
        LOG.warning("import worker for %r ran out of memory after %.1f s", name, elapsed)
        raise SurveyError(_memory_sentence(name, limits))
    LOG.error("import worker for %r failed:\n%s", name, payload)
    raise SurveyError(_("The file {label} could not be read: the reader failed unexpectedly (the server's log has the detail).").format(label=_label(name)))
