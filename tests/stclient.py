"""A Streamlit client without a browser: many light sessions against a real server process.

Speaks Streamlit's own protocol (protobuf messages over the websocket ``/_stcore/stream``, uploads
through ``PUT /_stcore/upload_file/<session>/<file>``), so a test or a benchmark can run twenty
sessions, upload files and read what each run showed (alerts, metrics, markdown) at the cost of a
socket, not of a browser. Used by ``tests/test_hostile_uploads.py`` and ``bench/bench_load.py``;
the browser tests cover what needs JavaScript.

:func:`start_server` starts ``streamlit run`` on a free port and :func:`memory_of` reads the
resident memory of the server and its child processes from ``/proc``.

Example (with a server running)::

    with Session("http://localhost:8501") as s:
        shown = s.run()                          # the first run of the app
        shown = s.upload("survey.csv", data)     # upload into the sidebar's file uploader
        print(shown.errors, shown.metrics)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Shown:
    """What one run of the app showed: alert texts by kind, metrics ``{label: value}``, markdown and
    plain texts, the ids of the widgets by type, the options of select boxes, and whether the run
    finished within the time allowed."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    successes: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    markdown: list[str] = field(default_factory=list)
    widgets: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)  # multiselect / selectbox label -> options
    finished: bool = False
    seconds: float = 0.0

    def text(self) -> str:
        return "\n".join(self.errors + self.warnings + self.infos + self.successes + self.markdown)


_ALERT = {1: "errors", 2: "warnings", 3: "infos", 4: "successes"}


def _user_key(widget_id: str) -> str:
    """The ``key=`` a widget was created with, from its id ``$$ID-<hash>-<key>``."""
    return widget_id.split("-", 2)[2] if widget_id.startswith("$$ID-") and widget_id.count("-") >= 2 else widget_id


class Session:
    """One browser-like session of a running server (see the module docstring)."""

    def __init__(self, base_url: str, query: str = "", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.query = query
        self.timeout = timeout
        self.http = httpx.Client(timeout=timeout)
        # sets the XSRF cookie, when the server uses one; no keep-alive: an upload much later must not
        # reuse a connection the server has closed as idle meanwhile
        self.http.get(self.base_url + "/_stcore/health", headers={"Connection": "close"})
        self.xsrf = self.http.cookies.get("_streamlit_xsrf") or ""
        host = urllib.parse.urlsplit(self.base_url).netloc
        protocols = ["streamlit", self.xsrf] if self.xsrf else ["streamlit"]
        self._connection = connect(f"ws://{host}/_stcore/stream", subprotocols=protocols, max_size=None,
                                   open_timeout=timeout, additional_headers={"Origin": self.base_url})
        self.ws = self._connection.__enter__()
        self.session_id: str | None = None
        self.uploader_id: str | None = None
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path ("" = the default page) -> page script hash
        self.states: dict[str, WidgetState] = {}
        self.widget_ids: dict[str, str] = {}  # a widget's key (as the app wrote it) -> its id

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._connection.__exit__(None, None, None)
        finally:
            self.http.close()

    # -- runs ------------------------------------------------------------------------------------
    def run(self, timeout: float = 120.0) -> Shown:
        """Rerun the app with the current widget states; wait for the run to finish."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.widget_states.widgets.extend(self.states.values())
        self.ws.send(msg.SerializeToString())
        for wid in [w for w, state in self.states.items() if state.WhichOneof("value") == "trigger_value"]:
            del self.states[wid]  # a button press counts once
        return self._collect(timeout)

    def type(self, key: str, text: str) -> None:
        """Enter ``text`` into the text input the app created with ``key=key`` (sent with the next run)."""
        wid = self.widget_ids[key]
        self.states[wid] = WidgetState(id=wid, string_value=text)

    def click(self, key: str, timeout: float = 120.0) -> Shown:
        """Press the button the app created with ``key=key`` and run."""
        wid = self.widget_ids[key]
        self.states[wid] = WidgetState(id=wid, trigger_value=True)
        return self.run(timeout=timeout)

    def _collect(self, timeout: float) -> Shown:
        shown = Shown()
        started = time.monotonic()
        running = False
        while True:
            left = timeout - (time.monotonic() - started)
            if left <= 0:
                break
            try:
                raw = self.ws.recv(timeout=left)
            except TimeoutError:
                break
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fm.new_session.initialize.session_id
                self.page_hash = self.page_hash or fm.new_session.page_script_hash
                running = True
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                self._element(fm.delta.new_element, shown)
            elif kind == "script_finished" and running:
                shown.finished = True
                break
            elif kind == "navigation":
                for page in fm.navigation.app_pages:
                    self.pages[page.url_pathname] = page.page_script_hash
            elif kind == "session_status_changed":
                running = running or fm.session_status_changed.script_is_running
        shown.seconds = time.monotonic() - started
        return shown

    def _element(self, el, shown: Shown) -> None:
        kind = el.WhichOneof("type")
        if kind == "alert":
            getattr(shown, _ALERT.get(el.alert.format, "infos")).append(el.alert.body)
        elif kind == "exception":
            shown.exceptions.append(el.exception.message)
        elif kind == "metric":
            shown.metrics[el.metric.label] = el.metric.body
        elif kind in ("markdown", "text"):
            shown.markdown.append(getattr(el, kind).body)
        elif kind == "code":
            shown.markdown.append(el.code.code_text)
        elif kind in ("multiselect", "selectbox"):
            shown.options[getattr(el, kind).label] = list(getattr(el, kind).options)
            shown.widgets.setdefault(kind, []).append(getattr(el, kind).id)
            self.widget_ids[_user_key(getattr(el, kind).id)] = getattr(el, kind).id
        elif kind is not None:
            wid = getattr(getattr(el, kind), "id", "")
            if wid:
                shown.widgets.setdefault(kind, []).append(wid)
                self.widget_ids[_user_key(wid)] = wid
                if kind == "file_uploader" and self.uploader_id is None:
                    self.uploader_id = wid

    def goto(self, url_path: str, timeout: float = 120.0) -> Shown:
        """Switch to the page at ``url_path`` (``"data"``, ``"saved"``, ``""`` for the default page) and run it."""
        if url_path not in self.pages:
            raise KeyError(f"no page {url_path!r}: {sorted(self.pages)}")
        self.page_hash = self.pages[url_path]
        return self.run(timeout=timeout)

    # -- uploads ---------------------------------------------------------------------------------
    def upload(self, name: str, data: bytes, timeout: float = 300.0) -> Shown:
        """Upload ``data`` as ``name`` into the app's (first) file uploader and rerun."""
        if self.uploader_id is None or self.session_id is None:
            raise RuntimeError("run() first: the uploader's id comes from a run")
        req = BackMsg()
        rid = uuid.uuid4().hex
        req.file_urls_request.request_id = rid
        req.file_urls_request.file_names.append(name)
        req.file_urls_request.session_id = self.session_id
        self.ws.send(req.SerializeToString())
        urls = None
        deadline = time.monotonic() + self.timeout
        while urls is None and time.monotonic() < deadline:
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=self.timeout))
            if fm.WhichOneof("type") == "file_urls_response" and fm.file_urls_response.response_id == rid:
                urls = fm.file_urls_response.file_urls[0]
        upload_url = urls.upload_url if urls.upload_url.startswith("http") else self.base_url + urls.upload_url
        headers = {"X-Xsrftoken": self.xsrf} if self.xsrf else {}
        r = self.http.put(upload_url, files={"file": (name, data, "application/octet-stream")},
                          headers={**headers, "Connection": "close"}, timeout=timeout)
        if r.status_code >= 400:
            shown = Shown(errors=[f"HTTP {r.status_code}: {r.text[:200]}"])
            return shown
        info = UploadedFileInfo(file_id=urls.file_id, name=name, size=len(data))
        info.file_urls.CopyFrom(urls)
        state = WidgetState(id=self.uploader_id)
        state.file_uploader_state_value.CopyFrom(FileUploaderState(uploaded_file_info=[info]))
        self.states[self.uploader_id] = state
        return self.run(timeout=timeout)

    def remove_upload(self, timeout: float = 120.0) -> Shown:
        """Clear the file uploader (back to the sample) and rerun."""
        if self.uploader_id in self.states:
            self.states[self.uploader_id] = WidgetState(id=self.uploader_id, file_uploader_state_value=FileUploaderState())
        return self.run(timeout=timeout)


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, *, script: str = "app.py", env: dict | None = None, log: Path | None = None,
                 args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """``python -m streamlit run <script>`` on a free port with its own data folder; returns the
    process and its URL once ``/_stcore/health`` answers (raises ``RuntimeError`` after 90 s)."""
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL
    environ = {k: v for k, v in os.environ.items() if k != "CYCLE_ANALYTICS_DATABASE_URL"}
    environ.update({"CYCLE_ANALYTICS_DATA_DIR": str(data_dir), **(env or {})})
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *args],
        cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=environ)
    url = f"http://localhost:{port}"
    deadline = time.time() + 90
    while True:
        try:
            if httpx.get(url + "/_stcore/health", timeout=2).text.strip() == "ok":
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"the Streamlit server did not start (see {log})")
        time.sleep(0.25)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def memory_of(pid: int, children: bool = True) -> int:
    """Resident memory in bytes of process ``pid`` (and, with ``children``, of its descendants:
    the forkserver and the import workers)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss(p)
        if children:
            todo.extend(_children(p))
    return total
