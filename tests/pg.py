"""A throwaway PostgreSQL server for the test session (Debian's ``postgresql`` package).

:func:`postgres_server` finds the server binaries (``/usr/lib/postgresql/<version>/bin``, else
``pg_config --bindir``, else ``PATH``), runs ``initdb`` into a fresh temporary folder, starts
``postgres`` listening on a Unix socket in that folder only (no TCP port is opened, so parallel
test workers never collide), waits until it accepts connections, creates a database and yields its
URL; at the end it stops the server (fast shutdown) and removes the folder.

As root, PostgreSQL refuses to run, so ``initdb`` and ``postgres`` run as the ``postgres`` user
(created by the Debian package) through ``runuser``, with the folder handed to that user.

There is no skipping: when the binaries are missing or the server does not start, it raises
:class:`RuntimeError` with the reason and the server log, and every test that needs it fails.
``scripts/install-postgres`` installs the package.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT = 60.0


def find_bindir() -> Path:
    """The folder holding ``initdb`` and ``postgres`` (newest Debian version first)."""

    def version(p: str) -> tuple:
        m = re.search(r"/postgresql/(\d+)(?:\.(\d+))?/bin$", p)
        return (int(m.group(1)), int(m.group(2) or 0)) if m else (0, 0)

    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(os.path.join(d, "initdb"), os.X_OK) and os.access(os.path.join(d, "postgres"), os.X_OK):
            return Path(d)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and os.access(os.path.join(out, "initdb"), os.X_OK):
            return Path(out)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres"):
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, postgres) were not found; install them with `bash scripts/install-postgres`."
    )


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix (and uid/gid to own the folder) for running the server."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("Running as root, but there is no 'postgres' user to run the test server as.") from None
    runuser = shutil.which("runuser")
    prefix = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c"]
    return prefix, pw.pw_uid, pw.pw_gid


def _cmd(prefix: list[str], args: list[str]) -> list[str]:
    if prefix and prefix[0] == "su":  # su -c takes one shell string
        import shlex

        return prefix + [" ".join(shlex.quote(a) for a in args)]
    return prefix + args


@contextmanager
def postgres_server(dbname: str = "cycle_analytics_test") -> Iterator[str]:
    """Start a private PostgreSQL server; yield ``postgresql://`` URL of a fresh database in it.

    Usage::

        with postgres_server() as url:
            store = open_store(url)
    """
    import psycopg

    bindir = find_bindir()
    prefix, uid, gid = _run_as()
    # As root, TMPDIR may be a folder the postgres user cannot enter (/root/...): use /tmp then.
    root = Path(tempfile.mkdtemp(prefix="sca-pg-", dir="/tmp" if uid is not None and os.path.isdir("/tmp") else None))
    data, sock, log = root / "data", root / "sock", root / "server.log"
    sock.mkdir()
    log.touch()
    if uid is not None:
        for p in (root, sock, log):
            os.chown(p, uid, gid)
    proc = None
    try:
        init = subprocess.run(
            _cmd(prefix, [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                          "--encoding=UTF8", "--no-locale", "--no-sync"]),
            capture_output=True, text=True, cwd=root,
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed (exit {init.returncode}): {init.stderr.strip() or init.stdout.strip()}")
        port = "5432"  # the socket lives in our own folder, so the port number cannot collide
        args = [str(bindir / "postgres"), "-D", str(data), "-k", str(sock), "-p", port,
                "-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=50", "-c", "shared_buffers=32MB"]
        with open(log, "ab") as logf:
            proc = subprocess.Popen(_cmd(prefix, args), stdout=logf, stderr=subprocess.STDOUT, cwd=root,
                                    start_new_session=True)
        admin = f"host={sock} port={port} user=postgres dbname=postgres"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"The PostgreSQL test server exited with status {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=5) as con:
                    con.execute(f'CREATE DATABASE "{dbname}"')
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"The PostgreSQL test server did not accept connections within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.1)
        yield f"postgresql://postgres@/{dbname}?host={sock}&port={port}"
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGINT)  # "fast" shutdown: end sessions, stop cleanly
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
