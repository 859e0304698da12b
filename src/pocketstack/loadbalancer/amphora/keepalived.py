"""keepalived for one node of an ACTIVE_STANDBY pair (spec §4.6): render, start, reload, stop.

Each node runs ``keepalived --vrrp`` inside its namespace (``ip netns exec``) as a daemon with
its own pid files, so it outlives the controller and is found again from disk. The VRRP
instance is unicast to the peer's ``vrrp_ip``, ``nopreempt`` (both nodes start as BACKUP; the
higher priority wins the first election, and a node that comes back never takes the VIP
from the one holding it), ``accept``, ``advert_int 1``, auth ``PASS`` and a ``vrrp_script``
that checks every second that the node's HAProxy master is alive and, after 2 failures,
puts the node in FAULT: it gives the VIP up and its peer takes it. A notify script writes the
node's VRRP state (MASTER BACKUP FAULT STOP) to ``vrrp.state`` next to the configuration.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import signal
import time
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.processes import cmdline, pid_alive, terminate

__all__ = [
    "Keepalived",
    "KeepalivedPaths",
    "VrrpInstance",
    "check_script",
    "notify_script",
    "render_keepalived",
    "virtual_router_id",
]

ADVERT_INT = 1
CHECK_INTERVAL = 1
FAIL_COUNT = 2
_POLL = 0.05


@dataclasses.dataclass(frozen=True)
class KeepalivedPaths:
    """One node's keepalived files, in the node's directory."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "keepalived.conf"

    @property
    def pid_file(self) -> Path:
        return self.root / "keepalived.pid"

    @property
    def vrrp_pid_file(self) -> Path:
        return self.root / "keepalived-vrrp.pid"

    @property
    def check_script(self) -> Path:
        return self.root / "check-haproxy.sh"

    @property
    def notify_script(self) -> Path:
        return self.root / "notify.sh"

    @property
    def state_file(self) -> Path:
        return self.root / "vrrp.state"


@dataclasses.dataclass(frozen=True)
class VrrpInstance:
    name: str  # the instance and router name: ps_<lb8>
    interface: str
    own_ip: str
    peer_ip: str
    vip: str
    router_id: int  # virtual_router_id, 1..255
    priority: int
    password: str  # at most 8 characters (PASS authentication)


def virtual_router_id(lb_id: str) -> int:
    """A VRID derived from the load balancer id (1..255; unicast peers keep pairs apart)."""
    return 1 + int(hashlib.sha256(lb_id.encode()).hexdigest(), 16) % 255


def render_keepalived(instance: VrrpInstance, paths: KeepalivedPaths) -> str:
    i = instance
    return "\n".join([
        f"# Rendered for {i.name}; rewritten on every change.",
        "global_defs {",
        f"    router_id {i.name}",
        "    script_user root",
        "    vrrp_garp_master_refresh 5",
        "    vrrp_garp_master_refresh_repeat 2",
        "}",
        "",
        "vrrp_script check_haproxy {",
        f'    script "{paths.check_script}"',
        f"    interval {CHECK_INTERVAL}",
        f"    timeout {CHECK_INTERVAL}",
        f"    fall {FAIL_COUNT}",
        "    rise 2",
        "}",
        "",
        f"vrrp_instance {i.name} {{",
        "    state BACKUP",
        f"    interface {i.interface}",
        f"    virtual_router_id {i.router_id}",
        f"    priority {i.priority}",
        "    nopreempt",
        "    accept",
        f"    advert_int {ADVERT_INT}",
        f"    unicast_src_ip {i.own_ip}",
        "    unicast_peer {",
        f"        {i.peer_ip}",
        "    }",
        "    authentication {",
        "        auth_type PASS",
        f"        auth_pass {i.password}",
        "    }",
        "    virtual_ipaddress {",
        f"        {i.vip}/32 dev {i.interface}",
        "    }",
        "    track_script {",
        "        check_haproxy",
        "    }",
        f'    notify "{paths.notify_script}"',
        "}",
        "",
    ])  # fmt: skip


def check_script(haproxy_pid_file: Path) -> str:
    """Exit 0 while the HAProxy master of the pid file runs (a zombie has exited)."""
    return f"""#!/bin/sh
pid=$(head -n 1 "{haproxy_pid_file}" 2>/dev/null) || exit 1
[ -n "$pid" ] || exit 1
state=$(sed -n 's/^State:[[:space:]]*\\([A-Z]\\).*/\\1/p' "/proc/$pid/status" 2>/dev/null)
case "$state" in ""|Z|X) exit 1 ;; esac
exit 0
"""


def notify_script(state_file: Path) -> str:
    """keepalived calls it with (INSTANCE|GROUP, name, state, priority)."""
    return f"""#!/bin/sh
echo "$3" > "{state_file}.tmp" && mv -f "{state_file}.tmp" "{state_file}"
"""


class Keepalived:
    """The keepalived processes (parent and VRRP child) of one node, found by their
    configuration path in /proc (pid files may be stale after a crash)."""

    def __init__(self, paths: KeepalivedPaths, namespace: str, *, timeout: float = 5.0) -> None:
        self.paths = paths
        self.namespace = namespace
        self.timeout = timeout

    def pids(self) -> set[int]:
        config = str(self.paths.config)
        found: set[int] = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                args = cmdline(int(entry.name))
                ours = bool(args) and Path(args[0]).name == "keepalived" and config in args[1:]
                if ours and pid_alive(int(entry.name)):
                    found.add(int(entry.name))
        return found

    def running(self) -> bool:
        return bool(self.pids())

    def state(self) -> str | None:
        """The node's VRRP state as keepalived last notified it (None before any)."""
        try:
            return self.paths.state_file.read_text().strip() or None
        except OSError:
            return None

    async def start(self) -> None:
        self.paths.state_file.unlink(missing_ok=True)
        proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", self.namespace,
            "keepalived", "--vrrp", "--dont-respawn",
            "-f", str(self.paths.config),
            "-p", str(self.paths.pid_file),
            "-r", str(self.paths.vrrp_pid_file),
            "-c", str(self.paths.root / "keepalived-checkers.pid"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            async with asyncio.timeout(self.timeout):
                output, _ = await proc.communicate()
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise AmphoraError("keepalived did not daemonise") from None
        if proc.returncode != 0:
            raise AmphoraError(f"keepalived did not start: {output.decode(errors='replace')}")
        await self.wait_state({"BACKUP", "MASTER", "FAULT"})

    async def reload(self) -> None:
        """Re-read the configuration (SIGHUP to the parent keepalived)."""
        try:
            pid = int(self.paths.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = -1
        if pid not in await asyncio.to_thread(self.pids):
            raise AmphoraError(f"no keepalived to reload in {self.namespace}")
        os.kill(pid, signal.SIGHUP)

    async def wait_state(self, states: set[str], within: float | None = None) -> str:
        deadline = time.monotonic() + (self.timeout if within is None else within)
        while time.monotonic() < deadline:
            state = self.state()
            if state in states:
                return state
            await asyncio.sleep(_POLL)
        raise AmphoraError(f"keepalived in {self.namespace} did not reach {sorted(states)}")

    async def stop(self) -> None:
        """SIGTERM (keepalived gives the VIP up and tells its peer), then SIGKILL."""
        pids = await asyncio.to_thread(self.pids)
        await terminate(pids, grace=self.timeout, what="keepalived processes")
