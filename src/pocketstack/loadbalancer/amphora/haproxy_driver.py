"""The real data plane: one HAProxy per load balancer on this host (the ``haproxy`` provider).

Each load balancer owns ``<state_dir>/<lb_id>/`` (mode 0700): ``haproxy.cfg``, the pid file,
the stats and master sockets (unless ``state_dir`` is too deep for a socket path: see
``socket_dir``), the server-state file, HAProxy's own log and ``certs/`` with every PEM
(mode 0600; keys are never logged). All state is on disk and read afresh on every
call, so a driver over the same ``state_dir`` adopts what a previous controller left running.

``apply`` renders, checks with ``haproxy -c`` (a refused configuration raises AmphoraError
and the running one is untouched), then starts HAProxy or reloads it hitlessly, and returns
once the new worker serves; a configuration identical to the running one changes nothing.

Topologies: SINGLE is one HAProxy. ``failover`` of a SINGLE load balancer stops the old
HAProxy and starts a new one: connections are refused in between (there is no second amphora
to take over). ACTIVE_STANDBY is two HAProxy nodes in network namespaces with keepalived VRRP
holding the VIP (``active_standby``); it needs root and ``vip_cidr``, and raises AmphoraError
without them rather than serve as SINGLE. A load balancer directory holding ``pair.json``
is a pair's: ``remove``, ``health``, ``running`` and ``close`` find it from disk.

UDP listeners are not HAProxy's: a SINGLE load balancer's are served by a userspace UDP
balancer process beside it (``udp_process``, ``udp_balancer``), whose observations ``health``
merges in; ACTIVE_STANDBY pairs refuse UDP listeners.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import resource
import shutil
import tempfile
from pathlib import Path

from pocketstack.loadbalancer.amphora.active_standby import ActiveStandby
from pocketstack.loadbalancer.amphora.base import AmphoraError, HealthReport
from pocketstack.loadbalancer.amphora.haproxy_apply import apply_haproxy
from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths, render
from pocketstack.loadbalancer.amphora.haproxy_counters import (
    carried,
    load_offsets,
    save_offsets,
    with_offsets,
)
from pocketstack.loadbalancer.amphora.haproxy_process import HaproxyProcess
from pocketstack.loadbalancer.amphora.haproxy_stats import cli, parse_show_stat
from pocketstack.loadbalancer.amphora.model import LoadBalancerConfig
from pocketstack.loadbalancer.amphora.udp_process import UdpBalancer, has_udp, merged

__all__ = ["HaproxyDriver", "max_connections_for_fd_limit"]

log = logging.getLogger("pocketstack.loadbalancer.amphora")

_LB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SOCKET_PATH_MAX = 97  # HAProxy refuses longer socket paths (the kernel allows 107)
_UUID_SIZED = "x" * 36  # load balancer ids are UUIDs
_FDS_PER_CONNECTION = 3  # client + server sockets, plus a share of splice pipes
_FD_HEADROOM = 256  # listeners, checks, sockets, logs


def max_connections_for_fd_limit() -> int:
    """The most connections one HAProxy can hold within this process's open-file limit
    (which it inherits), so that ``maxconn`` never promises more than the descriptors."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(1, (soft - _FD_HEADROOM) // _FDS_PER_CONNECTION)


class HaproxyDriver:
    """``AmphoraDriver`` over local HAProxy processes.

    ``keep_running``: whether ``close`` leaves the load balancers serving (a controller that
    restarts adopts them) or stops them (an all-in-one shutting down cleanly).
    ``timeout``: seconds to wait for HAProxy to start, reload or stop.
    ``socket_dir``: where the stats and master sockets go (``<socket_dir>/<lb_id>/``); by
    default ``state_dir``, or a directory in the temporary directory derived from it when
    ``state_dir`` is too deep for UNIX socket paths (HAProxy takes 97 bytes).
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        haproxy_binary: str = "haproxy",
        keep_running: bool = False,
        timeout: float = 5.0,
        socket_dir: Path | None = None,
    ) -> None:
        if socket_dir is None:
            socket_dir = state_dir if _fits_sockets(state_dir) else _short_socket_dir(state_dir)
        if not _fits_sockets(socket_dir):
            raise ValueError(f"{socket_dir} is too long to hold UNIX sockets")
        self.state_dir = state_dir
        self.socket_dir = socket_dir
        self.binary = shutil.which(haproxy_binary) or haproxy_binary
        self.keep_running = keep_running
        self.timeout = timeout
        self.max_connections = max_connections_for_fd_limit()
        self._locks: dict[str, asyncio.Lock] = {}
        self._exporter: bool | None = None
        self._pairs = ActiveStandby(
            state_dir, socket_dir, binary=self.binary, timeout=timeout,
            max_connections=self.max_connections, exporter=self._has_exporter,
        )  # fmt: skip

    def paths(self, lb_id: str) -> LbPaths:
        if not _LB_ID.match(lb_id):
            raise AmphoraError(f"{lb_id!r} cannot name a load balancer directory")
        run = None if self.socket_dir == self.state_dir else self.socket_dir / lb_id
        paths = LbPaths(self.state_dir / lb_id, run)
        if len(os.fsencode(paths.master_socket)) > _SOCKET_PATH_MAX:
            raise AmphoraError(f"{paths.master_socket} is too long for a UNIX socket path")
        return paths

    def _process(self, lb_id: str) -> HaproxyProcess:
        return HaproxyProcess(self.paths(lb_id), self.binary, timeout=self.timeout)

    def _udp(self, lb_id: str) -> UdpBalancer:
        return UdpBalancer(self.paths(lb_id).root, timeout=self.timeout)

    def _lock(self, lb_id: str) -> asyncio.Lock:
        return self._locks.setdefault(lb_id, asyncio.Lock())

    async def apply(self, config: LoadBalancerConfig) -> None:
        async with self._lock(config.id):
            if config.topology == "ACTIVE_STANDBY":
                if has_udp(config):
                    raise AmphoraError("UDP listeners are not served on ACTIVE_STANDBY pairs")
                await self._pairs.apply(config)
            else:
                await self._apply(config)

    async def _apply(self, config: LoadBalancerConfig) -> None:
        process = self._process(config.id)
        text = render(
            config,
            process.paths,
            max_connections=self.max_connections,
            prometheus_exporter=await self._has_exporter(),
        )
        await apply_haproxy(
            process,
            config,
            text,
            name=f"load balancer {config.id}",
            before_reload=lambda: self._carry_counters(config.id),
        )
        await self._udp(config.id).apply(config)

    async def remove(self, lb_id: str) -> None:
        async with self._lock(lb_id):
            if self._pairs.owns(lb_id):
                await self._pairs.remove(lb_id)
            process = self._process(lb_id)
            await process.stop()
            await self._udp(lb_id).stop()
            for directory in (process.paths.root, process.paths.run):
                if directory is not None:
                    await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)
        self._locks.pop(lb_id, None)
        log.info("load balancer %s: removed", lb_id)

    async def failover(self, config: LoadBalancerConfig, old_amphora_ids: tuple[str, ...]) -> None:
        """SINGLE: a fresh HAProxy replaces the old one (stop, then start: a short outage).
        ACTIVE_STANDBY: each node is rebuilt in turn, the standby first."""
        async with self._lock(config.id):
            if config.topology == "ACTIVE_STANDBY":
                return await self._pairs.failover(config)
            await self._carry_counters(config.id)
            await self._process(config.id).stop()
            await self._udp(config.id).stop()
            await self._apply(config)

    async def health(self, lb_id: str) -> HealthReport:
        if self._pairs.owns(lb_id):
            return await self._pairs.health(lb_id)
        udp = await asyncio.to_thread(self._udp(lb_id).report)
        return merged(await self._haproxy_health(lb_id), udp)

    async def _haproxy_health(self, lb_id: str) -> HealthReport:
        process = self._process(lb_id)
        offsets = await asyncio.to_thread(load_offsets, self._counters(lb_id))
        if process.master_pid() is None:
            return with_offsets(HealthReport(alive=False), offsets)
        try:
            report = parse_show_stat(await cli(process.paths.stats_socket, "show stat"))
        except (OSError, TimeoutError):
            report = HealthReport(alive=False)
        return with_offsets(report, offsets)

    def _counters(self, lb_id: str) -> Path:
        return self.paths(lb_id).root / "counters.json"

    async def _carry_counters(self, lb_id: str) -> None:
        """Keep what the running worker counted before it is replaced (see
        ``haproxy_counters``)."""
        report = await self._haproxy_health(lb_id)
        if report.alive:
            await asyncio.to_thread(save_offsets, self._counters(lb_id), carried(report))

    async def running(self) -> set[str]:
        return {
            lb_id
            for lb_id in self._known()
            if self._process(lb_id).master_pid()
            or self._pairs.alive(lb_id)
            or self._udp(lb_id).pid()
        }

    async def remove_orphans(self, keep: set[str]) -> list[str]:
        """Stop and delete every load balancer under ``state_dir`` not in ``keep`` (the
        controller's known ones, at start-up); return the ids removed."""
        orphans = sorted(set(self._known()) - keep)
        for lb_id in orphans:
            await self.remove(lb_id)
        return orphans

    async def close(self) -> None:
        if not self.keep_running:
            for lb_id in self._known():
                async with self._lock(lb_id):
                    await self._pairs.stop(lb_id)
                    await self._carry_counters(lb_id)
                    await self._process(lb_id).stop()
                    await self._udp(lb_id).stop()

    def _known(self) -> list[str]:
        if not self.state_dir.is_dir():
            return []
        return sorted(
            d.name for d in self.state_dir.iterdir() if d.is_dir() and _LB_ID.match(d.name)
        )

    async def _has_exporter(self) -> bool:
        """Whether this HAProxy was built with the Prometheus exporter (``haproxy -vv``)."""
        if self._exporter is None:
            proc = await asyncio.create_subprocess_exec(
                self.binary,
                "-vv",
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            output, _ = await proc.communicate()
            self._exporter = b"prometheus-exporter" in output
        return self._exporter


def _fits_sockets(directory: Path) -> bool:
    """Whether a load balancer's sockets fit under ``directory`` (ids are UUIDs)."""
    # A pair node's sockets sit one level deeper (``<lb_id>/backup/``).
    longest = directory / _UUID_SIZED / "backup" / LbPaths(Path()).master_socket.name
    return len(os.fsencode(longest)) <= _SOCKET_PATH_MAX


def _short_socket_dir(state_dir: Path) -> Path:
    """Where the sockets go when ``state_dir`` is too deep: a directory in the temporary
    directory named after ``state_dir``, so that a driver over the same state finds them."""
    digest = hashlib.sha1(os.fsencode(state_dir.absolute())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"pocketstack-lb-{digest}"
