"""UDP listeners through HaproxyDriver: the userspace UDP balancer with real processes and
real datagrams, all on 127.0.0.0/8.

Backends are UDP servers on 127.0.0.1 that answer every datagram with their name; each load
balancer listens on a random 127.x.y.z address. A client is a fresh socket (a distinct
source port, hence a distinct session). Every process a test starts is stopped in its
fixtures, whatever happens.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import pickle
import random
import shutil
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pocketstack.loadbalancer.amphora import (
    AmphoraError,
    AmphoraSpec,
    HaproxyDriver,
    HealthMonitorConfig,
    HealthReport,
    ListenerConfig,
    LoadBalancerConfig,
    MemberConfig,
    PoolConfig,
    SessionPersistence,
)
from pocketstack.loadbalancer.amphora.processes import pid_alive
from pocketstack.loadbalancer.amphora.udp_process import UdpBalancer

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")


class Echo:
    """A UDP server on 127.0.0.1 answering every datagram with its name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                _, client = self.sock.recvfrom(65535)
                self.sock.sendto(self.name.encode(), client)
            except (TimeoutError, OSError):
                continue

    def stop(self) -> None:
        """Close the port: datagrams to it now get ICMP port unreachable."""
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


def random_vip() -> str:
    return f"127.{random.randint(100, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"


def free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def ask(vip: str, port: int, client: socket.socket | None = None) -> str | None:
    """One datagram from ``client`` (a fresh socket: a new session): the answer, or None."""
    sock = client or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(1.0)
        sock.sendto(b"hello", (vip, port))
        return sock.recvfrom(65535)[0].decode()
    except OSError:
        return None
    finally:
        if client is None:
            sock.close()


def ask_many(vip: str, port: int, count: int) -> list[str | None]:
    """One datagram from each of ``count`` clients (sockets held open together, so that
    their source ports, hence their sessions, are distinct)."""
    with contextlib.ExitStack() as stack:
        clients = [
            stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            for _ in range(count)
        ]
        return [ask(vip, port, client) for client in clients]


def udp_lb(
    vip: str, port: int, members: tuple[MemberConfig, ...], *, lb_id: str | None = None,
    **pool: object,
) -> LoadBalancerConfig:  # fmt: skip
    listener = ListenerConfig("udp-listener", "UDP", port, default_pool_id="udp-pool")
    pool_config = PoolConfig("udp-pool", "UDP", "ROUND_ROBIN", members=members, **pool)  # type: ignore[arg-type]
    return LoadBalancerConfig(
        id=lb_id or str(uuid.uuid4()), project_id="project", vip_address=vip, topology="SINGLE",
        amphorae=(AmphoraSpec("amphora-1", "STANDALONE"),), listeners=(listener,),
        pools=(pool_config,),
    )  # fmt: skip


async def health_when(
    driver: HaproxyDriver, lb_id: str, ready: Callable[[HealthReport], bool], within: float = 3.0
) -> HealthReport:
    """The first report ``ready`` accepts (the balancer writes its status every second),
    else the last one after ``within`` seconds."""
    deadline = time.monotonic() + within
    report = await driver.health(lb_id)
    while not ready(report) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        report = await driver.health(lb_id)
    return report


def member(echo: Echo) -> MemberConfig:
    return MemberConfig(echo.name, "127.0.0.1", echo.port)


@pytest.fixture
def echoes() -> Iterator[Callable[[str], Echo]]:
    started: list[Echo] = []

    def start(name: str) -> Echo:
        started.append(Echo(name))
        return started[-1]

    try:
        yield start
    finally:
        for echo in started:
            if echo.running:
                echo.stop()


CONTROLLER = """
import asyncio, pickle, sys
from pathlib import Path
from pocketstack.loadbalancer.amphora import HaproxyDriver
config = pickle.loads(sys.stdin.buffer.read())
asyncio.run(HaproxyDriver(Path(sys.argv[1])).apply(config))
print("applied", flush=True)
sys.stdin.close()
import time; time.sleep(60)
"""


async def test_round_robin_survives_a_killed_controller_and_is_adopted(
    driver: HaproxyDriver, echoes: Callable[[str], Echo], state_dir: Path
) -> None:
    servers = [echoes(f"udp-member-{i}") for i in range(3)]
    vip, port = random_vip(), free_udp_port("127.0.0.1")
    config = udp_lb(vip, port, tuple(member(s) for s in servers))
    controller = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CONTROLLER, str(state_dir),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert controller.stdin is not None and controller.stdout is not None
        controller.stdin.write(pickle.dumps(config))
        controller.stdin.close()
        async with asyncio.timeout(20):
            assert await controller.stdout.readline() == b"applied\n"
    finally:
        controller.kill()  # SIGKILL: no close(), no clean-up
        await controller.wait()

    answers = ask_many(vip, port, 6)  # the balancer outlived its controller
    assert sorted(map(str, answers)) == sorted(2 * [s.name for s in servers])
    assert answers[:3] == answers[3:]
    report = await health_when(
        driver, config.id, lambda r: r.stats["udp-listener"].total_connections == 6
    )
    assert report.alive and report.listeners == {"udp-listener": "OPEN"}
    assert report.pools == {"udp-pool": "UP"}
    assert report.members == {s.name: "no check" for s in servers}
    stats = report.stats["udp-listener"]
    assert (stats.total_connections, stats.active_connections) == (6, 6)
    assert (stats.bytes_in, stats.bytes_out) == (30, 6 * len("udp-member-0"))
    assert await driver.running() == {config.id}

    balancer = UdpBalancer(driver.paths(config.id).root)
    pid = balancer.pid()
    assert pid is not None
    await driver.apply(config)  # the same configuration: adopted, not started again
    assert balancer.pid() == pid
    await driver.remove(config.id)
    assert not pid_alive(pid)
    assert not driver.paths(config.id).root.exists()
    assert await driver.running() == set()


async def test_source_ip_persistence_keeps_a_client_on_its_member(
    driver: HaproxyDriver, echoes: Callable[[str], Echo]
) -> None:
    servers = [echoes(f"sticky-{i}") for i in range(3)]
    vip, port = random_vip(), free_udp_port("127.0.0.1")
    persistence = SessionPersistence("SOURCE_IP", persistence_timeout=60)
    config = udp_lb(vip, port, tuple(member(s) for s in servers), session_persistence=persistence)

    await driver.apply(config)

    answers = set(ask_many(vip, port, 6))  # six source ports, one source address
    assert len(answers) == 1 and answers <= {s.name for s in servers}


async def test_a_stopped_member_turns_down_and_gets_no_new_sessions(
    driver: HaproxyDriver, echoes: Callable[[str], Echo]
) -> None:
    servers = [echoes(f"checked-{i}") for i in range(2)]
    vip, port = random_vip(), free_udp_port("127.0.0.1")
    monitor = HealthMonitorConfig("udp-monitor", "UDP-CONNECT", delay=1, timeout=1,
                                  max_retries=1, max_retries_down=2)  # fmt: skip
    config = udp_lb(vip, port, tuple(member(s) for s in servers), healthmonitor=monitor)
    await driver.apply(config)
    assert set(ask_many(vip, port, 4)) == {s.name for s in servers}

    servers[0].stop()
    started = time.monotonic()
    deadline = started + monitor.delay * monitor.max_retries_down + 3
    members = (await health_when(
        driver, config.id, lambda r: r.members.get(servers[0].name) == "DOWN",
        within=deadline - time.monotonic(),
    )).members  # fmt: skip
    assert members == {servers[0].name: "DOWN", servers[1].name: "UP"}
    assert ask_many(vip, port, 4) == 4 * [servers[1].name]


async def test_a_member_added_by_apply_gets_traffic_and_sessions_stay(
    driver: HaproxyDriver, echoes: Callable[[str], Echo]
) -> None:
    first, second = echoes("first"), echoes("second")
    vip, port = random_vip(), free_udp_port("127.0.0.1")
    config = udp_lb(vip, port, (member(first),))
    await driver.apply(config)
    pid = UdpBalancer(driver.paths(config.id).root).pid()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as old_client:
        assert ask(vip, port, old_client) == "first"

        await driver.apply(udp_lb(vip, port, (member(first), member(second)), lb_id=config.id))

        assert UdpBalancer(driver.paths(config.id).root).pid() == pid  # reloaded, not restarted
        assert collections.Counter(ask_many(vip, port, 4)) == {"first": 2, "second": 2}
        assert [ask(vip, port, old_client) for _ in range(3)] == 3 * ["first"]
    report = await health_when(driver, config.id, lambda r: r.stats["udp-listener"].bytes_in == 40)
    assert report.stats["udp-listener"].total_connections == 5

    no_udp = LoadBalancerConfig(
        id=config.id, project_id="project", vip_address=vip, topology="SINGLE",
        amphorae=config.amphorae,
    )  # fmt: skip
    await driver.apply(no_udp)  # no UDP listener left: the balancer stops, its files go
    assert pid is not None and not pid_alive(pid)
    assert not (driver.paths(config.id).root / "udp.json").exists()


async def test_active_standby_refuses_udp_listeners(driver: HaproxyDriver) -> None:
    config = udp_lb("127.0.0.9", 5000, ())
    pair = LoadBalancerConfig(
        id=config.id, project_id="project", vip_address=config.vip_address,
        topology="ACTIVE_STANDBY", amphorae=config.amphorae, listeners=config.listeners,
        pools=config.pools,
    )  # fmt: skip
    with pytest.raises(AmphoraError, match="ACTIVE_STANDBY"):
        await driver.apply(pair)
