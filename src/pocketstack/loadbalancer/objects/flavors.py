"""Flavor profiles and flavors: an operator's named placements of load balancers.

A profile holds a provider's ``flavor_data`` (a JSON object as a string); a flavor names a
profile and can be disabled. A profile is in use while a flavor names it, a flavor while a
load balancer that is not DELETED does. Deletes and profile changes lock the row they check
(``FOR UPDATE``) and a load balancer's create reads its flavor ``FOR SHARE``, so a flavor
can't go away under a load balancer being made.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.settings import LoadBalancerSettings
from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects import providers
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid, NotFound
from pocketstack.loadbalancer.objects.graph import Record, new_id, now

__all__ = ["create_flavor", "create_profile", "delete_flavor", "delete_profile",
           "flavor_in_use", "get_flavor", "get_profile", "list_flavors", "list_profiles",
           "placement_of", "profile_in_use", "update_flavor", "update_profile"]

_fp = models.flavor_profiles
_f = models.flavors
_lb = models.load_balancers
_PROFILE = "Flavor Profile"  # Octavia's data-model name, as its 404 spells it


def _records(rows: Any) -> list[Record]:
    return [dict(row._mapping) for row in rows]


# -- flavor profiles --

async def list_profiles(conn: AsyncConnection) -> list[Record]:
    return _records(await conn.execute(sa.select(_fp).order_by(_fp.c.created_at, _fp.c.id)))


async def get_profile(conn: AsyncConnection, profile_id: str, *, lock: bool = False) -> Record:
    query = sa.select(_fp).where(_fp.c.id == profile_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound.of(_PROFILE, profile_id)
    return dict(row._mapping)


async def profile_in_use(conn: AsyncConnection, profile_id: str) -> bool:
    used = await conn.execute(sa.select(_f.c.id).where(_f.c.flavor_profile_id == profile_id))
    return used.first() is not None


async def create_profile(conn: AsyncConnection, spec: Mapping[str, Any]) -> Record:
    providers.validate_flavor_data(spec["provider_name"], spec["flavor_data"])
    record = {"id": new_id(), "name": spec["name"], "provider_name": spec["provider_name"],
              "flavor_data": spec["flavor_data"], "created_at": now()}
    await conn.execute(sa.insert(_fp).values(**record))
    return record


async def update_profile(conn: AsyncConnection, profile_id: str,
                         changes: Mapping[str, Any]) -> Record:
    """Rename a profile, or change its provider or data while no flavor uses it (409)."""
    profile = await get_profile(conn, profile_id, lock=True)
    for option in ("name", "provider_name", "flavor_data"):
        if option in changes and changes[option] is None:
            raise Invalid(f"None is not a valid option for {option}")
    if ("provider_name" in changes or "flavor_data" in changes) and \
            await profile_in_use(conn, profile_id):
        raise Conflict(f"Flavor profile {profile_id} is in use and cannot be modified.")
    merged = {**profile, **changes}
    if "provider_name" in changes or "flavor_data" in changes:
        providers.validate_flavor_data(merged["provider_name"], merged["flavor_data"])
    if changes:
        await conn.execute(sa.update(_fp).where(_fp.c.id == profile_id).values(**changes))
    return merged


async def delete_profile(conn: AsyncConnection, profile_id: str) -> None:
    await get_profile(conn, profile_id, lock=True)
    if await profile_in_use(conn, profile_id):
        raise Conflict(f"Flavor profile {profile_id} is in use and cannot be modified.")
    await conn.execute(sa.delete(_fp).where(_fp.c.id == profile_id))


# -- flavors --

async def list_flavors(conn: AsyncConnection) -> list[Record]:
    return _records(await conn.execute(sa.select(_f).order_by(_f.c.created_at, _f.c.id)))


async def get_flavor(conn: AsyncConnection, flavor_id: str, *, lock: bool = False) -> Record:
    query = sa.select(_f).where(_f.c.id == flavor_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound.of("flavor", flavor_id)
    return dict(row._mapping)


async def flavor_in_use(conn: AsyncConnection, flavor_id: str) -> bool:
    used = await conn.execute(sa.select(_lb.c.id).where(
        _lb.c.flavor_id == flavor_id, _lb.c.provisioning_status != "DELETED").limit(1))
    return used.first() is not None


async def _name_taken(conn: AsyncConnection, name: str, but: str | None = None) -> bool:
    query = sa.select(_f.c.id).where(_f.c.name == name)
    if but is not None:
        query = query.where(_f.c.id != but)
    return (await conn.execute(query)).first() is not None


async def _write_flavor(conn: AsyncConnection, statement: Any, name: str) -> None:
    """Run an insert/update of a flavor; a name another flavor has is a 409."""
    try:
        await conn.execute(statement)
    except IntegrityError:  # a concurrent writer won the name (the transaction rolls back)
        raise Conflict(f"A flavor of {name} already exists.") from None


async def create_flavor(conn: AsyncConnection, spec: Mapping[str, Any]) -> Record:
    profile_id = spec["flavor_profile_id"]
    found = await conn.execute(sa.select(_fp.c.id).where(_fp.c.id == profile_id)
                               .with_for_update(read=True))
    if found.first() is None:
        raise Invalid(f"{profile_id} is not a valid option for flavor_profile_id")
    if await _name_taken(conn, spec["name"]):
        raise Conflict(f"A flavor of {spec['name']} already exists.")
    record = {"id": new_id(), "name": spec["name"], "description": spec.get("description"),
              "enabled": spec.get("enabled", True), "flavor_profile_id": profile_id,
              "created_at": now()}
    await _write_flavor(conn, sa.insert(_f).values(**record), spec["name"])
    return record


async def update_flavor(conn: AsyncConnection, flavor_id: str,
                        changes: Mapping[str, Any]) -> Record:
    flavor = await get_flavor(conn, flavor_id, lock=True)
    name = changes.get("name")
    if name is not None and await _name_taken(conn, name, but=flavor_id):
        raise Conflict(f"A flavor of {name} already exists.")
    if changes:
        await _write_flavor(conn, sa.update(_f).where(_f.c.id == flavor_id).values(**changes),
                            name or flavor["name"])
    return {**flavor, **changes}


async def delete_flavor(conn: AsyncConnection, flavor_id: str) -> None:
    await get_flavor(conn, flavor_id, lock=True)
    if await flavor_in_use(conn, flavor_id):
        raise Conflict(f"Flavor {flavor_id} is in use and cannot be modified.")
    await conn.execute(sa.delete(_f).where(_f.c.id == flavor_id))


# -- a load balancer's placement --

def _topology(flavor_data: str, default: str) -> str:
    try:
        data = json.loads(flavor_data)
    except ValueError:
        return default
    topology = data.get("loadbalancer_topology") if isinstance(data, dict) else None
    return topology if topology in providers.TOPOLOGIES else default


async def placement_of(conn: AsyncConnection, flavor_id: str | None, provider: str | None,
                       settings: LoadBalancerSettings) -> tuple[str, str]:
    """(provider, topology) of a new load balancer asking for ``flavor_id`` and ``provider``
    (either may be None), as Octavia decides them; 400 when they can't be used."""
    if flavor_id is None:
        chosen = provider if provider is not None else settings.default_provider
        providers.check_enabled(chosen)
        return chosen, settings.default_topology
    query = (sa.select(_f.c.enabled, _fp.c.provider_name, _fp.c.flavor_data)
             .join(_fp, _fp.c.id == _f.c.flavor_profile_id)
             .where(_f.c.id == flavor_id).with_for_update(read=True, of=_f))
    row = (await conn.execute(query)).first()
    if row is None:
        raise Invalid.validation("Invalid flavor_id.")
    if provider is not None and provider != row.provider_name:
        raise Invalid(f"Flavor '{flavor_id}' is not compatible with provider '{provider}'")
    providers.check_enabled(row.provider_name)
    if not row.enabled:
        raise Invalid(f"The selected flavor is not allowed in this deployment: {flavor_id}")
    return row.provider_name, _topology(row.flavor_data, settings.default_topology)
