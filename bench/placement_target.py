"""A placement server under measurement, for ``bench/placement.py``: ours or upstream.

:class:`Target` is a tiny keep-alive HTTP client (one ``http.client`` connection per thread)
plus the CPU accounting: the utime + stime of the server's process tree from ``/proc``, and
on PostgreSQL the CPU of the backends serving its database. :func:`ours` runs ``pocketstack
up`` on a fresh data dir (stopped with Ctrl-C); :func:`theirs` deploys and serves upstream
Placement (``bench/placement_upstream.py``); :func:`scratch_database` makes and drops a
PostgreSQL database. Everything listens on, and talks to, 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

import placement_upstream as upstream

__all__ = ["VERSION", "Target", "analyze", "ours", "scratch_database", "spent", "theirs"]

BIN = Path(sys.executable).parent
VERSION = "placement 1.36"  # what nova sends for candidates and claims
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
START_TIMEOUT_S = 60.0
LOCKED_RETRIES = 50  # upstream on SQLite answers 500 "database is locked" to concurrent writes


# -- processes and their CPU ------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def backends_of(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (their title names it)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if title.startswith("postgres: ") and f" {database} " in title:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    ticks: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = _stat(pid)
            ticks[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return ticks


# -- a server under test, and a tiny keep-alive client ---------------------------------------


@dataclass
class Target:
    name: str
    port: int
    prefix: str  # "/placement" for ours, "" for upstream
    token: str
    pid: int
    database: str | None = None  # a PostgreSQL database whose backends count as DB CPU
    local: threading.local = field(default_factory=threading.local)
    retries: int = 0  # requests retried because upstream's SQLite was locked

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        return conn

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        headers = {
            "X-Auth-Token": self.token,
            "OpenStack-API-Version": VERSION,
            "Accept": "application/json",
        }
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            conn = self._conn()
            try:
                conn.request(method, self.prefix + path, body=data, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def expect(self, method: str, path: str, body: Any, *statuses: int) -> bytes:
        """One request that must answer one of ``statuses``; a locked SQLite is retried."""
        for _ in range(LOCKED_RETRIES):
            status, data = self.call(method, path, body)
            if status >= 500 and b"database is locked" in data:
                self.retries += 1
                time.sleep(0.02)
                continue
            if status not in statuses:
                raise RuntimeError(f"{self.name}: {method} {path} -> {status} {data[:300]!r}")
            return data
        raise RuntimeError(f"{self.name}: {method} {path}: database locked {LOCKED_RETRIES}x")

    def cpu(self) -> tuple[dict[int, float], dict[int, float]]:
        server = cpu_seconds(process_tree(self.pid))
        db = cpu_seconds(backends_of(self.database)) if self.database else {}
        return server, db


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


# -- the servers ------------------------------------------------------------------------------


async def _pg(statement: str, database: str = "postgres") -> None:
    conn = await asyncpg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{database}")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def analyze(database: str) -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give them in time."""
    asyncio.run(_pg("ANALYZE", database))


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def ours(workdir: Path, database: str | None) -> Iterator[Target]:
    """``pocketstack up`` on a fresh data dir; stopped with Ctrl-C (then killed) at the end."""
    data = workdir / "ours"
    shutil.rmtree(data, ignore_errors=True)
    port = upstream.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "POCKETSTACK_"))}
    if database:
        env["POCKETSTACK_DATABASE__PLACEMENT"] = (
            f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / "ours.stderr").open("wb") as stderr:
        proc = subprocess.Popen(
            [str(BIN / "pocketstack"), "up", "--data-dir", str(data), "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        yield Target("ours", port, "/placement", _our_token(proc, port, data), proc.pid, database)
    finally:
        stop_ours(proc)


def stop_ours(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C (SIGINT), the way ``pocketstack up`` stops cleanly; kill it if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _our_token(proc: subprocess.Popen[bytes], port: int, data: Path) -> str:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pocketstack up exited {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/identity", timeout=2.0).status_code < 500:
                break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"pocketstack up did not answer in {START_TIMEOUT_S:.0f} s")
    password = (data / "admin-password").read_text().strip()
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    issued = httpx.post(f"{base}/identity/v3/auth/tokens", json=body, timeout=30.0)
    issued.raise_for_status()
    return issued.headers["x-subject-token"]


@contextlib.contextmanager
def theirs(install: upstream.Install, workdir: Path, database: str | None) -> Iterator[Target]:
    state = workdir / "upstream"
    connection = (
        f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}"
        if database
        else f"sqlite:///{state / 'placement.sqlite'}"
    )
    dep = upstream.deploy(install, state, connection)
    proc = upstream.start_server(install, dep)
    try:
        upstream.wait_up(proc, dep)
        yield Target("upstream", dep.port, "", "admin", proc.pid, database)
    finally:
        upstream.stop_server(proc)
