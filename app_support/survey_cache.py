"""The server's memory for survey data: one cache with a byte budget, shared by every session.

A 1M-rating survey takes about 25 MB in memory. :class:`SurveyCache` keeps imported, filtered and
saved surveys under one **byte budget** (:data:`ENV_BUDGET_MB`, default 512 MB), least recently used
first out, so many sessions cannot add up without bound:

* **shared**: sessions that upload the same bytes (same name, same options) get the same object,
  computed once even when they ask at the same moment (the others wait for the first);
* **released**: an entry nobody used for :data:`ENV_IDLE_SECONDS` (default 120 s) is dropped by a
  background sweep, and the process's free heap is handed back to the system afterwards
  (``malloc_trim``, and Arrow's pool), so memory returns to where it started once the sessions that
  used it are closed (see "Closed sessions" below);
* an entry evicted while a live session still holds the object stays reachable through a weak
  reference and is shared again instead of being computed twice.

The cache keys are the callers' tuples; every key must hold all a view depends on (the file's digest
*and name*, the import options, the filters): see :mod:`app_support.loaders`.

**Closed sessions.** Streamlit keeps a closed tab's session for ``server.disconnectedSessionTTL``
seconds (so a reconnect finds it) but, in this version, never shuts down a session whose time ran
out: its state (the survey it viewed) and its uploaded file stay in memory until another session
disconnects. :func:`note_session` registers the session of a run that holds survey data; the same
background sweep closes such a session, through Streamlit's public
``Runtime.clear_user_info_for_session`` (which closes a session that is no longer connected), a
little before its reconnect time runs out, so its upload is released, and empties its state (Streamlit
may keep the last closed session object until the next visitor arrives).

Example
-------
>>> cache = SurveyCache(budget_bytes=1000, idle_seconds=60)
>>> cache.get(("k",), lambda: "value", size=lambda v: 10)
'value'
>>> cache.get(("k",), lambda: "other", size=lambda v: 10)  # a hit: not computed again
'value'
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import gc
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

import pandas as pd

from cycle_analytics.dataset import Survey

ENV_BUDGET_MB = "CYCLE_ANALYTICS_CACHE_MB"
ENV_IDLE_SECONDS = "CYCLE_ANALYTICS_CACHE_IDLE_SECONDS"
DEFAULT_BUDGET_MB = 512
DEFAULT_IDLE_SECONDS = 120.0
_SWEEP_EVERY = 5.0
_REAP_MARGIN = 15.0  # close a closed session this long before Streamlit stops finding it


def survey_bytes(survey) -> int:
    """Memory held by a survey's tables (deep for text columns), or by the tables of another frozen
    dataclass of results (such as :class:`cycle_analytics.stats.quality.QualityReport`); 256 for
    anything else."""
    if isinstance(survey, Survey):
        frames = (survey.ratings, survey.responses, survey.rejected)
    elif dataclasses.is_dataclass(survey) and not isinstance(survey, type):
        frames = tuple(getattr(survey, f.name) for f in dataclasses.fields(survey))
    else:
        return 256
    return sum(int(f.memory_usage(deep=True, index=True).sum()) for f in frames if isinstance(f, pd.DataFrame)) or 256


def _release_free_memory() -> None:
    """Collect cyclic garbage (a closed session's objects refer to each other), then give freed heap
    pages back to the system (Arrow's memory pool, glibc ``malloc_trim``)."""
    gc.collect()
    try:
        import pyarrow as pa  # already imported by pandas' Arrow strings; listed here for clarity

        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - best effort
        pass
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except Exception:  # noqa: BLE001 - not glibc
        pass


@dataclasses.dataclass
class _Entry:
    value: object
    size: int
    used: float


@dataclasses.dataclass
class _Pending:
    done: threading.Event = dataclasses.field(default_factory=threading.Event)
    value: object = None
    error: BaseException | None = None


class SurveyCache:
    """A thread-safe LRU cache of survey objects with a byte budget and an idle time-out (see the module docstring)."""

    def __init__(self, budget_bytes: int, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        self.budget_bytes = int(budget_bytes)
        self.idle_seconds = float(idle_seconds)
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._weak: dict[Hashable, weakref.ref] = {}
        self._pending: dict[Hashable, _Pending] = {}
        self._total = 0
        self._sweeper: threading.Thread | None = None

    # -- reading ---------------------------------------------------------------------------------
    def get(self, key: Hashable, compute: Callable[[], object], size: Callable[[object], int] = survey_bytes):
        """The value of ``key``: cached, still held by a session, being computed by another
        session (waits for it), or computed now with ``compute()`` and cached."""
        with self._lock:
            hit = self._lookup(key)
            if hit is not None:
                return hit[0]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
        if not owner:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return pending.value
        try:
            value = compute()
        except BaseException as exc:
            pending.error = exc
            raise
        else:
            pending.value = value
            self.put(key, value, size(value))
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()

    def _lookup(self, key: Hashable):
        """``(value,)`` when ``key`` is cached or still alive in a session (re-admitted), else ``None``. Lock held."""
        entry = self._entries.get(key)
        if entry is not None:
            entry.used = time.monotonic()
            self._entries.move_to_end(key)
            return (entry.value,)
        ref = self._weak.get(key)
        value = ref() if ref is not None else None
        if value is None:
            self._weak.pop(key, None)
            return None
        self._admit(key, value, survey_bytes(value))
        return (value,)

    # -- writing ---------------------------------------------------------------------------------
    def put(self, key: Hashable, value, size: int) -> None:
        """Cache ``value`` under ``key`` (``size`` bytes), evicting the least recently used entries over the budget."""
        with self._lock:
            self._admit(key, value, size)
        self.start_sweeper()

    def _admit(self, key: Hashable, value, size: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._total -= old.size
        self._entries[key] = _Entry(value, int(size), time.monotonic())
        self._total += int(size)
        try:
            self._weak[key] = weakref.ref(value)
        except TypeError:  # tuples, strings: nothing to share after eviction
            self._weak.pop(key, None)
        while self._total > self.budget_bytes and len(self._entries) > 1:
            _, gone = self._entries.popitem(last=False)
            self._total -= gone.size

    def items(self, match: Callable[[Hashable], bool]) -> list[tuple[Hashable, object]]:
        """``(key, value)`` of the entries (cached, or alive in a session) whose key satisfies ``match``."""
        with self._lock:
            out = {k: e.value for k, e in self._entries.items() if match(k)}
            for k, ref in self._weak.items():
                value = ref()
                if k not in out and value is not None and match(k):
                    out[k] = value
        return list(out.items())

    def discard(self, match: Callable[[Hashable], bool]) -> int:
        """Drop every entry whose key satisfies ``match`` (e.g. a saved survey just replaced); returns how many."""
        with self._lock:
            keys = [k for k in list(self._entries) + list(self._weak) if match(k)]
            for k in set(keys):
                entry = self._entries.pop(k, None)
                if entry is not None:
                    self._total -= entry.size
                self._weak.pop(k, None)
        return len(set(keys))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weak.clear()
            self._total = 0
        _release_free_memory()

    # -- idle time-out ---------------------------------------------------------------------------
    def sweep(self, now: float | None = None) -> int:
        """Drop the entries idle for longer than ``idle_seconds`` (and dead weak references); returns
        how many (the background sweep then hands the memory back to the system)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            idle = [k for k, e in self._entries.items() if now - e.used > self.idle_seconds]
            for k in idle:
                self._total -= self._entries.pop(k).size
            for k in [k for k, r in self._weak.items() if r() is None]:
                del self._weak[k]
        return len(idle)

    def start_sweeper(self) -> None:
        """Start the background sweep (idle entries, closed sessions) if it is not running."""
        with self._lock:
            if self._sweeper is not None and self._sweeper.is_alive():
                return
            self._sweeper = threading.Thread(target=_sweep_forever, args=(weakref.ref(self),),
                                             name="survey-cache-sweeper", daemon=True)
            self._sweeper.start()

    # -- figures ---------------------------------------------------------------------------------
    @property
    def total_bytes(self) -> int:
        return self._total

    def __len__(self) -> int:
        return len(self._entries)


def _sweep_forever(ref: weakref.ref) -> None:
    """The background sweep of the cache behind ``ref`` (ends when the cache is gone): idle entries,
    closed sessions, then the freed memory handed back for a few sweeps (a closed session is freed
    a little after it is closed)."""
    pending = 0
    while True:
        cache = ref()
        if cache is None:
            return
        pause = min(_SWEEP_EVERY, max(1.0, cache.idle_seconds / 4))
        del cache
        time.sleep(pause)
        cache = ref()
        if cache is None:
            return
        if close_disconnected_sessions() or cache.sweep():
            pending = 3
        del cache
        if pending:
            pending -= 1
            _release_free_memory()


def _env_number(name: str, default: float) -> float:
    text = (os.environ.get(name) or "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if value > 0 else default


_shared: SurveyCache | None = None
_shared_lock = threading.Lock()


def shared_cache() -> SurveyCache:
    """The one cache of this server process (budget and idle time-out from the environment)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SurveyCache(int(_env_number(ENV_BUDGET_MB, DEFAULT_BUDGET_MB) * 1024 * 1024),
                                  _env_number(ENV_IDLE_SECONDS, DEFAULT_IDLE_SECONDS))
        return _shared


# ---------------------------------------------------------------- closed sessions

_sessions_lock = threading.Lock()
_sessions: dict[str, list] = {}  # session id -> [first seen disconnected (None: connected), its session state]


def note_session() -> None:
    """Register the session of the current run as one that holds survey data (see the module docstring)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx  # only inside a Streamlit server

        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # noqa: BLE001 - not in a script run
        return
    if ctx is None:
        return
    with _sessions_lock:
        _sessions[ctx.session_id] = [None, ctx.session_state]
    shared_cache().start_sweeper()


def _disconnected_ttl() -> float:
    try:
        import streamlit as st

        return float(st.get_option("server.disconnectedSessionTTL"))
    except Exception:  # noqa: BLE001
        return 120.0


def close_disconnected_sessions(now: float | None = None) -> int:
    """Close the registered sessions disconnected for nearly ``server.disconnectedSessionTTL``;
    returns how many were closed."""
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return 0
        runtime = Runtime.instance()
    except Exception:  # noqa: BLE001 - no runtime (tests, scripts)
        return 0
    now = time.monotonic() if now is None else now
    wait = max(1.0, _disconnected_ttl() - _REAP_MARGIN)
    closing = []
    with _sessions_lock:
        for sid, entry in list(_sessions.items()):
            if runtime.is_active_session(sid):
                entry[0] = None
            elif entry[0] is None:
                entry[0] = now
            elif now - entry[0] >= wait:
                closing.append((sid, entry[1]))
                del _sessions[sid]
    for sid, session_state in closing:
        try:
            runtime.clear_user_info_for_session(sid)  # closes a session that is no longer connected
        except Exception:  # noqa: BLE001 - the runtime is stopping
            pass
        _forget_state(session_state)
    return len(closing)


def _forget_state(session_state) -> None:
    """Empty a closed session's state: Streamlit may keep the last closed session object referenced
    until the next session arrives, and with it the survey its view held."""
    try:
        for key in list(session_state.filtered_state):
            try:
                del session_state[key]
            except KeyError:
                pass
    except Exception:  # noqa: BLE001 - best effort; the session is gone either way
        pass
