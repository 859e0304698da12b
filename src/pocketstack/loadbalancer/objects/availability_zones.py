"""Availability zone profiles (by id) and availability zones (keyed by name).

A profile holds a provider's ``availability_zone_data`` (a JSON object as a string); a zone
names a profile and can be disabled. A profile is in use while a zone names it, a zone while
a load balancer that is not DELETED is in it. Deletes and profile changes lock the row they
check; a load balancer's create reads its zone ``FOR SHARE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects import providers
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid, NotFound
from pocketstack.loadbalancer.objects.graph import Record, new_id, now

__all__ = ["check_usable", "create_profile", "create_zone", "delete_profile", "delete_zone",
           "get_profile", "get_zone", "list_profiles", "list_zones", "profile_in_use",
           "update_profile", "update_zone", "zone_in_use"]

_azp = models.availability_zone_profiles
_az = models.availability_zones
_lb = models.load_balancers


def _records(rows: Any) -> list[Record]:
    return [dict(row._mapping) for row in rows]


# -- availability zone profiles --

async def list_profiles(conn: AsyncConnection) -> list[Record]:
    return _records(await conn.execute(sa.select(_azp).order_by(_azp.c.created_at, _azp.c.id)))


async def get_profile(conn: AsyncConnection, profile_id: str, *, lock: bool = False) -> Record:
    query = sa.select(_azp).where(_azp.c.id == profile_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound.of("availability_zone_profile", profile_id)
    return dict(row._mapping)


async def profile_in_use(conn: AsyncConnection, profile_id: str) -> bool:
    used = await conn.execute(sa.select(_az.c.name).where(
        _az.c.availability_zone_profile_id == profile_id))
    return used.first() is not None


async def create_profile(conn: AsyncConnection, spec: Mapping[str, Any]) -> Record:
    providers.validate_az_data(spec["provider_name"], spec["availability_zone_data"])
    record = {"id": new_id(), "name": spec["name"], "provider_name": spec["provider_name"],
              "availability_zone_data": spec["availability_zone_data"], "created_at": now()}
    await conn.execute(sa.insert(_azp).values(**record))
    return record


async def update_profile(conn: AsyncConnection, profile_id: str,
                         changes: Mapping[str, Any]) -> Record:
    """Rename a profile, or change its provider or data while no zone uses it (409)."""
    profile = await get_profile(conn, profile_id, lock=True)
    for option in ("name", "provider_name", "availability_zone_data"):
        if option in changes and changes[option] is None:
            raise Invalid(f"None is not a valid option for {option}")
    touches_data = "provider_name" in changes or "availability_zone_data" in changes
    if touches_data and await profile_in_use(conn, profile_id):
        raise Conflict(f"Availability Zone Profile {profile_id} is in use and cannot be "
                       "modified.")
    merged = {**profile, **changes}
    if touches_data:
        providers.validate_az_data(merged["provider_name"], merged["availability_zone_data"])
    if changes:
        await conn.execute(sa.update(_azp).where(_azp.c.id == profile_id).values(**changes))
    return merged


async def delete_profile(conn: AsyncConnection, profile_id: str) -> None:
    await get_profile(conn, profile_id, lock=True)
    if await profile_in_use(conn, profile_id):
        raise Conflict(f"Availability Zone Profile {profile_id} is in use and cannot be "
                       "modified.")
    await conn.execute(sa.delete(_azp).where(_azp.c.id == profile_id))


# -- availability zones --

async def list_zones(conn: AsyncConnection) -> list[Record]:
    return _records(await conn.execute(sa.select(_az).order_by(_az.c.created_at, _az.c.name)))


async def get_zone(conn: AsyncConnection, name: str, *, lock: bool = False) -> Record:
    query = sa.select(_az).where(_az.c.name == name)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound.of("availability_zone", name)
    return dict(row._mapping)


async def zone_in_use(conn: AsyncConnection, name: str) -> bool:
    used = await conn.execute(sa.select(_lb.c.id).where(
        _lb.c.availability_zone == name, _lb.c.provisioning_status != "DELETED").limit(1))
    return used.first() is not None


async def create_zone(conn: AsyncConnection, spec: Mapping[str, Any]) -> Record:
    profile_id = spec["availability_zone_profile_id"]
    found = await conn.execute(sa.select(_azp.c.id).where(_azp.c.id == profile_id)
                               .with_for_update(read=True))
    if found.first() is None:
        raise Invalid(f"{profile_id} is not a valid option for availability_zone_profile_id")
    taken = await conn.execute(sa.select(_az.c.name).where(_az.c.name == spec["name"]))
    if taken.first() is not None:
        raise Conflict(f"A availability_zone of {spec['name']} already exists.")
    record = {"name": spec["name"], "description": spec.get("description"),
              "enabled": spec.get("enabled", True), "availability_zone_profile_id": profile_id,
              "created_at": now()}
    try:
        await conn.execute(sa.insert(_az).values(**record))
    except IntegrityError:  # a concurrent writer won the name
        raise Conflict(f"A availability_zone of {spec['name']} already exists.") from None
    return record


async def update_zone(conn: AsyncConnection, name: str, changes: Mapping[str, Any]) -> Record:
    zone = await get_zone(conn, name, lock=True)
    if changes:
        await conn.execute(sa.update(_az).where(_az.c.name == name).values(**changes))
    return {**zone, **changes}


async def delete_zone(conn: AsyncConnection, name: str) -> None:
    await get_zone(conn, name, lock=True)
    if await zone_in_use(conn, name):
        raise Conflict(f"Availability Zone {name} is in use and cannot be modified.")
    await conn.execute(sa.delete(_az).where(_az.c.name == name))


async def check_usable(conn: AsyncConnection, name: str) -> None:
    """400 unless the zone ``name`` exists and is enabled (a new load balancer's zone)."""
    row = (await conn.execute(sa.select(_az.c.enabled).where(_az.c.name == name)
                              .with_for_update(read=True))).first()
    if row is None:
        raise Invalid.validation("Invalid availability zone.")
    if not row.enabled:
        raise Invalid(f"The selected availability_zone is not allowed in this deployment: "
                      f"{name}")
