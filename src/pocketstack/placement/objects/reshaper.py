"""The reshaper (1.30): move inventory and the allocations on it between providers at once.

One transaction: lock every provider named (id order), check the generations sent, give each
provider the union of its old and new inventory (so no allocation is orphaned midway, and a
total may briefly sit below what is allocated), replace the consumers' allocations (the
capacity check sees the union), then set each provider's inventory to exactly the new one
(a class still allocated is a 409 ``inventory.inuse``). Generations move as upstream's do:
+1 for the interim inventory, +1 for the allocations, +1 for the final inventory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.placement import errors as codes
from pocketstack.placement.db import models as m
from pocketstack.placement.objects import allocations, inventories
from pocketstack.placement.objects.errors import BadRequest, ConcurrentUpdate
from pocketstack.placement.objects.inventories import Record
from pocketstack.placement.objects.providers_common import bump_generation

__all__ = ["NewInventory", "reshape"]

NewInventory = tuple[int, dict[str, Record]]  # the generation the client saw, the records

_rp = m.resource_providers


async def reshape(
    conn: AsyncConnection, wanted: Mapping[str, NewInventory], claims: Sequence[allocations.Claim]
) -> None:
    named = set(wanted) | {rp for c in claims for rp in c.allocations}
    locked = {
        r.uuid: r
        for r in await conn.execute(
            sa.select(_rp.c.id, _rp.c.uuid, _rp.c.generation)
            .where(_rp.c.uuid.in_(named))
            .order_by(_rp.c.id)
            .with_for_update()
        )
    }
    for uuid, (generation, _) in wanted.items():
        provider = locked.get(uuid)
        if provider is None:
            raise BadRequest(
                f"Resource provider {uuid} in inventories not found",
                code=codes.RESOURCE_PROVIDER_NOT_FOUND,
            )
        if provider.generation != generation:
            raise ConcurrentUpdate(
                f"resource provider generation conflict for provider "
                f"{uuid}: actual: {provider.generation}, given: {generation}"
            )
    interim = set()
    for uuid, (generation, records) in wanted.items():
        if records:  # an empty new inventory has nothing to add for the interim
            await bump_generation(conn, locked[uuid].id, generation)
            await inventories.apply(conn, locked[uuid], records, keep_unlisted=True)
            interim.add(uuid)
    if claims:
        await allocations.replace(conn, claims)
    for uuid, (generation, records) in wanted.items():
        await bump_generation(conn, locked[uuid].id, None if uuid in interim else generation)
        await inventories.apply(conn, locked[uuid], records)
