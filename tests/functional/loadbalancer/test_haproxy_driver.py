"""HaproxyDriver with real HAProxy processes and real traffic, all on 127.0.0.0/8.

Backends are small threaded HTTP(S) servers on 127.0.0.1 that answer their name; each load
balancer listens on a random 127.77.x.y address (the whole 127/8 is loopback on Linux).
Every process a test starts is stopped in its fixtures, whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import http.server
import pickle
import random
import shutil
import socket
import ssl
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.lb_pki import Ca, Issued, issue, make_ca, make_crl, write_pem

from pocketstack.loadbalancer.amphora import (
    AmphoraError,
    AmphoraSpec,
    CertBundle,
    HaproxyDriver,
    HealthMonitorConfig,
    L7PolicyConfig,
    L7RuleConfig,
    ListenerConfig,
    LoadBalancerConfig,
    MemberConfig,
    PoolConfig,
)
from pocketstack.loadbalancer.amphora.haproxy_process import HaproxyProcess
from pocketstack.loadbalancer.amphora.processes import pid_alive

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed")

HOST = "lb.test"  # the name in the load balancer's certificate


class Backend:
    """A threaded HTTP (or HTTPS) server on 127.0.0.1 that answers its name."""

    def __init__(self, name: str, context: ssl.SSLContext | None = None) -> None:
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                backend.requests += 1
                body = backend.name.encode()
                self.send_response(200)
                self.send_header("X-Seen-Forwarded-For", self.headers.get("X-Forwarded-For", ""))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # health checks hang up early; nothing to report

        self.name = name
        self.requests = 0
        self.server = Server(("127.0.0.1", 0), Handler)
        if context is not None:
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def random_vip() -> str:
    return f"127.77.{random.randint(1, 254)}.{random.randint(1, 254)}"


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def member(backend: Backend, **changes: int) -> MemberConfig:
    return MemberConfig(backend.name, "127.0.0.1", backend.port, **changes)  # type: ignore[arg-type]


def load_balancer(
    vip: str, listeners: tuple[ListenerConfig, ...], pools: tuple[PoolConfig, ...],
    *, lb_id: str | None = None, amphora_id: str = "amphora-1",
) -> LoadBalancerConfig:  # fmt: skip
    return LoadBalancerConfig(
        id=lb_id or str(uuid.uuid4()), project_id="project", vip_address=vip, topology="SINGLE",
        amphorae=(AmphoraSpec(amphora_id, "STANDALONE"),), listeners=listeners, pools=pools,
    )  # fmt: skip


def http_lb(
    vip: str, port: int, members: tuple[MemberConfig, ...], **pool: object
) -> LoadBalancerConfig:
    listener = ListenerConfig("listener-1", "HTTP", port, default_pool_id="pool-1")
    pool_config = PoolConfig("pool-1", "HTTP", "ROUND_ROBIN", members=members, **pool)  # type: ignore[arg-type]
    return load_balancer(vip, (listener,), (pool_config,))


async def exchange(
    host: str, port: int, *, context: ssl.SSLContext | None = None, path: str = "/"
) -> tuple[int, dict[str, str], str]:
    """One request on a new connection: (status, headers, body). Raises on any failure."""
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection(
            host, port, ssl=context, server_hostname=HOST if context else None
        )
        try:
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
            writer.write(request.encode())
            data = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (h.partition(":") for h in lines)}
    return int(status.split()[1]), headers, body.decode()


async def get(
    host: str, port: int, *, context: ssl.SSLContext | None = None, path: str = "/"
) -> tuple[int, str]:
    status, _, body = await exchange(host, port, context=context, path=path)
    return status, body


async def status_or_error(host: str, port: int, context: ssl.SSLContext | None = None) -> int | str:
    try:
        return (await get(host, port, context=context))[0]
    except (OSError, TimeoutError, IndexError, ValueError) as error:
        return type(error).__name__


def process_of(driver: HaproxyDriver, lb_id: str) -> HaproxyProcess:
    return HaproxyProcess(driver.paths(lb_id), driver.binary)


@pytest.fixture
def backends() -> Iterator[Callable[..., Backend]]:
    started: list[Backend] = []

    def start(name: str, context: ssl.SSLContext | None = None) -> Backend:
        started.append(Backend(name, context))
        return started[-1]

    try:
        yield start
    finally:
        for backend in started:
            backend.stop()


async def test_round_robin_over_three_backends(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    servers = [backends(f"member-{i}") for i in range(3)]
    vip, port = random_vip(), free_port("127.0.0.1")
    config = http_lb(vip, port, tuple(member(s) for s in servers))

    await driver.apply(config)

    bodies = [(await get(vip, port))[1] for _ in range(6)]
    assert sorted(bodies) == sorted(2 * [s.name for s in servers])
    assert bodies[:3] == bodies[3:]  # the same turn twice
    assert await driver.running() == {config.id}
    report = await driver.health(config.id)
    assert report.alive and report.listeners == {"listener-1": "OPEN"}
    assert report.members == {s.name: "no check" for s in servers}
    assert report.stats["listener-1"].total_connections == 6
    root = driver.paths(config.id).root
    assert root.stat().st_mode & 0o777 == 0o700


async def test_member_updates_under_load_refuse_nothing(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    servers = [backends(f"member-{i}") for i in range(3)]
    vip, port = random_vip(), free_port("127.0.0.1")
    variants = [
        http_lb(vip, port, tuple(member(s) for s in servers)),
        http_lb(vip, port, (member(servers[0]), member(servers[1], weight=3))),
    ]
    variants[1] = dataclasses.replace(variants[1], id=variants[0].id)
    await driver.apply(variants[0])
    master = process_of(driver, variants[0].id).master_pid()
    results: list[int | str] = []
    stop = asyncio.Event()

    async def client() -> None:
        while not stop.is_set():
            results.append(await status_or_error(vip, port))

    clients = [asyncio.create_task(client()) for _ in range(6)]
    try:
        async with asyncio.timeout(30):
            for i in range(10):
                await asyncio.sleep(0.05)
                await driver.apply(variants[(i + 1) % 2])
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*clients)

    assert len(results) > 100
    assert [r for r in results if r != 200] == []
    assert process_of(driver, variants[0].id).master_pid() == master  # reloads, not restarts
    servers[2].requests = 0
    await driver.apply(variants[1])  # the last one applied: nothing to do
    for _ in range(8):
        assert (await get(vip, port))[1] in (servers[0].name, servers[1].name)
    assert servers[2].requests == 0


async def test_a_stopped_backend_goes_down(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    servers = [backends("member-a"), backends("member-b")]
    monitor = HealthMonitorConfig("hm-1", "HTTP", delay=1, timeout=1, max_retries=1,
                                  max_retries_down=2, url_path="/")  # fmt: skip
    vip, port = random_vip(), free_port("127.0.0.1")
    config = http_lb(vip, port, tuple(member(s) for s in servers), healthmonitor=monitor)
    pool = config.pools[0]
    await driver.apply(config)
    assert (await driver.health(config.id)).members == {"member-a": "UP", "member-b": "UP"}

    servers[0].stop()
    started, deadline = time.monotonic(), time.monotonic() + monitor.delay * 2 + 3
    while (await driver.health(config.id)).members["member-a"] != "DOWN":
        assert time.monotonic() < deadline, "member-a never went DOWN"
        await asyncio.sleep(0.1)
    assert time.monotonic() - started >= monitor.delay  # it took failed checks, not a guess
    report = await driver.health(config.id)
    assert report.members["member-b"] == "UP" and report.pools == {"pool-1": "UP"}
    assert {(await get(vip, port))[1] for _ in range(4)} == {"member-b"}

    # A reload carries the servers' state over (the server-state file) to the new worker.
    members = (member(servers[0]), member(servers[1], weight=2))
    await driver.apply(
        dataclasses.replace(config, pools=(dataclasses.replace(pool, members=members),))
    )
    assert (await driver.health(config.id)).members == {"member-a": "DOWN", "member-b": "UP"}
    saved = driver.paths(config.id).server_state.read_text().splitlines()
    assert any(" member-a 127.0.0.1 0 " in line for line in saved)  # srv_op_state 0: stopped


async def test_remove_leaves_nothing(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    config = http_lb(random_vip(), free_port("127.0.0.1"), (member(server),))
    await driver.apply(config)
    pids = process_of(driver, config.id).all_pids()
    assert len(pids) >= 2  # a master and its worker

    await driver.remove(config.id)

    assert not any(pid_alive(pid) for pid in pids)
    assert not driver.paths(config.id).root.exists()
    assert await driver.running() == set()
    assert not (await driver.health(config.id)).alive
    await driver.remove(config.id)  # idempotent


async def test_a_refused_configuration_leaves_the_running_one(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    vip, port = random_vip(), free_port("127.0.0.1")
    config = http_lb(vip, port, (member(server),))
    await driver.apply(config)
    paths, pids = driver.paths(config.id), process_of(driver, config.id).all_pids()
    running_text = paths.config.read_text()
    bad_rule = L7RuleConfig("rule-1", "PATH", "REGEX", "([unclosed")
    policy = L7PolicyConfig("policy-1", "REJECT", 1, (bad_rule,))
    listener = dataclasses.replace(config.listeners[0], l7policies=(policy,))
    broken = dataclasses.replace(config, listeners=(listener,))

    with pytest.raises(AmphoraError, match="refused the configuration"):
        await driver.apply(broken)

    assert paths.config.read_text() == running_text
    assert process_of(driver, config.id).all_pids() == pids
    assert await get(vip, port) == (200, "member-a")

    # Valid, but a listener's address is taken: the reload fails, the old worker serves on.
    with socket.socket() as squatter:
        squatter.bind((vip, 0))
        squatter.listen()
        taken = dataclasses.replace(
            config.listeners[0], id="listener-2", protocol_port=squatter.getsockname()[1]
        )
        with pytest.raises(AmphoraError, match="could not load"):
            await driver.apply(dataclasses.replace(config, listeners=(*config.listeners, taken)))
    assert paths.config.read_text() == running_text
    assert await get(vip, port) == (200, "member-a")
    await driver.apply(config)  # what serves is what the file says: nothing to do


async def test_l7_policies_headers_and_prometheus(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    web, api = backends("web"), backends("api")
    vip, port, metrics = random_vip(), free_port("127.0.0.1"), free_port("127.0.0.1")
    api_rule = L7RuleConfig("r-api", "PATH", "STARTS_WITH", "/api")
    admin_rule = L7RuleConfig("r-admin", "PATH", "EQUAL_TO", "/admin")
    old_rule = L7RuleConfig("r-old", "PATH", "STARTS_WITH", "/old")
    policies = (
        L7PolicyConfig("to-api", "REDIRECT_TO_POOL", 1, (api_rule,), redirect_pool_id="pool-api"),
        L7PolicyConfig("deny-admin", "REJECT", 2, (admin_rule,)),
        L7PolicyConfig("moved", "REDIRECT_TO_URL", 3, (old_rule,),
                       redirect_url="https://new.example/", redirect_http_code=301),
        L7PolicyConfig("no-rules", "REJECT", 4, ()),  # skipped: a policy needs rules
    )  # fmt: skip
    listeners = (
        ListenerConfig("listener-1", "HTTP", port, default_pool_id="pool-web", l7policies=policies,
                       insert_headers={"X-Forwarded-For": "true"}),
        ListenerConfig("listener-metrics", "PROMETHEUS", metrics),
    )  # fmt: skip
    pools = (
        PoolConfig("pool-web", "HTTP", "ROUND_ROBIN", members=(member(web),)),
        PoolConfig("pool-api", "HTTP", "ROUND_ROBIN", members=(member(api),)),
    )
    await driver.apply(load_balancer(vip, listeners, pools))

    status, headers, body = await exchange(vip, port, path="/index.html")
    assert (status, body) == (200, "web")
    assert headers["x-seen-forwarded-for"] == "127.0.0.1"
    assert await get(vip, port, path="/api/v1") == (200, "api")
    assert (await get(vip, port, path="/admin"))[0] == 403
    status, headers, _ = await exchange(vip, port, path="/old/page")
    assert (status, headers["location"]) == (301, "https://new.example/")
    status, _, text = await exchange(vip, metrics, path="/metrics")
    assert status == 200 and "haproxy_frontend_http_requests_total" in text


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


async def test_a_new_driver_adopts_what_a_killed_controller_left(
    state_dir: Path, driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    vip, port = random_vip(), free_port("127.0.0.1")
    config = http_lb(vip, port, (member(server),))
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

    assert await get(vip, port) == (200, "member-a")  # HAProxy outlived its controller
    pids = process_of(driver, config.id).all_pids()
    assert await driver.running() == {config.id}
    await driver.apply(config)  # the same configuration: adopted, not started again
    assert process_of(driver, config.id).all_pids() == pids
    assert (await driver.health(config.id)).alive

    await driver.remove(config.id)
    assert not any(pid_alive(pid) for pid in pids)


async def test_close_keeps_or_stops_the_load_balancers(
    state_dir: Path, driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    config = http_lb(random_vip(), free_port("127.0.0.1"), (member(server),))
    keeping = HaproxyDriver(state_dir, keep_running=True)
    await keeping.apply(config)
    await keeping.close()
    assert await driver.running() == {config.id}

    await HaproxyDriver(state_dir).close()
    assert await driver.running() == set()
    assert driver.paths(config.id).config.exists()  # stopped, not removed: a restart re-applies


async def test_a_deep_state_dir_keeps_its_sockets_in_a_short_one(
    tmp_path: Path, backends: Callable[..., Backend]
) -> None:
    state_dir = tmp_path / ("deep-" * 12) / "amphorae"  # too long for UNIX socket paths
    driver = HaproxyDriver(state_dir)
    try:
        assert driver.socket_dir != state_dir
        config = http_lb(random_vip(), free_port("127.0.0.1"), (member(backends("member-a")),))
        await driver.apply(config)
        paths = driver.paths(config.id)
        assert paths.run is not None and paths.stats_socket.parent == paths.run
        assert await get(config.vip_address, config.listeners[0].protocol_port) == (200, "member-a")
        assert (await driver.health(config.id)).alive
        assert HaproxyDriver(state_dir).socket_dir == driver.socket_dir  # found again
        await driver.remove(config.id)
        assert not paths.run.exists() and not paths.root.exists()
    finally:
        await driver.close()
        shutil.rmtree(driver.socket_dir, ignore_errors=True)


async def test_remove_orphans(driver: HaproxyDriver, backends: Callable[..., Backend]) -> None:
    server = backends("member-a")
    known = http_lb(random_vip(), free_port("127.0.0.1"), (member(server),))
    orphan = http_lb(random_vip(), free_port("127.0.0.1"), (member(server),))
    await driver.apply(known)
    await driver.apply(orphan)

    assert await driver.remove_orphans({known.id}) == [orphan.id]

    assert await driver.running() == {known.id}
    assert not driver.paths(orphan.id).root.exists()


async def test_failover_replaces_the_haproxy(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    vip, port = random_vip(), free_port("127.0.0.1")
    config = http_lb(vip, port, (member(server),))
    await driver.apply(config)
    old = process_of(driver, config.id).master_pid()
    replacement = dataclasses.replace(config, amphorae=(AmphoraSpec("amphora-2", "STANDALONE"),))

    started = time.monotonic()
    await driver.failover(replacement, ("amphora-1",))
    gap = time.monotonic() - started  # SINGLE: nothing serves between stop and start

    assert process_of(driver, config.id).master_pid() not in (None, old)
    assert await get(vip, port) == (200, "member-a")
    assert gap < 5


# --- TLS -------------------------------------------------------------------------------


def bundle(issued: Issued) -> CertBundle:
    return CertBundle(issued.cert_pem, issued.key_pem, (issued.chain_pem,))


def client_context(tmp_path: Path, ca: Ca, cert: Issued | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=ca.cert_pem)
    if cert is not None:
        path = tmp_path / f"client-{cert.cert.serial_number}.pem"
        write_pem(path, cert.bundle_pem)
        context.load_cert_chain(path)
    return context


def server_context(tmp_path: Path, cert: Issued) -> ssl.SSLContext:
    path = tmp_path / f"server-{cert.cert.serial_number}.pem"
    write_pem(path, cert.bundle_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(path)
    return context


async def test_mandatory_client_authentication_and_alpn(
    tmp_path: Path, driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    ca, other_ca = make_ca("client CA"), make_ca("another CA")
    revoked = issue(ca, "revoked client", client=True)
    vip, port = random_vip(), free_port("127.0.0.1")
    listener = ListenerConfig(
        "listener-1", "TERMINATED_HTTPS", port, default_pool_id="pool-1",
        default_cert=bundle(issue(ca, HOST)), client_authentication="MANDATORY",
        client_ca_pem=ca.cert_pem, client_crl_pem=make_crl(ca, [revoked]),
        alpn_protocols=("h2", "http/1.1"),
    )  # fmt: skip
    pool = PoolConfig("pool-1", "HTTP", "ROUND_ROBIN", members=(member(server),))
    config = load_balancer(vip, (listener,), (pool,))
    await driver.apply(config)
    certs = driver.paths(config.id).certs
    assert certs.stat().st_mode & 0o777 == 0o700
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in certs.iterdir())

    good = client_context(tmp_path, ca, issue(ca, "good client", client=True))
    assert await get(vip, port, context=good) == (200, "member-a")
    assert await status_or_error(vip, port, client_context(tmp_path, ca)) != 200
    stranger = client_context(tmp_path, ca, issue(other_ca, "stranger", client=True))
    assert await status_or_error(vip, port, stranger) != 200
    assert await status_or_error(vip, port, client_context(tmp_path, ca, revoked)) != 200
    assert server.requests == 1

    good.set_alpn_protocols(["h2", "http/1.1"])
    async with asyncio.timeout(5):
        _, writer = await asyncio.open_connection(vip, port, ssl=good, server_hostname=HOST)
    ssl_object = writer.get_extra_info("ssl_object")
    assert ssl_object.selected_alpn_protocol() == "h2"
    writer.close()


async def test_a_cipher_outside_the_list_is_refused(
    driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    server = backends("member-a")
    ca = make_ca("server CA", rsa=True)
    vip, port = random_vip(), free_port("127.0.0.1")
    listener = ListenerConfig(
        "listener-1", "TERMINATED_HTTPS", port, default_pool_id="pool-1",
        default_cert=bundle(issue(ca, HOST, rsa=True)), tls_versions=("TLSv1.2",),
        tls_ciphers="ECDHE-RSA-AES128-GCM-SHA256",
    )  # fmt: skip
    pool = PoolConfig("pool-1", "HTTP", "ROUND_ROBIN", members=(member(server),))
    await driver.apply(load_balancer(vip, (listener,), (pool,)))

    def client(cipher: str | None, version: ssl.TLSVersion) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=ca.cert_pem)
        context.minimum_version = context.maximum_version = version
        if cipher:
            context.set_ciphers(cipher)
        return context

    listed = client("ECDHE-RSA-AES128-GCM-SHA256", ssl.TLSVersion.TLSv1_2)
    assert await get(vip, port, context=listed) == (200, "member-a")
    unlisted = client("ECDHE-RSA-AES256-GCM-SHA384", ssl.TLSVersion.TLSv1_2)
    assert await status_or_error(vip, port, unlisted) == "SSLError"
    assert await status_or_error(vip, port, client(None, ssl.TLSVersion.TLSv1_3)) == "SSLError"


async def test_reencryption_reaches_only_members_its_ca_vouches_for(
    tmp_path: Path, driver: HaproxyDriver, backends: Callable[..., Backend]
) -> None:
    member_ca, other_ca = make_ca("member CA"), make_ca("other CA")
    trusted = backends("trusted", server_context(tmp_path, issue(member_ca, "127.0.0.1")))
    impostor = backends("impostor", server_context(tmp_path, issue(other_ca, "127.0.0.1")))
    vip = random_vip()
    ports = free_port("127.0.0.1"), free_port("127.0.0.1")
    listeners = tuple(
        ListenerConfig(f"listener-{i}", "HTTP", ports[i], default_pool_id=f"pool-{i}")
        for i in range(2)
    )
    pools = tuple(
        PoolConfig(f"pool-{i}", "HTTP", "ROUND_ROBIN", members=(member(backend),),
                   tls_enabled=True, ca_pem=member_ca.cert_pem)
        for i, backend in enumerate((trusted, impostor))
    )  # fmt: skip
    await driver.apply(load_balancer(vip, listeners, pools))

    assert await get(vip, ports[0]) == (200, "trusted")
    assert (await get(vip, ports[1]))[0] == 503
    assert impostor.requests == 0
