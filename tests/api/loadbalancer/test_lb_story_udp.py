"""A UDP listener through the API: a UDP pool over three echo backends with a UDP-CONNECT
monitor, served by the load balancer's UDP balancer process; new clients are spread round
robin, a backend that goes away turns ERROR and gets no new clients, and the listener's
removal stops the balancer."""

from __future__ import annotations

import asyncio
import collections
import socket
import threading
import time
from typing import Any

from tests.api.loadbalancer.conftest import V2, LbClient


class Echo:
    """A UDP server on 127.0.0.1 answering each datagram with its name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                _, peer = self.sock.recvfrom(2048)
            except (TimeoutError, OSError):
                continue
            self.sock.sendto(self.name.encode(), peer)

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def _ask(vip: str, port: int) -> str:
    """One datagram from a new client (a new source port); the answer, or "" on silence."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(1.0)
        client.sendto(b"hello", (vip, port))
        try:
            return client.recv(2048).decode()
        except (TimeoutError, OSError):
            return ""


async def _state(lbc: LbClient, pool_id: str, member_id: str) -> str:
    got = await lbc.get(f"{V2}/pools/{pool_id}/members/{member_id}")
    return str(got.json()["member"]["operating_status"])


async def test_udp_story(lbc: LbClient) -> None:
    lb = await lbc.active_lb(provider="amphora")
    lb_id, vip = lb["id"], lb["vip_address"]
    listener: dict[str, Any] = (await lbc.post(f"{V2}/listeners", json={"listener": {
        "loadbalancer_id": lb_id, "protocol": "UDP", "protocol_port": 5353}})).json()["listener"]
    await lbc.wait_lb(lb_id)
    pool = (await lbc.post(f"{V2}/pools", json={"pool": {
        "listener_id": listener["id"], "protocol": "UDP",
        "lb_algorithm": "ROUND_ROBIN"}})).json()["pool"]
    await lbc.wait_lb(lb_id)
    echoes = [Echo(f"u{n}") for n in range(3)]
    try:
        members = {}
        for echo in echoes:
            got = await lbc.post(f"{V2}/pools/{pool['id']}/members", json={"member": {
                "address": "127.0.0.1", "protocol_port": echo.port, "name": echo.name}})
            assert got.status_code == 201, got.text
            members[echo.name] = got.json()["member"]["id"]
            await lbc.wait_lb(lb_id)
        got = await lbc.post(f"{V2}/healthmonitors", json={"healthmonitor": {
            "pool_id": pool["id"], "type": "UDP-CONNECT", "delay": 1, "timeout": 1,
            "max_retries": 1, "max_retries_down": 2}})
        assert got.status_code == 201, got.text
        await lbc.wait_lb(lb_id)
        answers = collections.Counter([await asyncio.to_thread(_ask, vip, 5353)
                                       for _ in range(9)])
        assert answers == {"u0": 3, "u1": 3, "u2": 3}, answers
        deadline = time.monotonic() + 5  # the balancer writes its counters every second
        while True:
            shown = (await lbc.get(f"{V2}/listeners/{listener['id']}/stats")).json()["stats"]
            if shown["total_connections"] >= 9 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert shown["total_connections"] >= 9 and shown["bytes_out"] >= 18, shown

        echoes[2].stop()
        deadline = time.monotonic() + 15
        while await _state(lbc, pool["id"], members["u2"]) != "ERROR":
            assert time.monotonic() < deadline, "u2 never ERROR"
            await asyncio.sleep(0.2)
        answers = collections.Counter([await asyncio.to_thread(_ask, vip, 5353)
                                       for _ in range(6)])
        assert set(answers) == {"u0", "u1"}, answers
    finally:
        for echo in echoes:
            if echo.running:
                echo.stop()
    state = lbc.service.settings.data_dir / "loadbalancer" / lb_id
    assert (state / "udp.json").exists()
    assert (await lbc.delete(f"{V2}/listeners/{listener['id']}")).status_code == 204
    await lbc.wait_lb(lb_id)
    assert not (state / "udp.json").exists() and not (state / "udp.pid").exists()
