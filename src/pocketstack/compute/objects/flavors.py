"""Flavors in the API database (global): lookup and the default set seeded at first start.

(Owned by the flavors work: CRUD, extra specs and access go here too.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import flavor_extra_specs, flavors
from pocketstack.compute.objects.instances import now

__all__ = ["DEFAULT_FLAVORS", "FlavorNotFound", "get_flavor", "seed_default_flavors"]

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


class FlavorNotFound(LookupError):
    def __init__(self, flavorid: str) -> None:
        super().__init__(f"Flavor {flavorid} could not be found.")
        self.flavorid = flavorid


async def get_flavor(conn: AsyncConnection, flavorid: str) -> dict[str, Any]:
    """The flavor with API id ``flavorid``, its ``extra_specs`` dict included."""
    row = (await conn.execute(sa.select(flavors).where(flavors.c.flavorid == flavorid))
           ).mappings().first()
    if row is None:
        raise FlavorNotFound(flavorid)
    flavor = dict(row)
    specs = await conn.execute(sa.select(flavor_extra_specs.c.key, flavor_extra_specs.c.value)
                               .where(flavor_extra_specs.c.flavor_id == row["id"]))
    flavor["extra_specs"] = {key: value for key, value in specs}
    return flavor


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
