"""An ACTIVE_STANDBY load balancer, from a flavor: two amphorae (MASTER, BACKUP), each a
HAProxy in a network namespace of its own, keepalived holding the VIP on ``lb-ha-net``.
Traffic keeps flowing when the MASTER's HAProxy dies and through a failover; the gaps are
printed. Members live on the pair's bridge (the subnet's gateway address on this host)."""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import json
import os
import shutil
import subprocess
import time

import httpx
import pytest
from tests.api.loadbalancer.conftest import V2, LbClient
from tests.lb_backends import Backend

from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths
from pocketstack.loadbalancer.amphora.haproxy_process import HaproxyProcess

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(b) for b in ("haproxy", "keepalived", "ip")),
    reason="ACTIVE_STANDBY needs root, ip, haproxy and keepalived")


async def _load(vip: str, during: asyncio.Future[None]) -> float:
    """Requests every 20 ms until ``during`` is done and 2 s more; the longest run of
    failures, in seconds (bounded: at most 30 s)."""
    worst, failing_since, ended = 0.0, None, None
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=1.0) as http:
        while time.monotonic() < deadline:
            now = time.monotonic()
            try:
                ok = (await http.get(f"http://{vip}:8080/",
                                     headers={"Connection": "close"})).status_code == 200
            except httpx.HTTPError:
                ok = False
            if not ok and failing_since is None:
                failing_since = now
            if ok and failing_since is not None:
                worst, failing_since = max(worst, now - failing_since), None
            if during.done():
                ended = ended or now
                if now - ended > 2.0:
                    break
            await asyncio.sleep(0.02)
    assert during.done()
    return worst


async def test_active_standby_story(lbc: LbClient) -> None:
    profile = await lbc.post(f"{V2}/flavorprofiles", json={"flavorprofile": {
        "name": "ha", "provider_name": "amphora",
        "flavor_data": json.dumps({"loadbalancer_topology": "ACTIVE_STANDBY"})}})
    assert profile.status_code == 201, profile.text
    flavor = await lbc.post(f"{V2}/flavors", json={"flavor": {
        "name": "ha", "flavor_profile_id": profile.json()["flavorprofile"]["id"]}})
    subnet_id = await lbc.vip_subnet("lb-ha-net-subnet")
    made = await lbc.create_lb(vip_subnet_id=subnet_id, provider="amphora",
                               flavor_id=flavor.json()["flavor"]["id"])
    lb = await lbc.wait_lb(made["id"], within=30)
    assert lb is not None
    lb_id, vip = lb["id"], lb["vip_address"]
    amps = (await lbc.get("/v2/octavia/amphorae", params={"loadbalancer_id": lb_id})).json()
    assert sorted((a["role"], a["vrrp_priority"]) for a in amps["amphorae"]) == [
        ("BACKUP", 90), ("MASTER", 100)]
    cidr = (await lbc.client.get(f"/network/v2.0/subnets/{subnet_id}", headers={
        "X-Auth-Token": lbc.token})).json()["subnet"]["cidr"]
    gateway = str(next(ipaddress.ip_network(cidr).hosts()))
    listener = (await lbc.post(f"{V2}/listeners", json={"listener": {
        "loadbalancer_id": lb_id, "protocol": "HTTP", "protocol_port": 8080}})).json()
    await lbc.wait_lb(lb_id, within=30)
    pool = (await lbc.post(f"{V2}/pools", json={"pool": {
        "listener_id": listener["listener"]["id"], "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN"}})).json()["pool"]
    await lbc.wait_lb(lb_id, within=30)
    servers = [Backend(name, host=gateway) for name in ("h1", "h2")]
    try:
        for server in servers:
            got = await lbc.post(f"{V2}/pools/{pool['id']}/members", json={"member": {
                "address": server.host, "protocol_port": server.port}})
            assert got.status_code == 201, got.text
            await lbc.wait_lb(lb_id, within=30)
        async with httpx.AsyncClient(timeout=3) as http:
            seen = collections.Counter([(await http.get(f"http://{vip}:8080/")).text
                                        for _ in range(10)])
        assert seen == {"h1": 5, "h2": 5}, seen

        state = lbc.service.settings.data_dir / "loadbalancer" / lb_id

        async def kill_master() -> None:
            await asyncio.sleep(0.5)
            master = HaproxyProcess(LbPaths(state / "master"), "haproxy")
            for pid in master.all_pids():
                os.kill(pid, 9)

        gap = await _load(vip, asyncio.ensure_future(kill_master()))
        print(f"\nACTIVE_STANDBY: MASTER's HAProxy killed, longest gap {gap * 1000:.0f} ms")
        assert gap < 5.0

        async def failover() -> None:
            await asyncio.sleep(0.5)
            assert (await lbc.put(f"{V2}/loadbalancers/{lb_id}/failover")).status_code == 202
            await lbc.wait_lb(lb_id, within=30)

        gap = await _load(vip, asyncio.ensure_future(failover()))
        print(f"ACTIVE_STANDBY: failover through the API, longest gap {gap * 1000:.0f} ms")
        assert gap < 5.0
        new = (await lbc.get("/v2/octavia/amphorae", params={"loadbalancer_id": lb_id})).json()
        assert not {a["id"] for a in new["amphorae"]} & {a["id"] for a in amps["amphorae"]}
    finally:
        for server in servers:
            server.stop()
    gone = await lbc.delete(f"{V2}/loadbalancers/{lb_id}", params={"cascade": "true"})
    assert gone.status_code == 204
    assert await lbc.wait_lb(lb_id, None, within=30) is None
    namespaces = await asyncio.to_thread(
        lambda: subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout)
    assert f"ps-{lb_id.replace('-', '')[:8]}" not in namespaces
    assert not state.exists()
