"""ACTIVE_STANDBY with real HAProxy, keepalived and network namespaces.

Each test picks a random 10.x.y.0/24 that exists only on the bridge the driver creates; the
backends listen on its gateway (the host side of the bridge). Everything a test creates is
removed in its fixture, whatever happens. Failover gaps are printed (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.server
import os
import random
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.loadbalancer.amphora import (
    AmphoraError,
    AmphoraSpec,
    HaproxyDriver,
    ListenerConfig,
    LoadBalancerConfig,
    MemberConfig,
    PoolConfig,
)
from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths
from pocketstack.loadbalancer.amphora.haproxy_process import HaproxyProcess

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(b) for b in ("haproxy", "keepalived", "ip")),
    reason="ACTIVE_STANDBY needs root (network namespaces), haproxy, keepalived and ip",
)

PORT = 8080
_IP_FREEBIND = 15  # bind an address the bridge does not hold yet


class Backend:
    """A threaded HTTP server on the subnet's gateway that answers its name."""

    def __init__(self, name: str, address: str) -> None:
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body = backend.name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # killed proxies hang up mid-request; nothing to report

            def server_bind(self) -> None:
                self.socket.setsockopt(socket.SOL_IP, _IP_FREEBIND, 1)
                super().server_bind()

        self.name = name
        self.server = Server((address, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@dataclasses.dataclass
class Pair:
    driver: HaproxyDriver
    config: LoadBalancerConfig
    backend: Backend
    state_dir: Path

    @property
    def lb8(self) -> str:
        return self.config.id.replace("-", "")[:8]


def pair_config(
    lb_id: str, cidr: str, vip: str, member: MemberConfig, suffix: str = "1"
) -> LoadBalancerConfig:
    listener = ListenerConfig("listener-1", "HTTP", PORT, default_pool_id="pool-1")
    pool = PoolConfig("pool-1", "HTTP", "ROUND_ROBIN", members=(member,))
    amphorae = (
        AmphoraSpec(f"amp-m{suffix}", "MASTER", 100),
        AmphoraSpec(f"amp-b{suffix}", "BACKUP", 90),
    )
    return LoadBalancerConfig(
        id=lb_id, project_id="project", vip_address=vip, topology="ACTIVE_STANDBY",
        amphorae=amphorae, listeners=(listener,), pools=(pool,), vip_cidr=cidr,
    )  # fmt: skip


def sh(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=False).stdout


def leftovers(lb8: str, state_dir: Path) -> list[str]:
    """Namespaces, links and processes of the pair still there."""
    found = [f"netns {line}" for line in sh("ip", "netns", "list").splitlines() if lb8 in line]
    found += [f"link {line}" for line in sh("ip", "-o", "link").splitlines() if lb8 in line]
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and str(state_dir).encode() in (entry / "cmdline").read_bytes():
                found.append(f"process {entry.name}")
    return found


def scrub(lb8: str) -> None:
    for name in (f"ps-{lb8}-a", f"ps-{lb8}-b"):
        for pid in sh("ip", "netns", "pids", name).split():
            with contextlib.suppress(OSError):
                os.kill(int(pid), 9)
        sh("ip", "netns", "delete", name)
    for name in (f"ps-{lb8}-a", f"ps-{lb8}-b", f"ps-{lb8}"):
        sh("ip", "link", "delete", name)


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Pair]:
    net = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}"
    backend = Backend("backend-1", f"{net}.1")
    member = MemberConfig("member-1", f"{net}.1", backend.port)
    config = pair_config(str(uuid.uuid4()), f"{net}.0/24", f"{net}.10", member)
    driver = HaproxyDriver(tmp_path / "lb", timeout=10.0)
    try:
        yield Pair(driver, config, backend, tmp_path / "lb")
    finally:
        with contextlib.suppress(Exception):
            await driver.remove(config.id)
        backend.stop()
        scrub(config.id.replace("-", "")[:8])


async def get(vip: str) -> str:
    async with asyncio.timeout(1):
        reader, writer = await asyncio.open_connection(vip, PORT)
        try:
            writer.write(f"GET / HTTP/1.1\r\nHost: {vip}\r\nConnection: close\r\n\r\n".encode())
            data = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return body.decode()


async def load_through(vip: str, disrupt: asyncio.Future[None], *, budget: float = 20.0) -> float:
    """Request the VIP every 20 ms until ``disrupt`` is done and 2 s of requests have
    succeeded after the last failure (at most ``budget`` s); return the gap in seconds from
    the first failed request's start to the end of the last failed one."""
    first_failure = last_failure = None
    last_ok = time.monotonic()
    deadline = time.monotonic() + budget
    done_at: float | None = None  # when the disruption finished
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            await get(vip)
            last_ok = time.monotonic()
        except (OSError, TimeoutError, AssertionError):
            first_failure = first_failure or started
            last_failure = time.monotonic()
        if disrupt.done() and done_at is None:
            done_at = time.monotonic()
        # Keep going at least 5 s after the disruption (a failover takes seconds to show).
        if (done_at is not None and time.monotonic() - done_at > 5.0
                and last_ok - (last_failure or 0) > 2.0 and last_ok - started < 1):
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail(f"traffic did not come back within {budget}s")
    disrupt.result()
    return 0.0 if first_failure is None or last_failure is None else last_failure - first_failure


async def holder(lb8: str, vip: str) -> str | None:
    for slot, role in (("a", "MASTER"), ("b", "BACKUP")):
        if f" {vip}/" in sh("ip", "-n", f"ps-{lb8}-{slot}", "-o", "addr"):
            return role
    return None


async def holder_becomes(lb8: str, vip: str, role: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while await holder(lb8, vip) != role:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_a_pair_serves_and_survives_the_master_haproxy_dying(pair: Pair) -> None:
    started = time.monotonic()
    await pair.driver.apply(pair.config)
    print(f"\napply (fresh pair) took {time.monotonic() - started:.1f}s")
    vip = pair.config.vip_address
    assert await get(vip) == "backend-1"
    assert await holder(pair.lb8, vip) == "MASTER"
    report = await pair.driver.health(pair.config.id)
    assert report.alive and report.listeners == {"listener-1": "OPEN"}
    assert await pair.driver.running() == {pair.config.id}
    await pair.driver.apply(pair.config)  # unchanged: nothing happens

    async def kill_master() -> None:
        await asyncio.sleep(0.5)
        master = HaproxyProcess(LbPaths(pair.state_dir / pair.config.id / "master"), "haproxy")
        for pid in master.all_pids():
            os.kill(pid, 9)

    gap = await load_through(vip, asyncio.ensure_future(kill_master()))
    print(f"MASTER haproxy killed: traffic gap {gap * 1000:.0f} ms")
    assert gap < 5.0
    assert await holder_becomes(pair.lb8, vip, "BACKUP")
    assert (await pair.driver.health(pair.config.id)).alive

    await pair.driver.remove(pair.config.id)
    assert leftovers(pair.lb8, pair.state_dir) == []
    assert not (pair.state_dir / pair.config.id).exists()
    assert not (pair.driver.socket_dir / pair.config.id).exists()
    assert await pair.driver.running() == set()


async def test_failover_replaces_both_amphorae_while_serving_and_orphans_go(pair: Pair) -> None:
    await pair.driver.apply(pair.config)
    vip = pair.config.vip_address
    adopted = HaproxyDriver(pair.state_dir, timeout=10.0)  # as after a controller SIGKILL
    assert await adopted.running() == {pair.config.id}
    replaced = dataclasses.replace(pair.config, amphorae=pair_config(
        pair.config.id, "", vip, pair.config.pools[0].members[0], "2").amphorae)  # fmt: skip
    failover = asyncio.ensure_future(adopted.failover(replaced, ("amp-m1", "amp-b1")))
    gap = await load_through(vip, failover, budget=30.0)
    print(f"\nfailover of both amphorae: traffic gap {gap * 1000:.0f} ms")
    assert gap < 5.0
    assert await get(vip) == "backend-1"
    assert await holder(pair.lb8, vip) == "BACKUP"  # nopreempt: the BACKUP kept the VIP

    fresh = HaproxyDriver(pair.state_dir, timeout=10.0)
    assert await fresh.remove_orphans(set()) == [pair.config.id]
    assert leftovers(pair.lb8, pair.state_dir) == []


@pytest.mark.parametrize(
    ("vip", "cidr"),
    [("10.9.9.10", None), ("127.0.0.10", "127.0.0.0/8")],
    ids=["no-cidr", "loopback"],
)
async def test_a_pair_without_a_floating_subnet_is_refused(
    pair: Pair, vip: str, cidr: str | None
) -> None:
    config = dataclasses.replace(pair.config, vip_address=vip, vip_cidr=cidr)
    with pytest.raises(AmphoraError, match="ACTIVE_STANDBY needs a VIP on a non-loopback subnet"):
        await pair.driver.apply(config)
    assert await pair.driver.running() == set()
