"""Talking to a running HAProxy: one command on a CLI socket, and what the answers mean.

``show stat`` becomes a HealthReport in Octavia's heartbeat vocabulary: FRONTEND rows are
listeners (named by listener id), BACKEND rows pools and server rows members of the backend
``<pool_id>:<listener_id>``. A pool used by several listeners has one backend per listener:
it is UP when any of them is, and a member takes the worst status it has in any of them
(DOWN, then MAINT, DRAIN, "no check", UP). ``show proc`` on the master CLI lists the workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import dataclasses
import io
import re
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import HealthReport, ListenerStats

__all__ = ["ProcTable", "cli", "member_status", "parse_show_proc", "parse_show_stat"]

_CLI_TIMEOUT = 2.0  # seconds
_READ_LIMIT = 16 * 1024 * 1024
_MEMBER_RANK = {"UP": 0, "no check": 1, "DRAIN": 2, "MAINT": 3, "DOWN": 4}
_FRONTEND, _BACKEND, _SERVER = "0", "1", "2"
_FAILED = re.compile(r"\[failed: (\d+)\]")


async def cli(socket: Path, command: str) -> str:
    """Send one command to an HAProxy CLI socket (stats or master) and return the answer.
    Raises OSError, or TimeoutError when nothing answers within two seconds."""
    async with asyncio.timeout(_CLI_TIMEOUT):
        reader, writer = await asyncio.open_unix_connection(str(socket), limit=_READ_LIMIT)
        try:
            writer.write(command.encode() + b"\n")
            await writer.drain()
            writer.write_eof()  # the master CLI answers and closes only after a half-close
            return (await reader.read(_READ_LIMIT)).decode(errors="replace")
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


@dataclasses.dataclass(frozen=True)
class ProcTable:
    """The master CLI's ``show proc``: the master, how many reloads it did and how many of
    the last ones failed (reset by a successful one), its current workers. Old workers that
    still finish connections after a reload, and external programs, are left out."""

    master: int | None = None
    reloads: int = 0
    failed: int = 0
    workers: tuple[int, ...] = ()


def parse_show_proc(text: str) -> ProcTable:
    table = ProcTable()
    section = "master"
    for line in text.splitlines():
        if line.startswith("#"):
            section = "master" if line.startswith("#<") else line.lstrip("# ").split(" ")[0]
            continue
        fields = line.split()
        if len(fields) < 3 or not fields[0].isdigit():
            continue
        if section == "master" and fields[1] == "master":
            failed = _FAILED.search(line)
            table = dataclasses.replace(
                table,
                master=int(fields[0]),
                reloads=_int(fields[2]),
                failed=int(failed.group(1)) if failed else 0,
            )
        elif section == "workers" and fields[1] == "worker":
            table = dataclasses.replace(table, workers=(*table.workers, int(fields[0])))
    return table


def member_status(raw: str) -> str:
    """HAProxy's server status ("UP 1/3", "MAINT (via x/y)", "NOLB"...) -> Octavia's word."""
    status = raw.strip()
    if status == "no check":
        return "no check"
    if status.startswith("MAINT"):
        return "MAINT"
    if status.startswith(("DRAIN", "NOLB")):
        return "DRAIN"
    if status.startswith("UP"):
        return "UP"
    return "DOWN"


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def parse_show_stat(text: str) -> HealthReport:
    """The stats socket's ``show stat`` CSV -> what the load balancer serves now."""
    body = text[2:] if text.startswith("# ") else text
    listeners: dict[str, str] = {}
    stats: dict[str, ListenerStats] = {}
    pools: dict[str, str] = {}
    members: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(body)):
        proxy, kind = row.get("pxname") or "", row.get("type")
        if kind == _FRONTEND:
            limit = _int(row.get("slim"))
            full = limit > 0 and _int(row.get("scur")) >= limit
            listeners[proxy] = "FULL" if full else "OPEN"
            stats[proxy] = ListenerStats(
                bytes_in=_int(row.get("bin")),
                bytes_out=_int(row.get("bout")),
                active_connections=_int(row.get("scur")),
                total_connections=_int(row.get("stot")),
                request_errors=_int(row.get("ereq")),
            )
        elif kind == _BACKEND and ":" in proxy:
            pool_id = proxy.split(":", 1)[0]
            up = (row.get("status") or "").startswith("UP")
            pools[pool_id] = "UP" if up or pools.get(pool_id) == "UP" else "DOWN"
        elif kind == _SERVER and ":" in proxy:
            member_id = row.get("svname") or ""
            status = member_status(row.get("status") or "")
            previous = members.get(member_id)
            if previous is None or _MEMBER_RANK[status] > _MEMBER_RANK[previous]:
                members[member_id] = status
    return HealthReport(alive=True, listeners=listeners, pools=pools, members=members, stats=stats)
