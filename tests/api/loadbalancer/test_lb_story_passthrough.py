"""HTTPS passthrough (TLS carried to the members untouched, TCP mode), a TCP listener, and a
PROMETHEUS listener serving HAProxy's metrics, through the API on one load balancer."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
from tests.api.loadbalancer.conftest import V2, LbClient
from tests.lb_backends import backends
from tests.lb_pki import issue, make_ca, write_pem

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("haproxy") is None, reason="haproxy is not installed")


async def _settled(lbc: LbClient, lb_id: str) -> None:
    assert await lbc.wait_lb(lb_id) is not None


async def test_passthrough_tcp_and_prometheus(lbc: LbClient) -> None:
    ca = make_ca("passthrough-ca")
    cert = issue(ca, "www.example.test")
    work = lbc.service.settings.data_dir
    write_pem(work / "b.pem", cert.cert_pem)
    write_pem(work / "b.key", cert.key_pem)
    write_pem(work / "ca.pem", ca.cert_pem)
    tls = ssl.create_default_context(purpose=ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(work / "b.pem"), str(work / "b.key"))
    lb = await lbc.active_lb(provider="amphora")
    lb_id, vip = lb["id"], lb["vip_address"]
    with backends("secure", tls=tls) as [secure], backends("plain") as [plain]:
        for protocol, port, pool_protocol, server in (("HTTPS", 8443, "HTTPS", secure),
                                                      ("TCP", 8080, "TCP", plain)):
            listener = (await lbc.post(f"{V2}/listeners", json={"listener": {
                "loadbalancer_id": lb_id, "protocol": protocol,
                "protocol_port": port}})).json()["listener"]
            await _settled(lbc, lb_id)
            pool = (await lbc.post(f"{V2}/pools", json={"pool": {
                "listener_id": listener["id"], "protocol": pool_protocol,
                "lb_algorithm": "ROUND_ROBIN"}})).json()["pool"]
            await _settled(lbc, lb_id)
            got = await lbc.post(f"{V2}/pools/{pool['id']}/members", json={"member": {
                "address": server.host, "protocol_port": server.port}})
            assert got.status_code == 201, got.text
            await _settled(lbc, lb_id)
        got = await lbc.post(f"{V2}/listeners", json={"listener": {
            "loadbalancer_id": lb_id, "protocol": "PROMETHEUS", "protocol_port": 9100}})
        assert got.status_code == 201, got.text
        await _settled(lbc, lb_id)
        client = ssl.create_default_context(cafile=str(work / "ca.pem"))
        client.check_hostname = False
        async with httpx.AsyncClient(verify=client, timeout=5) as http:
            # The member's own certificate reaches the client: TLS passed through.
            answer = await http.get(f"https://{vip}:8443/")
            assert answer.text == "secure"
        async with httpx.AsyncClient(timeout=5) as http:
            assert (await http.get(f"http://{vip}:8080/")).text == "plain"
            metrics = await http.get(f"http://{vip}:9100/metrics")
            assert metrics.status_code == 200 and "haproxy_" in metrics.text


async def test_ping_monitor_pings(lbc: LbClient) -> None:
    """A PING monitor pings the member (an external check): a member whose port is closed
    but whose address answers is ONLINE, where a TCP check would mark it ERROR."""
    lb = await lbc.active_lb(provider="amphora")
    listener = (await lbc.post(f"{V2}/listeners", json={"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 7000}})).json()
    await _settled(lbc, lb["id"])
    pool = (await lbc.post(f"{V2}/pools", json={"pool": {
        "listener_id": listener["listener"]["id"], "protocol": "TCP",
        "lb_algorithm": "ROUND_ROBIN"}})).json()["pool"]
    await _settled(lbc, lb["id"])
    member = (await lbc.post(f"{V2}/pools/{pool['id']}/members", json={"member": {
        "address": "127.0.0.1", "protocol_port": 1}})).json()["member"]
    await _settled(lbc, lb["id"])
    got = await lbc.post(f"{V2}/healthmonitors", json={"healthmonitor": {
        "pool_id": pool["id"], "type": "PING", "delay": 1, "timeout": 1, "max_retries": 1,
        "max_retries_down": 1}})
    assert got.status_code == 201, got.text
    await _settled(lbc, lb["id"])
    deadline = asyncio.get_running_loop().time() + 10
    state = ""
    while state != "ONLINE" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        shown = await lbc.get(f"{V2}/pools/{pool['id']}/members/{member['id']}")
        state = shown.json()["member"]["operating_status"]
    assert state == "ONLINE"
