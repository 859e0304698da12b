"""Flavors in the API database (global): lookup, listing with paging, create, delete, and the
default set seeded at first start; their extra specs and the projects a private flavor is
shared with."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import flavor_extra_specs, flavor_projects, flavors
from pocketstack.compute.objects.instances import now

__all__ = [
    "DEFAULT_FLAVORS",
    "FlavorAccessNotFound",
    "FlavorConflict",
    "FlavorNotFound",
    "MarkerNotFound",
    "SpecNotFound",
    "add_access",
    "create_flavor",
    "delete_flavor",
    "delete_spec",
    "get_flavor",
    "list_access",
    "list_flavors",
    "remove_access",
    "seed_default_flavors",
    "set_description",
    "set_specs",
]

# DevStack's flavors: (flavorid, name, memory_mb, vcpus, root_gb).
DEFAULT_FLAVORS: tuple[tuple[str, str, int, int, int], ...] = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
    ("4", "m1.large", 8192, 4, 80),
    ("5", "m1.xlarge", 16384, 8, 160),
    ("42", "m1.nano", 128, 1, 1),
    ("84", "m1.micro", 192, 1, 1),
)

_SORT_KEYS = {"flavorid", "name", "memory_mb", "vcpus", "root_gb", "ephemeral_gb", "swap",
              "rxtx_factor", "disabled", "is_public", "id", "created_at", "description"}


class FlavorNotFound(LookupError):
    def __init__(self, flavorid: str) -> None:
        super().__init__(f"Flavor {flavorid} could not be found.")
        self.flavorid = flavorid


class FlavorConflict(Exception):
    """A flavor with that name or id exists already (Nova's 409)."""


class MarkerNotFound(LookupError):
    def __init__(self, marker: str) -> None:
        super().__init__(f"marker [{marker}] not found")


# Built once: every boot reads its flavor (a statement built per call costs more than
# SQLite's work on it).
_SPECS_OF = sa.select(
    flavor_extra_specs.c.flavor_id, flavor_extra_specs.c.key, flavor_extra_specs.c.value
).where(flavor_extra_specs.c.flavor_id.in_(sa.bindparam("ids", expanding=True)))
_BY_FLAVORID = sa.select(flavors).where(flavors.c.flavorid == sa.bindparam("flavorid"))


async def _extra_specs(conn: AsyncConnection, row_ids: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {row_id: {} for row_id in row_ids}
    if row_ids:
        for flavor_id, key, value in await conn.execute(_SPECS_OF, {"ids": row_ids}):
            found[flavor_id][key] = value
    return found


async def get_flavor(conn: AsyncConnection, flavorid: str) -> dict[str, Any]:
    """The flavor with API id ``flavorid``, its ``extra_specs`` dict included."""
    row = (await conn.execute(_BY_FLAVORID, {"flavorid": flavorid})).mappings().first()
    if row is None:
        raise FlavorNotFound(flavorid)
    flavor = dict(row)
    flavor["extra_specs"] = (await _extra_specs(conn, [row["id"]]))[row["id"]]
    return flavor


async def list_flavors(
    conn: AsyncConnection, *, is_public: bool | None, project_id: str | None,
    min_ram: int = 0, min_disk: int = 0, sort_key: str = "flavorid", sort_dir: str = "asc",
    limit: int | None = None, marker: str | None = None,
) -> list[dict[str, Any]]:
    """Enabled flavors, extra specs included. ``project_id`` (non-admins) limits the result to
    public flavors and the private ones shared with that project; ``is_public`` None = both."""
    query = sa.select(flavors).where(flavors.c.disabled.is_(False))
    if min_ram:
        query = query.where(flavors.c.memory_mb >= min_ram)
    if min_disk:
        query = query.where(flavors.c.root_gb >= min_disk)
    shared = sa.select(flavor_projects.c.flavor_id).where(
        flavor_projects.c.project_id == project_id)
    if project_id is not None:
        visible = sa.or_(flavors.c.is_public.is_(True), flavors.c.id.in_(shared))
        query = query.where(visible if is_public is None else sa.and_(
            visible, flavors.c.is_public.is_(is_public)))
    elif is_public is not None:
        query = query.where(flavors.c.is_public.is_(is_public))
    column = flavors.c[sort_key if sort_key in _SORT_KEYS else "flavorid"]
    descending = sort_dir == "desc"
    order = [column.desc() if descending else column.asc(), flavors.c.id.asc()]
    if marker is not None:
        anchor = (await conn.execute(sa.select(flavors).where(flavors.c.flavorid == marker))
                  ).mappings().first()
        if anchor is None:
            raise MarkerNotFound(marker)
        value = anchor[column.name]
        beyond = column < value if descending else column > value
        query = query.where(sa.or_(beyond, sa.and_(column == value, flavors.c.id > anchor["id"])))
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    rows = [dict(row) for row in (await conn.execute(query)).mappings()]
    specs = await _extra_specs(conn, [row["id"] for row in rows])
    for row in rows:
        row["extra_specs"] = specs[row["id"]]
    return rows


async def create_flavor(conn: AsyncConnection, spec: dict[str, Any]) -> dict[str, Any]:
    """A new flavor from the API fields (``flavorid`` None: a generated UUID)."""
    flavorid = spec.get("flavorid") or str(uuid.uuid4())
    for column, value, what in ((flavors.c.name, spec["name"], "name"),
                                (flavors.c.flavorid, flavorid, "ID")):
        taken = await conn.execute(sa.select(flavors.c.id).where(column == value))
        if taken.first() is not None:
            raise FlavorConflict(f"Flavor with {what} {value} already exists.")
    await conn.execute(sa.insert(flavors).values(
        flavorid=flavorid, name=spec["name"], memory_mb=spec["memory_mb"], vcpus=spec["vcpus"],
        root_gb=spec["root_gb"], ephemeral_gb=spec.get("ephemeral_gb", 0),
        swap=spec.get("swap", 0), rxtx_factor=spec.get("rxtx_factor", 1.0), disabled=False,
        is_public=spec.get("is_public", True), description=spec.get("description"),
        created_at=now()))
    return await get_flavor(conn, flavorid)


async def set_description(conn: AsyncConnection, flavorid: str,
                          description: str | None) -> dict[str, Any]:
    done = await conn.execute(sa.update(flavors).where(flavors.c.flavorid == flavorid)
                              .values(description=description, updated_at=now()))
    if not done.rowcount:
        raise FlavorNotFound(flavorid)
    return await get_flavor(conn, flavorid)


async def delete_flavor(conn: AsyncConnection, flavorid: str) -> None:
    flavor = await get_flavor(conn, flavorid)
    for table in (flavor_extra_specs, flavor_projects):
        await conn.execute(sa.delete(table).where(table.c.flavor_id == flavor["id"]))
    await conn.execute(sa.delete(flavors).where(flavors.c.id == flavor["id"]))


class SpecNotFound(LookupError):
    def __init__(self, flavorid: str, key: str) -> None:
        super().__init__(f"Flavor {flavorid} has no extra specs with key {key}.")


async def set_specs(conn: AsyncConnection, flavorid: str, specs: dict[str, str]) -> None:
    """Merge ``specs`` into the flavor's extra specs."""
    flavor = await get_flavor(conn, flavorid)
    for key, value in specs.items():
        if key in flavor["extra_specs"]:
            await conn.execute(sa.update(flavor_extra_specs).where(
                flavor_extra_specs.c.flavor_id == flavor["id"],
                flavor_extra_specs.c.key == key).values(value=value))
        else:
            await conn.execute(sa.insert(flavor_extra_specs).values(
                flavor_id=flavor["id"], key=key, value=value))


async def delete_spec(conn: AsyncConnection, flavorid: str, key: str) -> None:
    flavor = await get_flavor(conn, flavorid)
    done = await conn.execute(sa.delete(flavor_extra_specs).where(
        flavor_extra_specs.c.flavor_id == flavor["id"], flavor_extra_specs.c.key == key))
    if not done.rowcount:
        raise SpecNotFound(flavorid, key)


async def list_access(conn: AsyncConnection, flavor_row_id: int) -> list[str]:
    found = await conn.execute(sa.select(flavor_projects.c.project_id).where(
        flavor_projects.c.flavor_id == flavor_row_id).order_by(flavor_projects.c.project_id))
    return [project for (project,) in found]


async def add_access(conn: AsyncConnection, flavorid: str, project_id: str) -> list[str]:
    flavor = await get_flavor(conn, flavorid)
    if project_id in await list_access(conn, flavor["id"]):
        raise FlavorConflict(
            f"Flavor access already exists for flavor {flavorid} and project {project_id} "
            "combination.")
    await conn.execute(sa.insert(flavor_projects).values(
        flavor_id=flavor["id"], project_id=project_id))
    return await list_access(conn, flavor["id"])


async def remove_access(conn: AsyncConnection, flavorid: str, project_id: str) -> list[str]:
    flavor = await get_flavor(conn, flavorid)
    done = await conn.execute(sa.delete(flavor_projects).where(
        flavor_projects.c.flavor_id == flavor["id"], flavor_projects.c.project_id == project_id))
    if not done.rowcount:
        raise FlavorAccessNotFound(
            f"Flavor access not found for {flavorid} / {project_id} combination.")
    return await list_access(conn, flavor["id"])


class FlavorAccessNotFound(LookupError):
    pass


async def seed_default_flavors(conn: AsyncConnection) -> None:
    """DevStack's flavors, once: only into an empty flavors table."""
    if (await conn.execute(sa.select(sa.func.count()).select_from(flavors))).scalar_one():
        return
    moment = now()
    await conn.execute(sa.insert(flavors), [
        {"flavorid": fid, "name": name, "memory_mb": ram, "vcpus": vcpus, "root_gb": disk,
         "ephemeral_gb": 0, "swap": 0, "rxtx_factor": 1.0, "disabled": False,
         "is_public": True, "created_at": moment}
        for fid, name, ram, vcpus, disk in DEFAULT_FLAVORS])
