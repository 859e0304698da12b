"""``pocketstack cell ...``: the ``nova-manage cell_v2`` equivalents, run against the API
database named by the settings (the cloud may be running: it notices new cells and hosts at
its next host discovery).

Each command returns its exit code and the lines it prints; the CLI only prints them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.client import ServiceError
from pocketstack.common.db import create_engine_for, upgrade
from pocketstack.common.settings import Settings
from pocketstack.compute.cells import CELL0_NAME, CellMapping, CellRegistry
from pocketstack.compute.client import ComputeClient
from pocketstack.compute.db import API_MIGRATIONS
from pocketstack.compute.objects import cell_admin
from pocketstack.compute.objects.cell_admin import CellAdminError

__all__ = ["CellCommands", "Outcome", "cloud_health", "mask_password", "set_fault"]

T = TypeVar("T")


@dataclasses.dataclass
class Outcome:
    code: int = 0
    lines: list[str] = dataclasses.field(default_factory=list)


def mask_password(url: str) -> str:
    """``scheme://user:****@host/path``: a URL fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":****@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class CellCommands:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @asynccontextmanager
    async def _api(self) -> AsyncIterator[tuple[AsyncConnection, CellRegistry]]:
        engine = create_engine_for(self.settings.database_url("compute_api"), immediate=True)
        registry = CellRegistry()
        try:
            await upgrade(engine, API_MIGRATIONS)
            async with engine.begin() as conn:
                await registry.refresh(conn)
                yield conn, registry
        finally:
            await registry.close()
            await engine.dispose()

    async def _run(self, work: Callable[[AsyncConnection, CellRegistry], Awaitable[Outcome]]
                   ) -> Outcome:
        try:
            async with self._api() as (conn, registry):
                return await work(conn, registry)
        except CellAdminError as error:
            return Outcome(error.exit_code, [str(error)])

    async def map_cell0(self, database_connection: str | None) -> Outcome:
        url = database_connection or self.settings.cell_database_url(CELL0_NAME)

        async def work(conn: AsyncConnection, _: CellRegistry) -> Outcome:
            mapping = await cell_admin.map_cell0(conn, url)
            return Outcome(0, [f"Cell0 is mapped to {mask_password(mapping.database_connection)}"])
        return await self._run(work)

    async def create(self, name: str | None, transport_url: str | None,
                     database_connection: str | None, disabled: bool,
                     verbose: bool) -> Outcome:
        transport = transport_url or (self.settings.cell_transport_url(name) if name else "")
        database = database_connection or (self.settings.cell_database_url(name) if name else "")

        async def work(conn: AsyncConnection, _: CellRegistry) -> Outcome:
            mapping = await cell_admin.create_cell(conn, name=name, transport_url=transport,
                                                   database_connection=database,
                                                   disabled=disabled)
            return Outcome(0, [mapping.uuid] if verbose else [])
        return await self._run(work)

    async def list(self, verbose: bool,
                   health: Mapping[str, Mapping[str, Any]] | None = None) -> Outcome:
        """The mappings; with ``health`` (from a running cloud) each cell's state too."""
        async def work(conn: AsyncConnection, _: CellRegistry) -> Outcome:
            rows = [_cell_row(m, verbose) for m in await cell_admin.list_cells(conn)]
            header: tuple[str, ...] = ("Name", "UUID", "Transport URL", "Database Connection",
                                       "Disabled")
            if health is not None:
                header += ("Health", "Since")
                rows = [(*row, *_health(health.get(row[1]))) for row in rows]
            return Outcome(0, _table(header, rows))
        return await self._run(work)

    async def update(self, cell_uuid: str, name: str | None, transport_url: str | None,
                     database_connection: str | None, disable: bool, enable: bool) -> Outcome:
        async def work(conn: AsyncConnection, _: CellRegistry) -> Outcome:
            await cell_admin.update_cell(conn, cell_uuid, name=name, transport_url=transport_url,
                                         database_connection=database_connection,
                                         disable=disable, enable=enable)
            return Outcome(0, [])
        return await self._run(work)

    async def delete(self, cell_uuid: str, force: bool) -> Outcome:
        async def work(conn: AsyncConnection, registry: CellRegistry) -> Outcome:
            handle = next((h for h in registry.all() if h.uuid == cell_uuid), None)
            await cell_admin.delete_cell(conn, handle, cell_uuid, force=force)
            return Outcome(0, [])
        return await self._run(work)

    async def discover_hosts(self, cell_uuid: str | None, strict: bool,
                             verbose: bool) -> Outcome:
        async def work(conn: AsyncConnection, registry: CellRegistry) -> Outcome:
            cells = registry.computes()
            if cell_uuid is not None:
                cells = [h for h in cells if h.uuid == cell_uuid]
                if not cells:
                    raise CellAdminError(f"Cell with uuid {cell_uuid} was not found.", 1)
            found = await cell_admin.discover_hosts(conn, cells)
            lines = [f"Found {len(found)} unmapped computes."] if verbose else []
            lines += [f"Creating host mapping for compute host '{h}'" for h in found if verbose]
            return Outcome(1 if strict and not found else 0, lines)
        return await self._run(work)

    async def list_hosts(self, cell_uuid: str | None) -> Outcome:
        async def work(conn: AsyncConnection, _: CellRegistry) -> Outcome:
            rows = [(m.name, m.uuid, host) for m, host in
                    await cell_admin.list_hosts(conn, cell_uuid)]
            return Outcome(0, _table(("Cell Name", "Cell UUID", "Hostname"), rows))
        return await self._run(work)

    async def delete_host(self, cell_uuid: str, host: str) -> Outcome:
        async def work(conn: AsyncConnection, registry: CellRegistry) -> Outcome:
            handle = next((h for h in registry.all() if h.uuid == cell_uuid), None)
            await cell_admin.delete_host(conn, handle, cell_uuid, host)
            return Outcome(0, [])
        return await self._run(work)


def _health(cell: Mapping[str, Any] | None) -> tuple[str, str]:
    if cell is None:
        return ("unknown", "")
    return (str(cell["state"]), str(cell["since"]))


async def cloud_health(client: ComputeClient) -> dict[str, dict[str, Any]] | None:
    """Each cell's health by uuid from the running cloud; None when it cannot be asked."""
    try:
        return {cell["uuid"]: cell for cell in await client.cells()}
    except (ServiceError, httpx.HTTPError):
        return None


async def set_fault(client: ComputeClient, cell: str, parts: Mapping[str, str]) -> Outcome:
    """``pocketstack cell fault``: switch the cell's proxies in the running cloud."""
    try:
        shown = await client.set_fault(cell, **parts)
    except ServiceError as error:
        fault: Any = next(iter(error.body.values()), {}) if isinstance(error.body, dict) else {}
        message = fault.get("message", error.body) if isinstance(fault, dict) else error.body
        return Outcome(1, [f"HTTP {error.status}: {message}"])
    except httpx.HTTPError as error:
        return Outcome(1, [f"the cloud did not answer: {error}"])
    modes = ", ".join(f"{part} {mode}" for part, mode in sorted(shown["faults"].items()))
    return Outcome(0, [f"cell {shown['name']} ({shown['uuid']}): {modes}; "
                       f"{shown['state']} since {shown['since']}"
                       + (f" ({shown['reason']})" if shown["reason"] else "")])


def _cell_row(mapping: CellMapping, verbose: bool) -> tuple[str, ...]:
    def shown(url: str) -> str:
        return url if verbose else mask_password(url)
    return (mapping.name, mapping.uuid, shown(mapping.transport_url),
            shown(mapping.database_connection), str(mapping.disabled))


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(row: tuple[str, ...]) -> str:
        return "|" + "|".join(f" {c!s:<{w}} " for c, w in zip(row, widths, strict=True)) + "|"
    return [line, fmt(header), line, *(fmt(r) for r in rows), line]
