"""The driver's side of the UDP balancer (``udp_balancer``): configure, start, reload, stop.

A load balancer with at least one UDP listener has, beside its HAProxy files, ``udp.json``
(the UDP listeners and their default pools, with a ``generation`` counter), ``udp.pid``,
``udp-status.json`` (written by the balancer every second) and ``udp.log``. ``apply`` writes
the file when it changed, then starts the balancer (in its own session, so it outlives the
controller) or signals it to reload (SIGHUP), and returns once the status file echoes the new
generation. Everything is found again from disk: a new driver adopts a running balancer
whose command line names the configuration file.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from pocketstack.loadbalancer.amphora.base import AmphoraError, HealthReport, ListenerStats
from pocketstack.loadbalancer.amphora.haproxy_apply import write_private
from pocketstack.loadbalancer.amphora.model import LoadBalancerConfig, PoolConfig
from pocketstack.loadbalancer.amphora.processes import cmdline, pid_alive, terminate

__all__ = ["UdpBalancer", "has_udp", "merged", "udp_document"]

_MODULE = "pocketstack.loadbalancer.amphora.udp_balancer"
_POLL = 0.02
_LOG_TAIL = 2000
_PERSISTENCE_TIMEOUT = 360  # seconds, Octavia's default for UDP pools


def has_udp(config: LoadBalancerConfig) -> bool:
    return any(listener.protocol == "UDP" for listener in config.listeners)


def udp_document(config: LoadBalancerConfig) -> dict[str, Any] | None:
    """What the balancer serves for ``config`` (without ``generation``); None when nothing."""
    listeners = [ls for ls in config.listeners if ls.protocol == "UDP"]
    if not config.enabled or not listeners:
        return None
    wanted = {ls.default_pool_id for ls in listeners}
    return {
        "vip": config.vip_address,
        "listeners": [
            {"id": ls.id, "port": ls.protocol_port, "pool": ls.default_pool_id,
             "timeout_client_data": ls.timeout_client_data}
            for ls in listeners
        ],
        "pools": [_pool(p) for p in config.pools if p.id in wanted],
    }  # fmt: skip


def _pool(pool: PoolConfig) -> dict[str, Any]:
    persistence = pool.session_persistence
    monitor = pool.healthmonitor
    keeps = persistence is not None and persistence.type == "SOURCE_IP"
    return {
        "id": pool.id,
        "lb_algorithm": pool.lb_algorithm,
        "persistence_timeout": (persistence.persistence_timeout or _PERSISTENCE_TIMEOUT)
        if keeps and persistence is not None else None,
        "persistence_granularity": persistence.persistence_granularity
        if keeps and persistence is not None else None,
        "monitor": None if monitor is None else {
            "type": monitor.type, "delay": monitor.delay, "timeout": monitor.timeout,
            "rise": monitor.max_retries, "fall": monitor.max_retries_down,
            "http_method": monitor.http_method, "url_path": monitor.url_path,
            "expected_codes": monitor.expected_codes, "domain_name": monitor.domain_name,
        },
        "members": [
            {"id": m.id, "address": m.address, "port": m.protocol_port, "weight": m.weight,
             "backup": m.backup, "enabled": m.enabled, "monitor_address": m.monitor_address,
             "monitor_port": m.monitor_port}
            for m in pool.members
        ],
    }  # fmt: skip


def merged(report: HealthReport, udp: HealthReport | None) -> HealthReport:
    """HAProxy's ``report`` and the UDP balancer's together (their ids are distinct)."""
    if udp is None:
        return report
    return HealthReport(
        alive=report.alive or udp.alive,
        listeners={**report.listeners, **udp.listeners},
        pools={**report.pools, **udp.pools},
        members={**report.members, **udp.members},
        stats={**report.stats, **udp.stats},
    )


class UdpBalancer:
    """The UDP balancer process of the load balancer whose directory is ``root``."""

    def __init__(self, root: Path, *, timeout: float = 5.0) -> None:
        self.root = root
        self.config = root.absolute() / "udp.json"
        self.pid_file = root / "udp.pid"
        self.status_file = root / "udp-status.json"
        self.log = root / "udp.log"
        self.timeout = timeout

    def pid(self) -> int | None:
        """The running balancer's pid (from its pid file), or None."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if pid_alive(pid) and self._serves(pid) else None

    def _serves(self, pid: int) -> bool:
        args = cmdline(pid)
        return _MODULE in args and str(self.config) in args

    async def apply(self, config: LoadBalancerConfig) -> None:
        """Serve ``config``'s UDP listeners, or stop serving when it has none."""
        doc = udp_document(config)
        if doc is None:
            await self.remove()
            return
        previous = await asyncio.to_thread(self._read, self.config)
        running = self.pid()
        generation = int(previous.pop("generation", 0)) if previous else 0
        if running is not None and previous == doc:
            return
        doc["generation"] = generation + 1
        await asyncio.to_thread(write_private, self.config, json.dumps(doc, indent=1))
        if running is None:
            await self._start()
        else:
            os.kill(running, signal.SIGHUP)
        await self._wait(doc["generation"])

    async def _start(self) -> None:
        await self.stop()
        self.pid_file.unlink(missing_ok=True)
        self.status_file.unlink(missing_ok=True)
        with self.log.open("ab") as log:
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", _MODULE, str(self.config),
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )  # fmt: skip

    async def _wait(self, generation: int) -> None:
        """Until the balancer's status echoes ``generation`` (bounded by ``timeout``)."""
        deadline = time.monotonic() + self.timeout
        started = False
        while time.monotonic() < deadline:
            pid = self.pid()
            started = started or pid is not None
            status = await asyncio.to_thread(self._read, self.status_file)
            if status is not None and status.get("generation") == generation and pid:
                if status.get("errors"):
                    raise AmphoraError("UDP balancer: " + "; ".join(status["errors"]))
                return
            if started and pid is None:
                raise AmphoraError(f"UDP balancer exited: {self._log_tail()}")
            await asyncio.sleep(_POLL)
        raise AmphoraError(f"UDP balancer did not load generation {generation}: {self._log_tail()}")

    async def stop(self) -> None:
        """Stop the balancer (SIGTERM, then SIGKILL after ``timeout``)."""
        pids = await asyncio.to_thread(self._all_pids)
        await terminate(pids, grace=self.timeout, what="UDP balancer")

    async def remove(self) -> None:
        """Stop it and delete its files."""
        await self.stop()
        for path in (self.config, self.pid_file, self.status_file, self.log):
            path.unlink(missing_ok=True)

    def _all_pids(self) -> set[int]:
        """Every live balancer of this configuration (the pid file may be stale or gone)."""
        return {
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and self._serves(int(entry.name)) and pid_alive(int(entry.name))
        }

    def report(self) -> HealthReport | None:
        """What the balancer observes (None when this load balancer has no UDP listener)."""
        if not self.config.exists():
            return None
        status = self._read(self.status_file) if self.pid() is not None else None
        if status is None:
            return HealthReport(alive=False)
        return HealthReport(
            alive=True,
            listeners=dict(status.get("listeners", {})),
            pools=dict(status.get("pools", {})),
            members=dict(status.get("members", {})),
            stats={lid: ListenerStats(**s) for lid, s in status.get("stats", {}).items()},
        )

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-_LOG_TAIL:].strip()
        except OSError:
            return "(no log)"
