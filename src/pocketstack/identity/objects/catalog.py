"""The service catalog: regions, services and their endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.identity.db import models as m
from pocketstack.identity.objects import rows
from pocketstack.identity.objects.errors import Invalid

__all__ = ["INTERFACES"]

INTERFACES = ("public", "internal", "admin")


def _endpoint(row: Any) -> dict[str, Any]:
    data = rows.to_dict(row)
    data["region"] = data["region_id"]
    return data


def _service(row: Any) -> dict[str, Any]:
    data = rows.to_dict(row)
    data.setdefault("name", "")
    data.setdefault("description", "")
    return data


async def get_region(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return rows.to_dict(await rows.fetch_one(conn, m.regions, "region", ident))


async def list_regions(conn: AsyncConnection, filters: Mapping[str, str | None]
                       ) -> list[dict[str, Any]]:
    return [rows.to_dict(r) for r in await rows.list_rows(conn, m.regions, filters)]


async def create_region(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    data = {"id": rows.new_id(), "description": "", "parent_region_id": None, **values}
    if data["parent_region_id"]:
        await get_region(conn, data["parent_region_id"])
    row = rows.split_extra(m.regions, data)
    await rows.insert_row(conn, m.regions, "region", row,
                          f"Duplicate ID, {row['id']}.")
    return await get_region(conn, row["id"])


async def update_region(conn: AsyncConnection, ident: str, changes: Mapping[str, Any]
                        ) -> dict[str, Any]:
    await rows.update_row(conn, m.regions, "region", ident, changes)
    return await get_region(conn, ident)


async def delete_region(conn: AsyncConnection, ident: str) -> None:
    used = await conn.execute(sa.select(m.endpoints.c.id).where(m.endpoints.c.region_id == ident))
    if used.first() is not None:
        raise Invalid("Cannot delete a region that still has endpoints.")
    await rows.delete_row(conn, m.regions, "region", ident)


async def get_service(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return _service(await rows.fetch_one(conn, m.services, "service", ident))


async def list_services(conn: AsyncConnection, filters: Mapping[str, str | None]
                        ) -> list[dict[str, Any]]:
    name = filters.get("name")
    found = [_service(r) for r in await rows.list_rows(conn, m.services,
                                                       {"type": filters.get("type")})]
    return [s for s in found if name is None or s["name"] == name]


async def create_service(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    row = rows.split_extra(m.services, {"enabled": True, **values, "id": rows.new_id()})
    await rows.insert_row(conn, m.services, "service", row, "Duplicate entry.")
    return await get_service(conn, row["id"])


async def update_service(conn: AsyncConnection, ident: str, changes: Mapping[str, Any]
                         ) -> dict[str, Any]:
    await rows.update_row(conn, m.services, "service", ident, changes)
    return await get_service(conn, ident)


async def delete_service(conn: AsyncConnection, ident: str) -> None:
    await rows.fetch_one(conn, m.services, "service", ident)
    await conn.execute(sa.delete(m.endpoints).where(m.endpoints.c.service_id == ident))
    await rows.delete_row(conn, m.services, "service", ident)


async def get_endpoint(conn: AsyncConnection, ident: str) -> dict[str, Any]:
    return _endpoint(await rows.fetch_one(conn, m.endpoints, "endpoint", ident))


async def list_endpoints(conn: AsyncConnection, filters: Mapping[str, str | None]
                         ) -> list[dict[str, Any]]:
    wanted = {"service_id": filters.get("service_id"), "interface": filters.get("interface"),
              "region_id": filters.get("region_id") or filters.get("region")}
    return [_endpoint(r) for r in await rows.list_rows(conn, m.endpoints, wanted)]


async def _check_endpoint(conn: AsyncConnection, data: Mapping[str, Any]) -> None:
    if "interface" in data and data["interface"] not in INTERFACES:
        raise Invalid(f"Invalid interface: {data['interface']}")
    if data.get("service_id"):
        await get_service(conn, data["service_id"])
    if data.get("region_id"):
        await get_region(conn, data["region_id"])


async def create_endpoint(conn: AsyncConnection, values: Mapping[str, Any]) -> dict[str, Any]:
    data = {"enabled": True, **values, "id": rows.new_id()}
    data["region_id"] = data.pop("region", None) if "region_id" not in data else data["region_id"]
    data.pop("region", None)
    await _check_endpoint(conn, data)
    row = rows.split_extra(m.endpoints, data)
    await rows.insert_row(conn, m.endpoints, "endpoint", row, "Duplicate entry.")
    return await get_endpoint(conn, row["id"])


async def update_endpoint(conn: AsyncConnection, ident: str, changes: Mapping[str, Any]
                          ) -> dict[str, Any]:
    data = dict(changes)
    if "region" in data:
        data.setdefault("region_id", data.pop("region"))
    await _check_endpoint(conn, data)
    await rows.update_row(conn, m.endpoints, "endpoint", ident, data)
    return await get_endpoint(conn, ident)


async def delete_endpoint(conn: AsyncConnection, ident: str) -> None:
    await rows.delete_row(conn, m.endpoints, "endpoint", ident)
