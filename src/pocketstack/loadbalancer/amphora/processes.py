"""Processes of the data plane (HAProxy, keepalived, the UDP balancer) as /proc shows them,
and stopping them: SIGTERM, then SIGKILL, each with a bounded wait."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError

__all__ = ["cmdline", "pid_alive", "terminate"]

_POLL = 0.02  # seconds between looks at a process that was signalled


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    """The arguments ``pid`` was started with (empty when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]


async def terminate(pids: set[int], *, grace: float, what: str) -> None:
    """SIGTERM to each of ``pids``; those still alive after ``grace`` seconds get SIGKILL,
    and as long again to go. ``what`` names them in the error when some outlive that."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while pids and time.monotonic() < deadline:
            await asyncio.sleep(_POLL)
            pids = {pid for pid in pids if pid_alive(pid)}
        if not pids:
            return
    raise AmphoraError(f"{what} {sorted(pids)} outlived SIGKILL")
