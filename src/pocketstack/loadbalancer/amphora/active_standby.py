"""ACTIVE_STANDBY: two HAProxy nodes, one per amphora, with keepalived VRRP holding the VIP.

Each node (role MASTER or BACKUP) lives in its own network namespace on a private bridge
(``netns``) and owns ``<state_dir>/<lb_id>/<role>/``: its ``haproxy.cfg`` (the same
rendering as SINGLE, bound to the VIP with ``ip_nonlocal_bind``), its HAProxy pid file and
sockets, and its keepalived files (``keepalived``). ``<state_dir>/<lb_id>/pair.json``
records the subnet, the VIP and the VRRP password; it is written before anything is created,
so a controller killed at any point finds (and ``remove`` deletes) everything from disk.

``apply`` ensures the network, brings each node's HAProxy to the configuration (a hitless
reload per node when it runs), then starts keepalived where it does not run: on a fresh pair
the MASTER's first and alone until it holds the VIP, so the MASTER serves; nodes are
``nopreempt``, so after a switchover the BACKUP keeps the VIP. ``failover`` replaces the
nodes one at a time, the standby first (the node not holding the VIP: the BACKUP unless a
switchover left it holding the VIP), then the holder, whose keepalived is stopped first so
its peer takes the VIP over before it goes. ``health`` reads the node holding the VIP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError, HealthReport
from pocketstack.loadbalancer.amphora.haproxy_apply import apply_haproxy, private_dir, write_private
from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths, render
from pocketstack.loadbalancer.amphora.haproxy_process import HaproxyProcess
from pocketstack.loadbalancer.amphora.haproxy_stats import cli, parse_show_stat
from pocketstack.loadbalancer.amphora.keepalived import (
    ADVERT_INT,
    Keepalived,
    KeepalivedPaths,
    VrrpInstance,
    check_script,
    notify_script,
    render_keepalived,
    virtual_router_id,
)
from pocketstack.loadbalancer.amphora.model import LoadBalancerConfig
from pocketstack.loadbalancer.amphora.netns import (
    INNER_LINK,
    UNSUPPORTED,
    PairNetwork,
    ensure_network,
    holds_address,
    namespace_pids,
    plan_network,
    remove_network,
    remove_node,
)

__all__ = ["ActiveStandby"]

log = logging.getLogger("pocketstack.loadbalancer.amphora")

ROLES = ("MASTER", "BACKUP")
RECORD = "pair.json"
_PRIORITY = {"MASTER": 100, "BACKUP": 90}
_SOCKET_PATH_MAX = 97
_LB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ELECTION = 3 * ADVERT_INT + 3.0  # seconds: master_down_interval, plus start-up slack


class ActiveStandby:
    """The ACTIVE_STANDBY half of ``HaproxyDriver`` (which holds the per-lb lock)."""

    def __init__(
        self,
        state_dir: Path,
        socket_dir: Path,
        *,
        binary: str,
        timeout: float,
        max_connections: int,
        exporter: Callable[[], Awaitable[bool]],
    ) -> None:
        self.state_dir = state_dir
        self.socket_dir = socket_dir
        self.binary = binary
        self.timeout = timeout
        self.max_connections = max_connections
        self.exporter = exporter

    def owns(self, lb_id: str) -> bool:
        """Whether ``lb_id``'s directory is a pair's (its record is there)."""
        return (self.state_dir / lb_id / RECORD).is_file()

    def _paths(self, lb_id: str, role: str) -> LbPaths:
        if not _LB_ID.match(lb_id):
            raise AmphoraError(f"{lb_id!r} cannot name a load balancer directory")
        node = role.lower()
        run = None if self.socket_dir == self.state_dir else self.socket_dir / lb_id / node
        paths = LbPaths(self.state_dir / lb_id / node, run)
        if len(os.fsencode(paths.master_socket)) > _SOCKET_PATH_MAX:
            raise AmphoraError(f"{paths.master_socket} is too long for a UNIX socket path")
        return paths

    def _haproxy(self, lb_id: str, net: PairNetwork, role: str) -> HaproxyProcess:
        prefix = ("ip", "netns", "exec", net.node(role).namespace)
        return HaproxyProcess(self._paths(lb_id, role), self.binary, timeout=self.timeout,
                              prefix=prefix)  # fmt: skip

    def _keepalived(self, lb_id: str, net: PairNetwork, role: str) -> Keepalived:
        root = self._paths(lb_id, role).root
        return Keepalived(KeepalivedPaths(root), net.node(role).namespace, timeout=self.timeout)

    def _load(self, lb_id: str) -> tuple[PairNetwork, str] | None:
        try:
            record = json.loads((self.state_dir / lb_id / RECORD).read_text())
            return plan_network(lb_id, record["vip"], record["cidr"]), str(record["password"])
        except (OSError, ValueError, KeyError, TypeError, AmphoraError):
            return None

    async def _prepare(self, config: LoadBalancerConfig) -> tuple[PairNetwork, str]:
        """Check the pair can be served, record it (before creating anything) and return its
        network and VRRP password; a different subnet or VIP replaces the old pair."""
        if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("keepalived"):
            raise AmphoraError(f"{UNSUPPORTED} (not root, or ip/keepalived missing)")
        if {a.role for a in config.amphorae} != set(ROLES):
            raise AmphoraError("ACTIVE_STANDBY needs one MASTER and one BACKUP amphora")
        net = plan_network(config.id, config.vip_address, config.vip_cidr)
        loaded = self._load(config.id)
        if loaded is not None and loaded[0] != net:
            await self.remove(config.id)
            loaded = None
        password = loaded[1] if loaded else secrets.token_hex(4)
        record = {"lb_id": config.id, "cidr": net.cidr, "vip": net.vip, "password": password}
        root = self.state_dir / config.id
        await asyncio.to_thread(private_dir, root)
        await asyncio.to_thread(write_private, root / RECORD, json.dumps(record) + "\n")
        return net, password

    async def apply(self, config: LoadBalancerConfig) -> None:
        net, password = await self._prepare(config)
        await ensure_network(net)
        for role in ROLES:
            await self._apply_haproxy(config, net, role)
        fresh = not any(self._keepalived(config.id, net, r).running() for r in ROLES)
        for role in ROLES:
            await self._apply_keepalived(config.id, net, role, password, fresh=fresh)

    async def _apply_haproxy(self, config: LoadBalancerConfig, net: PairNetwork, role: str) -> None:
        process = self._haproxy(config.id, net, role)
        exporter = await self.exporter()
        text = render(config, process.paths, max_connections=self.max_connections,
                      prometheus_exporter=exporter)  # fmt: skip
        name = f"load balancer {config.id} {role}"
        await apply_haproxy(process, config, text, name=name)

    async def _apply_keepalived(
        self, lb_id: str, net: PairNetwork, role: str, password: str, *, fresh: bool
    ) -> None:
        keepalived = self._keepalived(lb_id, net, role)
        paths = keepalived.paths
        node, peer = net.node(role), net.peer(role)
        instance = VrrpInstance(
            name=f"ps_{net.bridge[3:]}", interface=INNER_LINK, own_ip=node.address,
            peer_ip=peer.address, vip=net.vip, router_id=virtual_router_id(lb_id),
            priority=_PRIORITY[role], password=password,
        )  # fmt: skip
        haproxy_pid = self._paths(lb_id, role).pid_file
        scripts = {
            paths.check_script: check_script(haproxy_pid),
            paths.notify_script: notify_script(paths.state_file),
        }
        for path, text in scripts.items():
            await asyncio.to_thread(write_private, path, text, 0o700)
        text = render_keepalived(instance, paths)
        changed = _read(paths.config) != text
        if changed:
            await asyncio.to_thread(write_private, paths.config, text)
        if not keepalived.running():
            await keepalived.start()
            if fresh and role == "MASTER":  # alone, it wins the first election
                await keepalived.wait_state({"MASTER"}, within=_ELECTION)
            log.info("load balancer %s: keepalived %s started", lb_id, role)
        elif changed:
            await keepalived.reload()

    async def _holder(self, net: PairNetwork) -> str | None:
        """The role of the node holding the VIP now, if any."""
        for node in net.nodes:
            if await holds_address(node.namespace, net.vip):
                return node.role
        return None

    async def failover(self, config: LoadBalancerConfig) -> None:
        net, password = await self._prepare(config)
        await ensure_network(net)
        holder = await self._holder(net) or "MASTER"
        for role in sorted(ROLES, key=lambda r: r == holder):  # the standby first
            await self._replace(config, net, role, password)

    async def _replace(
        self, config: LoadBalancerConfig, net: PairNetwork, role: str, password: str
    ) -> None:
        """Rebuild one node from nothing, as the same role, while its peer serves."""
        keepalived = self._keepalived(config.id, net, role)
        if await holds_address(net.node(role).namespace, net.vip):
            await keepalived.stop()  # it gives the VIP up; the peer takes it
            deadline = time.monotonic() + _ELECTION
            while time.monotonic() < deadline:
                if await self._holder(net) == net.peer(role).role:
                    break
                await asyncio.sleep(0.05)
        await self._stop_node(config.id, net, role)
        await remove_node(net.node(role))
        await ensure_network(net)
        await self._apply_haproxy(config, net, role)
        await self._apply_keepalived(config.id, net, role, password, fresh=False)
        log.info("load balancer %s: amphora %s replaced", config.id, role)

    async def _stop_node(self, lb_id: str, net: PairNetwork, role: str) -> None:
        await self._keepalived(lb_id, net, role).stop()
        await self._haproxy(lb_id, net, role).stop()
        for pid in await namespace_pids(net.node(role).namespace):  # anything else of ours
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    async def remove(self, lb_id: str) -> None:
        """Stop both nodes, delete the network and every file (idempotent)."""
        loaded = self._load(lb_id)
        if loaded is not None:
            net = loaded[0]
            for role in ROLES:
                await self._stop_node(lb_id, net, role)
            await remove_network(net)
        roots = [self.state_dir / lb_id, self.socket_dir / lb_id]
        for directory in roots:
            await asyncio.to_thread(shutil.rmtree, directory, ignore_errors=True)

    async def stop(self, lb_id: str) -> None:
        """Stop both nodes' processes, keeping network and files (``close``)."""
        loaded = self._load(lb_id)
        if loaded is not None:
            for role in ROLES:
                await self._stop_node(lb_id, loaded[0], role)

    def alive(self, lb_id: str) -> bool:
        loaded = self._load(lb_id)
        return loaded is not None and any(
            self._haproxy(lb_id, loaded[0], role).master_pid() for role in ROLES
        )

    async def health(self, lb_id: str) -> HealthReport:
        """What the node holding the VIP observes (the MASTER's when none holds it)."""
        loaded = self._load(lb_id)
        if loaded is None:
            return HealthReport(alive=False)
        net = loaded[0]
        holder = await self._holder(net) or "MASTER"
        for role in sorted(ROLES, key=lambda r: r != holder):
            process = self._haproxy(lb_id, net, role)
            if process.master_pid() is not None:
                with contextlib.suppress(OSError, TimeoutError):
                    return parse_show_stat(await cli(process.paths.stats_socket, "show stat"))
        return HealthReport(alive=False)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None
