"""``pocketstack up`` as a process of its own on a free port: started (waiting until a URL
answers), killed with SIGKILL, or stopped with Ctrl-C. For the tests that kill a cloud."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

__all__ = ["CloudProcess", "free_port"]

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CloudProcess:
    """One cloud in ``data_dir``; ``base`` is its URL. ``env`` adds ``POCKETSTACK_*``
    settings (bcrypt cost 4 is always set); it is ready when GET ``ready`` answers
    ``ready_status``. Its stderr goes to ``server.log`` beside the data dir."""

    def __init__(self, data_dir: Path, *, ready: str, ready_status: int = 200,
                 env: Mapping[str, str] | None = None, start_s: float = 30.0) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ready = ready
        self.ready_status = ready_status
        self.env = {"POCKETSTACK_IDENTITY__PASSWORD_HASH_ROUNDS": "4", **(env or {})}
        self.start_s = start_s
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "POCKETSTACK_"))}
        env.update(self.env)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir.parent / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "pocketstack"), "up", "--data-dir", str(self.data_dir),
                 "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + self.start_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited during start-up"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + self.ready, timeout=1).status_code == self.ready_status:
                    return
            time.sleep(0.05)
        raise AssertionError(f"server did not start within {self.start_s:g} s")

    def admin_password(self) -> str:
        return (self.data_dir / "admin-password").read_text().strip()

    async def died(self, within: float) -> None:
        """Wait (at most ``within`` seconds) until the process has exited on its own, as a
        deterministic crash hook makes it."""
        assert self.proc is not None
        deadline = time.monotonic() + within
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, "the hook did not kill the process"
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
