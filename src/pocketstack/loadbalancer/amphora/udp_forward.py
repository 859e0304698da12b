"""The UDP balancer's forwarding core: listeners, sessions, the load of a configuration.

A ``Balancer`` binds one datagram endpoint per listener on VIP:port and maps each client
(address, port) to a session: a member chosen by the listener's default pool
(``udp_schedule``) and a connected upstream socket, through which datagrams flow both ways.
A session idle for the listener's ``timeout_client_data`` ends; so does one whose member
refuses (ICMP port unreachable), turns DOWN, is disabled or leaves the pool. At most
``max_sessions`` live at once (the least recently used goes first). ``load`` converges on
the configuration file again (SIGHUP), keeping the sessions of the members and listeners
that stay; ``write_status`` replaces ``udp-status.json`` beside it.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any, cast

from pocketstack.loadbalancer.amphora.udp_health import watch
from pocketstack.loadbalancer.amphora.udp_schedule import Member, Pool, pool_from

__all__ = ["MAX_SESSIONS", "Balancer", "Listener", "Session", "status_path"]

_Key = tuple[str, Any]  # listener id, client address

log = logging.getLogger("pocketstack.loadbalancer.udp")

MAX_SESSIONS = 65536
_READS = 64  # datagrams read from one upstream socket per wake-up


def status_path(config: Path) -> Path:
    return config.with_name(config.stem + "-status.json")


class Listener(asyncio.DatagramProtocol):
    def __init__(self, balancer: Balancer, doc: dict[str, Any]) -> None:
        self.balancer = balancer
        self.id: str = doc["id"]
        self.port = int(doc["port"])
        self.update(doc)
        self.transport: asyncio.DatagramTransport | None = None
        self.bytes_in = self.bytes_out = self.total = self.errors = 0

    def update(self, doc: dict[str, Any]) -> None:
        self.pool_id: str | None = doc.get("pool")
        self.idle = max(int(doc.get("timeout_client_data") or 50000) / 1000, 0.001)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # not its subclass in 3.11

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.balancer.forward(self, data, addr)

    def error_received(self, exc: Exception) -> None:
        self.errors += 1


class Session:
    __slots__ = ("client", "last", "listener", "member", "sock")

    def __init__(self, listener: Listener, client: tuple[str, int], member: Member) -> None:
        self.listener, self.client, self.member = listener, client, member
        family = socket.AF_INET6 if ":" in member.address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.sock.connect((member.address, member.port))
        self.last = time.monotonic()


class Balancer:
    def __init__(self, config: Path, max_sessions: int = MAX_SESSIONS) -> None:
        self.config = config
        self.max_sessions = max_sessions
        self.loop = asyncio.get_running_loop()
        self.listeners: dict[str, Listener] = {}
        self.pools: dict[str, Pool] = {}
        self.sessions: collections.OrderedDict[_Key, Session] = collections.OrderedDict()
        self.checks: list[asyncio.Task[None]] = []
        self.generation = 0
        self.errors: list[str] = []
        self.vip = ""

    async def load(self) -> None:
        """Read the configuration and converge on it."""
        doc = json.loads(self.config.read_text())
        self.generation, self.errors = int(doc.get("generation", 0)), []
        vip = doc["vip"]
        self.pools = {p["id"]: pool_from(p, self.pools.get(p["id"])) for p in doc["pools"]}
        wanted = {ld["id"]: ld for ld in doc["listeners"]}
        for lid, listener in list(self.listeners.items()):
            if lid not in wanted or wanted[lid]["port"] != listener.port or vip != self.vip:
                self._close_listener(lid)
        self.vip = vip
        for lid, listener_doc in wanted.items():
            if lid in self.listeners:
                self.listeners[lid].update(listener_doc)
                continue
            listener = Listener(self, listener_doc)
            try:
                await self.loop.create_datagram_endpoint(
                    lambda: listener,  # noqa: B023 (called before the loop moves on)
                    local_addr=(vip, listener.port), reuse_port=False,
                )  # fmt: skip
            except OSError as error:
                self.errors.append(f"listener {lid} on {vip}:{listener.port}: {error}")
                continue
            self.listeners[lid] = listener
        for task in self.checks:
            task.cancel()
        self.checks = [
            asyncio.create_task(watch(m, p.monitor))
            for p in self.pools.values() if p.monitor is not None
            for m in p.members.values() if m.enabled
        ]  # fmt: skip
        self.sweep(time.monotonic())
        self.write_status()

    def _close_listener(self, lid: str) -> None:
        listener = self.listeners.pop(lid)
        for key in [k for k in self.sessions if k[0] == lid]:
            self._end(key)
        if listener.transport is not None:
            listener.transport.close()

    def forward(self, listener: Listener, data: bytes, client: tuple[str, int]) -> None:
        key = (listener.id, client)
        listener.bytes_in += len(data)
        session = self.sessions.get(key)
        now = time.monotonic()
        if session is None:
            pool = self.pools.get(listener.pool_id or "")
            member = pool.pick(client[0], now) if pool is not None else None
            if pool is None or member is None:
                listener.errors += 1
                return
            try:
                session = Session(listener, client, member)
            except OSError:
                listener.errors += 1
                return
            self.sessions[key] = session
            self.loop.add_reader(session.sock.fileno(), self._replies, key, session)
            member.sessions += 1
            listener.total += 1
            pool.remember(client[0], member, now)
            while len(self.sessions) > self.max_sessions:
                self._end(next(iter(self.sessions)))
        else:
            self.sessions.move_to_end(key)
        session.last = now
        try:
            session.sock.send(data)
        except BlockingIOError:
            listener.errors += 1  # the upstream socket's buffer is full: dropped
        except OSError:
            listener.errors += 1
            self._end(key)

    def _replies(self, key: _Key, session: Session) -> None:
        listener = session.listener
        for _ in range(_READS):
            try:
                data = session.sock.recv(65535)
            except BlockingIOError:
                break
            except OSError:  # ConnectionRefusedError: the member's port is closed
                listener.errors += 1
                self._end(key)
                return
            if listener.transport is None or listener.transport.is_closing():
                return
            listener.transport.sendto(data, session.client)
            listener.bytes_out += len(data)
        session.last = time.monotonic()
        if key in self.sessions:
            self.sessions.move_to_end(key)

    def _end(self, key: _Key) -> None:
        session = self.sessions.pop(key, None)
        if session is not None:
            self.loop.remove_reader(session.sock.fileno())
            session.sock.close()
            session.member.sessions -= 1

    def sweep(self, now: float) -> None:
        """End idle sessions and those whose member is DOWN, gone or moved elsewhere."""
        for key, session in list(self.sessions.items()):
            listener, pool = session.listener, self.pools.get(session.listener.pool_id or "")
            member = pool.members.get(session.member.id) if pool is not None else None
            if (
                now - session.last > listener.idle
                or self.listeners.get(listener.id) is not listener
                or member is not session.member
                or member.state == "DOWN"
                or not member.enabled
            ):
                self._end(key)
            elif pool is not None and pool.persistence_timeout is not None:
                pool.remember(session.client[0], member, session.last)  # seen: still kept
        for pool in self.pools.values():
            pool.forget_expired(now)

    def write_status(self) -> None:
        members: dict[str, str] = {}
        for pool in self.pools.values():
            members.update({m.id: m.status() for m in pool.members.values()})
        active = collections.Counter(k[0] for k in self.sessions)
        doc = {
            "generation": self.generation,
            "pid": os.getpid(),
            "errors": self.errors,
            "listeners": {lid: "OPEN" for lid in self.listeners},
            "pools": {pid: pool.status() for pid, pool in self.pools.items()},
            "members": members,
            "stats": {
                lid: {"bytes_in": ls.bytes_in, "bytes_out": ls.bytes_out,
                      "active_connections": active[lid], "total_connections": ls.total,
                      "request_errors": ls.errors}
                for lid, ls in self.listeners.items()
            },
        }  # fmt: skip
        path = status_path(self.config)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(doc))
        temporary.replace(path)

    def close(self) -> None:
        for lid in list(self.listeners):
            self._close_listener(lid)
        for task in self.checks:
            task.cancel()
