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

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx

import peer_venv as peer

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


def ensure_placement(venv: Path = VENV) -> Install:
    """The venv with upstream Placement, created and installed from PyPI when missing."""
    placement, gunicorn = peer.ensure_venv(
        venv, list(REQUIREMENTS), CHECK, what="Placement", pip_timeout=PIP_TIMEOUT_S
    )
    return Install(venv, placement, gunicorn)


# -- deployment -----------------------------------------------------------------------------


free_port = peer.free_port


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
    peer.run_or_raise([*manage, "db", "sync"], "placement-manage db sync", 300, cwd=state)
    return Deployment(state, port, connection)


# -- server ---------------------------------------------------------------------------------


def start_server(install: Install, dep: Deployment) -> subprocess.Popen[bytes]:
    return peer.start_gunicorn(install.venv, dep.state, {"OS_PLACEMENT_CONFIG_DIR": str(dep.state)})


def log_tail(dep: Deployment, lines: int = 15) -> str:
    return peer.log_tail(dep.state, lines)


def wait_up(proc: subprocess.Popen[bytes], dep: Deployment) -> float:
    """Seconds until an authenticated ``GET /resource_providers`` answers 200 (bounded)."""

    def ready() -> bool:
        answer = httpx.get(
            f"{dep.base}/resource_providers", headers={"X-Auth-Token": "admin"}, timeout=5.0
        )
        return answer.status_code == 200

    return peer.wait_until(proc, dep.state, "Placement", ready, START_TIMEOUT_S)


stop_server = peer.stop_server
