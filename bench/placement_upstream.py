"""The peer for ``bench/placement.py``: upstream OpenStack Placement, installed and served.

Installs ``openstack-placement`` from PyPI (with gunicorn, and psycopg2 for PostgreSQL) into
its own virtual environment, ``bench/.venv-placement`` (git-ignored; reused when present and
importable). A deployment is a state folder with ``placement.conf`` (``auth_strategy =
noauth2``: every request carries ``X-Auth-Token: admin``), a ``gunicorn.conf.py`` and a
database made by ``placement-manage db sync``; the server is gunicorn with gthread workers
(keep-alive) on a free port of 127.0.0.1, the way a small deployment serves
``placement.wsgi.api:application``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = [
    "VENV",
    "Deployment",
    "Install",
    "deploy",
    "ensure_placement",
    "free_port",
    "log_tail",
    "start_server",
    "stop_server",
    "wait_up",
]

VENV = Path(__file__).resolve().parent / ".venv-placement"
REQUIREMENTS = ("openstack-placement", "gunicorn", "psycopg2-binary")
WORKERS = max(2, os.cpu_count() or 2)
THREADS = 4
PIP_TIMEOUT_S = 900.0
START_TIMEOUT_S = 60.0
CHECK = (
    "import importlib.metadata as m, gunicorn, psycopg2, placement.wsgi; "
    "print(m.version('openstack-placement'), m.version('gunicorn'))"
)


@dataclass(frozen=True)
class Install:
    venv: Path
    placement_version: str
    gunicorn_version: str

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    def describe(self) -> str:
        return (
            f"openstack-placement {self.placement_version}, gunicorn {self.gunicorn_version} "
            f"gthread {WORKERS}x{THREADS}"
        )


@dataclass(frozen=True)
class Deployment:
    state: Path
    port: int
    connection: str  # the oslo.db URL

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# -- installation ---------------------------------------------------------------------------


def _check_install(venv: Path) -> Install | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    result = subprocess.run(
        [str(python), "-W", "ignore", "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        return None
    placement, gunicorn = result.stdout.split()[-2:]
    return Install(venv, placement, gunicorn)


def _run_or_raise(cmd: list[str], what: str, timeout: float, cwd: Path | None = None) -> None:
    try:
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{what}: timed out after {timeout:.0f} s") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{tail}")


def ensure_placement(venv: Path = VENV) -> Install:
    """The venv with upstream Placement, created and installed from PyPI when missing."""
    found = _check_install(venv)
    if found is not None:
        return found
    shutil.rmtree(venv, ignore_errors=True)
    python3 = shutil.which("python3") or sys.executable
    _run_or_raise([python3, "-m", "venv", str(venv)], "creating the Placement venv", 120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    _run_or_raise(
        [*pip, *REQUIREMENTS],
        f"pip install {' '.join(REQUIREMENTS)} (is PyPI reachable?)",
        PIP_TIMEOUT_S,
    )
    found = _check_install(venv)
    if found is None:
        raise RuntimeError(f"Placement installed in {venv} but `placement.wsgi` won't import")
    return found


# -- deployment -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deploy(install: Install, state: Path, connection: str) -> Deployment:
    """A fresh state folder: placement.conf, gunicorn.conf.py, ``placement-manage db sync``."""
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    port = free_port()
    (state / "placement.conf").write_text(
        "[DEFAULT]\ndebug = false\n"
        "[api]\nauth_strategy = noauth2\n"
        f"[placement_database]\nconnection = {connection}\n"
    )
    # placement.wsgi parses sys.argv with oslo.config, so gunicorn gets no arguments and
    # reads ./gunicorn.conf.py instead.
    (state / "gunicorn.conf.py").write_text(
        'wsgi_app = "placement.wsgi.api:application"\n'
        f'bind = "127.0.0.1:{port}"\n'
        f"workers = {WORKERS}\n"
        f"threads = {THREADS}\n"
        'worker_class = "gthread"\n'
        "keepalive = 30\n"
        "graceful_timeout = 5\n"
        "control_socket_disable = True\n"
    )
    manage = [str(install.bin("placement-manage")), "--config-file", str(state / "placement.conf")]
    _run_or_raise([*manage, "db", "sync"], "placement-manage db sync", 300, cwd=state)
    return Deployment(state, port, connection)


# -- server ---------------------------------------------------------------------------------


def start_server(install: Install, dep: Deployment) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "GUNICORN_"))}
    env["OS_PLACEMENT_CONFIG_DIR"] = str(dep.state)
    env["PYTHONWARNINGS"] = "ignore"
    with (dep.state / "server.log").open("wb") as log:
        return subprocess.Popen(
            [str(install.bin("gunicorn"))],
            cwd=dep.state,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def log_tail(dep: Deployment, lines: int = 15) -> str:
    path = dep.state / "server.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def wait_up(proc: subprocess.Popen[bytes], dep: Deployment) -> float:
    """Seconds until an authenticated ``GET /resource_providers`` answers 200 (bounded)."""
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT_S:
        if proc.poll() is not None:
            raise RuntimeError(f"Placement exited ({proc.returncode}):\n{log_tail(dep)}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(
                f"{dep.base}/resource_providers", headers={"X-Auth-Token": "admin"}, timeout=5.0
            )
            if answer.status_code == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"Placement did not answer in {START_TIMEOUT_S:.0f} s:\n{log_tail(dep)}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM gunicorn's master (it stops its workers), then kill what is left of the group."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
