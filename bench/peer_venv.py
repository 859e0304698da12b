"""An upstream OpenStack service as a benchmark peer: its own virtual environment from
PyPI, served by gunicorn on a free port of 127.0.0.1, started, awaited and stopped.

Shared by ``bench/keystone_peer.py`` and ``bench/placement_upstream.py``.
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
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = [
    "ensure_venv",
    "free_port",
    "installed_versions",
    "log_tail",
    "run_or_raise",
    "start_gunicorn",
    "stop_server",
    "wait_until",
]


def run_or_raise(cmd: list[str], what: str, timeout: float, cwd: Path | None = None) -> None:
    """Run ``cmd``; a failure or a time-out is a RuntimeError with the end of its output."""
    try:
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{what}: timed out after {timeout:.0f} s") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{tail}")


def installed_versions(venv: Path, check: str) -> tuple[str, str] | None:
    """The two versions ``check`` (Python code) prints last, or None when it fails."""
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    result = subprocess.run(
        [str(python), "-W", "ignore", "-c", check], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        return None
    first, second = result.stdout.split()[-2:]
    return first, second


def ensure_venv(
    venv: Path, requirements: list[str], check: str, *, what: str, pip_timeout: float
) -> tuple[str, str]:
    """The venv with ``requirements`` installed (reused when ``check`` passes)."""
    found = installed_versions(venv, check)
    if found is not None:
        return found
    shutil.rmtree(venv, ignore_errors=True)
    python3 = shutil.which("python3") or sys.executable
    run_or_raise([python3, "-m", "venv", str(venv)], f"creating the {what} venv", 120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    run_or_raise(
        [*pip, *requirements],
        f"pip install {' '.join(requirements)} (is PyPI reachable?)",
        pip_timeout,
    )
    found = installed_versions(venv, check)
    if found is None:
        raise RuntimeError(f"{what} installed in {venv} but does not import")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(venv: Path, state: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """gunicorn from ``venv``, configured by ``state/gunicorn.conf.py`` (the working dir),
    logging to ``state/server.log``, in a process group of its own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "GUNICORN_"))}
    with (state / "server.log").open("wb") as log:
        return subprocess.Popen(
            [str(venv / "bin" / "gunicorn")],
            cwd=state,
            env={**clean, "PYTHONWARNINGS": "ignore", **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def log_tail(state: Path, lines: int = 15) -> str:
    path = state / "server.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    proc: subprocess.Popen[bytes], state: Path, name: str, ready: Callable[[], bool], limit: float
) -> float:
    """Seconds until ``ready()`` (errors count as not yet), bounded by ``limit``."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited ({proc.returncode}):\n{log_tail(state)}")
        with contextlib.suppress(Exception):
            if ready():
                return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer in {limit:.0f} s:\n{log_tail(state)}")


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
