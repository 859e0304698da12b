"""One HAProxy per load balancer: check a configuration, start, reload hitlessly, stop.

HAProxy runs in master-worker mode as a daemon (``-W -D``): the master forks the worker that
serves, holds the master CLI (``-S master.sock``) and writes its pid to ``haproxy.pid``. It
has its own session, so it outlives the controller; everything this module needs to find it
again is on disk, which is how a new controller adopts what an old one left running.

A reload saves the servers' state (``show servers state`` into the ``server-state-file`` the
configuration loads), then signals the master (SIGUSR2). The master re-executes itself on
the new configuration; the new worker takes the listening sockets over from the old one
through the stats socket (``expose-fd listeners``), so no connection is refused, and the old
worker finishes the connections it holds. The reload is done when the master lists a new
worker and the stats socket answers from it.

The master is not a child of the controller once it daemonises; where the init process does
not reap orphans (some containers) it stays a zombie after it exits, which counts as gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths
from pocketstack.loadbalancer.amphora.haproxy_stats import ProcTable, cli, parse_show_proc
from pocketstack.loadbalancer.amphora.processes import cmdline, pid_alive, terminate

__all__ = ["HaproxyProcess"]

_POLL = 0.02  # seconds between looks while waiting on HAProxy
_LOG_TAIL = 2000  # characters of HAProxy's own messages quoted in an error


def _serves(pid: int, config: Path) -> bool:
    """Whether ``pid`` is an HAProxy running ``config`` (a pid file may outlive its process
    and its pid be reused by another program)."""
    args = cmdline(pid)
    return bool(args) and "haproxy" in Path(args[0]).name and str(config) in args[1:]


class HaproxyProcess:
    """The HAProxy master (and its workers) serving one load balancer's ``paths``.

    ``prefix``: what the start command runs under (``ip netns exec <ns>`` for a node of an
    ACTIVE_STANDBY pair); a reload re-executes the master where it already runs."""

    def __init__(
        self, paths: LbPaths, binary: str, *, timeout: float = 5.0, prefix: tuple[str, ...] = ()
    ) -> None:
        self.paths = paths
        self.binary = binary
        self.timeout = timeout
        self.prefix = prefix

    def master_pid(self) -> int | None:
        """The live master's pid from the pid file, or None when none runs."""
        pid = self._pid_file_pid()
        if pid is None or not pid_alive(pid) or not _serves(pid, self.paths.config):
            return None
        return pid

    def _pid_file_pid(self) -> int | None:
        try:
            return int(self.paths.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def all_pids(self) -> set[int]:
        """Every live process (master, workers, old workers) running this configuration,
        found in /proc: the pid file may be gone or stale after a crash."""
        found: set[int] = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                pid = int(entry.name)
                if _serves(pid, self.paths.config) and pid_alive(pid):
                    found.add(pid)
        return found

    async def check_config(self, config: Path) -> None:
        """``haproxy -c``: raise AmphoraError with HAProxy's complaint if it refuses."""
        proc = await asyncio.create_subprocess_exec(
            self.binary, "-c", "-f", str(config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            async with asyncio.timeout(self.timeout * 2):
                output, _ = await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AmphoraError("haproxy -c did not finish") from None
        if proc.returncode != 0:
            raise AmphoraError("HAProxy refused the configuration: " + output.decode()[-_LOG_TAIL:])

    async def start(self) -> None:
        """Start the master and wait until its worker serves."""
        self.paths.pid_file.unlink(missing_ok=True)  # a dead master's, or it reads as ours
        with self.paths.log.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                *self.prefix, self.binary, "-W", "-D",
                "-p", str(self.paths.pid_file),
                "-S", f"{self.paths.master_socket},mode,600",
                "-f", str(self.paths.config),
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip
            try:
                async with asyncio.timeout(self.timeout):
                    returncode = await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
                raise AmphoraError("haproxy did not daemonise") from None
        if returncode != 0:
            raise AmphoraError(f"haproxy did not start: {self._log_tail()}")
        await self._wait_serving(ProcTable())

    async def reload(self) -> None:
        """Load the (already checked) configuration without refusing a connection."""
        master = self.master_pid()
        if master is None:
            raise AmphoraError("no haproxy to reload")
        before = parse_show_proc(await cli(self.paths.master_socket, "show proc"))
        state = await cli(self.paths.stats_socket, "show servers state")
        await asyncio.to_thread(self._write_state, state)
        os.kill(master, signal.SIGUSR2)
        await self._wait_serving(before)

    async def stop(self, *, grace: float | None = None) -> None:
        """Stop the master and every worker (SIGTERM, then SIGKILL after ``grace``)."""
        pids = await asyncio.to_thread(self.all_pids)
        await terminate(pids, grace=self.timeout if grace is None else grace,
                        what="haproxy processes")

    async def _wait_serving(self, before: ProcTable) -> None:
        """Until the master lists a worker it did not list ``before`` and the stats socket
        answers from that worker (bounded by ``timeout``). A master that counts one more
        reload, a failed one, has kept its old workers on the old configuration."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            master = self._pid_file_pid()  # not master_pid(): a re-executing master has no cmdline
            if master is not None and not pid_alive(master):
                raise AmphoraError(f"haproxy exited: {self._log_tail()}")
            with contextlib.suppress(OSError, TimeoutError):
                now = parse_show_proc(await cli(self.paths.master_socket, "show proc"))
                fresh = [pid for pid in now.workers if pid not in before.workers]
                if not fresh and now.reloads > before.reloads and now.failed:
                    raise AmphoraError(
                        "HAProxy could not load the configuration (is a listener's address in"
                        " use?); the previous one still serves"
                    )
                if fresh:
                    info = await cli(self.paths.stats_socket, "show info")
                    if f"\nPid: {fresh[-1]}\n" in info:
                        return
            await asyncio.sleep(_POLL)
        raise AmphoraError(f"no new haproxy worker within {self.timeout}s: {self._log_tail()}")

    def _write_state(self, state: str) -> None:
        temporary = self.paths.server_state.with_suffix(".tmp")
        temporary.write_text(state)
        temporary.replace(self.paths.server_state)

    def _log_tail(self) -> str:
        try:
            return self.paths.log.read_text(errors="replace")[-_LOG_TAIL:].strip()
        except OSError:
            return "(no log)"
