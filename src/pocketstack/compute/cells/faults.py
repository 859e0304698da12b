"""Fault injection for rehearsals and tests: a TCP proxy in front of each cell's database
and bus (``[cells] fault_injection``), whose mode an admin switches at run time.

- ``heal``: bytes pass both ways.
- ``blackhole``: packets vanish — new connections are accepted and never answered, open
  ones stop passing data; clients wait for their timeouts (the real slow path).
- ``refuse``: the listening socket is closed and open connections are reset; clients fail
  at once (the quick error path).

Healing closes the connections that were blackholed (bytes were lost on them) and listens
again on the same port, so clients reconnect to the same address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

__all__ = ["MODES", "CellFaults", "FaultProxy", "Mode", "NotProxied", "proxied_database_url",
           "proxied_transport_url", "target_of_database", "target_of_transport"]

Mode = Literal["heal", "blackhole", "refuse"]
MODES: tuple[Mode, ...] = ("heal", "blackhole", "refuse")
_CHUNK = 65536

log = logging.getLogger("pocketstack.compute.faults")


class FaultProxy:
    """Forwards 127.0.0.1:<port> to ``target``; see the module for the modes."""

    def __init__(self, name: str, target_host: str, target_port: int) -> None:
        self.name = name
        self.target = (target_host, target_port)
        self.mode: Mode = "heal"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        await self._listen()

    async def _listen(self) -> None:
        # IPPROTO_TCP: asyncio then sets TCP_NODELAY on every accepted connection (without
        # it, Nagle and delayed ACKs add ~40 ms to each request-response through the proxy).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._accept, sock=sock)

    async def set_mode(self, mode: Mode) -> None:
        if mode == self.mode:
            return
        log.warning("fault proxy %s: %s -> %s", self.name, self.mode, mode)
        previous, self.mode = self.mode, mode
        if mode == "blackhole":
            self._flowing.clear()
        elif mode == "refuse":
            await self._stop_listening()
            self._reset_all()
        else:  # heal
            if previous == "blackhole":
                self._reset_all()  # their bytes were lost: make the clients reconnect
            self._flowing.set()
            if self._server is None:
                await self._listen()
        if mode == "refuse":
            self._flowing.set()

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _reset_all(self) -> None:
        for writer in list(self._writers):
            with contextlib.suppress(OSError):
                sock = writer.get_extra_info("socket")
                if sock is not None:  # an RST, not a polite FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    b"\x01\x00\x00\x00\x00\x00\x00\x00")
            writer.close()
        self._writers.clear()
        for task in list(self._links):
            task.cancel()

    async def close(self) -> None:
        await self._stop_listening()
        self._reset_all()
        await asyncio.gather(*self._links, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The link runs as a task of our own, so resetting cancels it, never the stream's
        # callback task (whose cancellation asyncio reports as an error).
        link = asyncio.get_running_loop().create_task(self._link(reader, writer))
        self._links.add(link)
        try:
            await asyncio.wait([link])
        finally:
            self._links.discard(link)
            if not link.cancelled():
                link.exception()  # retrieved: a link's errors end only that link

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._flowing.wait()  # a blackholed connect is accepted, never answered
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            self._writers.add(up_writer)
            try:
                await asyncio.gather(self._pipe(reader, up_writer),
                                     self._pipe(up_reader, writer))
            finally:
                self._writers.discard(up_writer)
                up_writer.close()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await reader.read(_CHUNK)
            if not data:
                writer.close()
                return
            await self._flowing.wait()  # blackholed: held here, never delivered
            writer.write(data)
            await writer.drain()


def proxied_database_url(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    parsed = make_url(url)
    return parsed.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def proxied_transport_url(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def target_of_database(url: str) -> tuple[str, int] | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    default = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306}
    return parsed.host or "127.0.0.1", parsed.port or default.get(
        parsed.get_backend_name(), 5432)


def target_of_transport(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps", "rabbit"):
        return None
    return parts.hostname or "127.0.0.1", parts.port or 5672


class NotProxied(LookupError):
    """That part of that cell does not go through a fault proxy."""


class CellFaults:
    """The proxies of this process, by (cell uuid, part): one per networked cell database
    and bus, started when the cell is opened."""

    def __init__(self) -> None:
        self._proxies: dict[tuple[str, str], FaultProxy] = {}

    async def _through(self, cell_uuid: str, part: str, name: str,
                       target: tuple[str, int] | None) -> int | None:
        if target is None:
            return None
        proxy = self._proxies.get((cell_uuid, part))
        if proxy is None or proxy.target != target:
            if proxy is not None:
                await proxy.close()
            proxy = FaultProxy(f"{name} {part}", *target)
            await proxy.start()
            self._proxies[(cell_uuid, part)] = proxy
        return proxy.port

    async def database_url(self, cell_uuid: str, name: str, url: str) -> str:
        port = await self._through(cell_uuid, "db", name, target_of_database(url))
        return url if port is None else proxied_database_url(url, port)

    async def transport_url(self, cell_uuid: str, name: str, url: str) -> str:
        port = await self._through(cell_uuid, "bus", name, target_of_transport(url))
        return url if port is None else proxied_transport_url(url, port)

    def modes(self, cell_uuid: str) -> dict[str, Mode]:
        return {part: proxy.mode for (uuid, part), proxy in self._proxies.items()
                if uuid == cell_uuid}

    async def set_mode(self, cell_uuid: str, part: str, mode: Mode) -> None:
        proxy = self._proxies.get((cell_uuid, part))
        if proxy is None:
            raise NotProxied(f"the {part} of cell {cell_uuid} is not behind a fault proxy "
                             "(networked backends with [cells] fault_injection only)")
        await proxy.set_mode(mode)

    async def close(self) -> None:
        proxies, self._proxies = list(self._proxies.values()), {}
        for proxy in proxies:
            await proxy.close()
