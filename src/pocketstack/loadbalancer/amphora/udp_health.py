"""Health checks of a UDP pool's members, run inside the UDP balancer.

UDP-CONNECT (what keepalived's ``udp_check`` does): connect a UDP socket, send a small
datagram and wait ``timeout`` for an answer; only a refusal (ICMP port unreachable, seen as
ConnectionRefusedError) fails, since a UDP service need not answer. TCP: a TCP connect.
HTTP: ``http_method url_path`` must answer one of ``expected_codes`` (default 200).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from pocketstack.loadbalancer.amphora.udp_schedule import Member

__all__ = ["expected", "probe", "watch"]

_PROBE = b"\n"


async def probe(monitor: dict[str, Any], address: str, port: int) -> bool:
    """One check of ``address:port`` by ``monitor``; True when it passes."""
    timeout = max(float(monitor.get("timeout") or 1), 0.1)
    kind = str(monitor.get("type", "UDP-CONNECT"))
    try:
        async with asyncio.timeout(timeout):
            if kind == "UDP-CONNECT":
                return await _udp_connect(address, port, timeout)
            if kind in ("HTTP", "HTTPS"):
                return await _http(monitor, address, port)
            _, writer = await asyncio.open_connection(address, port)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True
    except TimeoutError:
        return kind == "UDP-CONNECT"
    except OSError:
        return False


async def _udp_connect(address: str, port: int, wait: float) -> bool:
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.connect((address, port))
        sock.send(_PROBE)
        try:
            await asyncio.wait_for(loop.sock_recv(sock, 2048), wait * 0.9)
        except TimeoutError:
            return True  # silence is not a refusal
        return True


async def _http(monitor: dict[str, Any], address: str, port: int) -> bool:
    reader, writer = await asyncio.open_connection(address, port)
    try:
        method = monitor.get("http_method") or "GET"
        path = monitor.get("url_path") or "/"
        host = monitor.get("domain_name") or address
        writer.write(f"{method} {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        await writer.drain()
        status = (await reader.readline()).split()
        return (
            len(status) >= 2
            and status[1].isdigit()
            and int(status[1]) in expected(monitor.get("expected_codes") or "200")
        )
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def expected(codes: str) -> set[int]:
    """``"200"``, ``"200,202"`` or ``"200-204"`` as a set of status codes."""
    found: set[int] = set()
    for part in codes.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit():
            found.update(range(int(low), int(high if high.isdigit() else low) + 1))
    return found


async def watch(member: Member, monitor: dict[str, Any]) -> None:
    """Check ``member`` every ``delay`` seconds until cancelled."""
    delay = max(float(monitor.get("delay") or 1), 0.1)
    rise = int(monitor.get("rise") or 1)
    fall = int(monitor.get("fall") or 3)
    while True:
        ok = await probe(monitor, member.check_address, member.check_port)
        member.record(ok, rise, fall)
        await asyncio.sleep(delay)
