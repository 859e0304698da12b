"""A cloud killed (SIGKILL) at each step of a load balancer's create, update and delete
settles on restart, with nothing orphaned.

For each step the controller names, the cloud is started with ``[loadbalancer]
crash_at_step`` set to it (the deterministic hook exits the process there, as a kill -9
would), the change is asked for, the process dies, and the cloud is started again without
the hook. Then every load balancer is ACTIVE (or gone, when it was being deleted), each
ACTIVE one is served by exactly one HAProxy that answers through its VIP, no HAProxy
process, state directory or VIP port is left for a load balancer that does not exist, and a
clean stop leaves no HAProxy process at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.cloud_process import CloudProcess
from tests.lb_backends import Backend, backends, ha_vip_cidr, vip_cidr

pytestmark = [pytest.mark.process,
              pytest.mark.skipif(__import__("shutil").which("haproxy") is None,
                                 reason="haproxy is not installed")]

SETTLE_S = 30.0
HOOK = "POCKETSTACK_LOADBALANCER__CRASH_AT_STEP"
V2 = "/load-balancer/v2.0/lbaas"
POINTS = {
    "create": ["vip", "render", "apply", "settle"],
    "update": ["vip", "render", "apply", "settle"],
    "delete": ["remove", "vip"],
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CloudProcess]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "pocketstack.toml").write_text(
        f"[loadbalancer]\nhealth_check_interval = 0.5\nvip_cidr = \"{vip_cidr()}\"\n"
        f"ha_vip_cidr = \"{ha_vip_cidr()}\"\n"
        "[compute]\nhosts_per_cell = 0\n")
    running = CloudProcess(data, ready="/load-balancer/")
    try:
        yield running
    finally:
        running.stop()
        for pid in _haproxy_pids(data):  # what a failed run may have left
            with contextlib.suppress(OSError):
                os.kill(pid, 9)


async def _login(http: httpx.AsyncClient, cloud: CloudProcess) -> None:
    made = await http.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"},
            "password": cloud.admin_password()}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    assert made.status_code == 201, made.text
    http.headers["X-Auth-Token"] = made.headers["x-subject-token"]


async def _subnet(http: httpx.AsyncClient) -> str:
    deadline = time.monotonic() + SETTLE_S
    while True:
        found = (await http.get("/network/v2.0/subnets",
                                params={"name": "lb-vip-net-subnet"})).json()["subnets"]
        if found:
            return str(found[0]["id"])
        assert time.monotonic() < deadline, "no VIP subnet"
        await asyncio.sleep(0.1)


async def _settled(http: httpx.AsyncClient, lb_id: str) -> dict[str, Any] | None:
    """The load balancer once it is no longer PENDING (None once it is gone)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        got = await http.get(f"{V2}/loadbalancers/{lb_id}")
        if got.status_code == 404:
            return None
        found: dict[str, Any] = got.json()["loadbalancer"]
        if not found["provisioning_status"].startswith("PENDING"):
            return found
        assert time.monotonic() < deadline, f"{lb_id} stays {found['provisioning_status']}"
        await asyncio.sleep(0.1)


async def _post(http: httpx.AsyncClient, path: str, body: dict[str, Any], *,
                may_die: bool = False) -> dict[str, Any] | None:
    try:
        made = await http.post(path, json=body)
    except httpx.HTTPError:
        if may_die:
            return None
        raise
    assert made.status_code == 201, made.text
    return dict(next(iter(made.json().values())))


async def _build(http: httpx.AsyncClient, subnet: str, backend: Backend, *,
                 may_die: bool = False) -> str | None:
    """A load balancer with an HTTP listener on 8080, a pool and one member; its id."""
    lb = await _post(http, f"{V2}/loadbalancers", {"loadbalancer": {
        "vip_subnet_id": subnet, "provider": "amphora"}}, may_die=may_die)
    if lb is None:
        return None
    if await _settled(http, lb["id"]) is None:
        return None
    listener = await _post(http, f"{V2}/listeners", {"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 8080}})
    assert listener is not None
    await _settled(http, lb["id"])
    pool = await _post(http, f"{V2}/pools", {"pool": {
        "listener_id": listener["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}})
    assert pool is not None
    await _settled(http, lb["id"])
    await _post(http, f"{V2}/pools/{pool['id']}/members", {"member": {
        "address": backend.host, "protocol_port": backend.port}})
    await _settled(http, lb["id"])
    return str(lb["id"])


def _haproxy_pids(data: Path) -> list[int]:
    """HAProxy processes started for this cloud (their command line names its data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"haproxy" in cmdline and str(data).encode() in cmdline:
            found.append(int(entry.name))
    return found


async def _check(http: httpx.AsyncClient, cloud: CloudProcess, point: str) -> None:
    lbs = (await http.get(f"{V2}/loadbalancers")).json()["loadbalancers"]
    for lb in lbs:
        settled = await _settled(http, lb["id"])
        assert settled is None or settled["provisioning_status"] == "ACTIVE", (point, settled)
    lbs = (await http.get(f"{V2}/loadbalancers")).json()["loadbalancers"]
    live = {lb["id"] for lb in lbs}
    state = cloud.data_dir / "loadbalancer"
    deadline = time.monotonic() + SETTLE_S
    while {p.name for p in state.iterdir() if p.is_dir()} != live:
        assert time.monotonic() < deadline, (point, live, list(state.iterdir()))
        await asyncio.sleep(0.1)
    ports = (await http.get("/network/v2.0/ports",
                            params={"device_owner": "Octavia"})).json()["ports"]
    assert sorted(p["device_id"] for p in ports) == sorted(live), point
    masters = [pid for pid in _haproxy_pids(cloud.data_dir)
               if os.getppid() != pid and _is_master(pid)]
    assert len(masters) == len(live), (point, masters, live)
    async with httpx.AsyncClient(timeout=5) as plain:
        for lb in lbs:
            if lb["listeners"]:
                answer = await plain.get(f"http://{lb['vip_address']}:8080/")
                assert answer.status_code == 200, (point, lb["id"], answer.status_code)


def _is_master(pid: int) -> bool:
    """A HAProxy master: its parent is not itself a HAProxy."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        return b"haproxy" not in Path(f"/proc/{parent}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return False


@pytest.mark.parametrize("operation", sorted(POINTS))
def test_kill_at_every_step(server: CloudProcess, operation: str) -> None:
    async def scenario(backend: Backend) -> None:
        server.start()
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            await _login(http, server)
            subnet = await _subnet(http)
            base = await _build(http, subnet, backend)
            assert base is not None
        server.stop()
        assert _haproxy_pids(server.data_dir) == []  # a clean stop stops the data plane
        victims: list[str] = []
        for step in POINTS[operation]:
            server.env[HOOK] = f"{operation}:{step}"
            server.start()
            async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
                await _login(http, server)
                if operation == "create":
                    with contextlib.suppress(httpx.HTTPError):
                        await _build(http, subnet, backend, may_die=True)
                elif operation == "update":
                    pool = (await http.get(f"{V2}/pools")).json()["pools"][0]
                    member = pool["members"][0]["id"]
                    victims.append(step)
                    with contextlib.suppress(httpx.HTTPError):
                        await http.put(f"{V2}/pools/{pool['id']}/members/{member}",
                                       json={"member": {"weight": 1 + len(victims)}})
                else:
                    made = await _build(http, subnet, backend)
                    assert made is not None
                    with contextlib.suppress(httpx.HTTPError):
                        await http.delete(f"{V2}/loadbalancers/{made}",
                                          params={"cascade": "true"})
                await server.died(SETTLE_S)
            del server.env[HOOK]
            server.start()
            async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
                await _login(http, server)
                await _check(http, server, f"{operation}:{step}")
            server.stop()
            assert _haproxy_pids(server.data_dir) == [], step

    with backends("only") as [backend]:
        asyncio.run(scenario(backend))
