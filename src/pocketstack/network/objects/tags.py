"""Tags of any resource (standard-attr-tag): read many at once, replace, add, remove.

Every change of a resource's tags counts a revision of the resource, as Neutron does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects.common import bump_revision
from pocketstack.network.objects.errors import TagNotFound

__all__ = ["KINDS", "add", "create", "load", "remove", "remove_all", "replace"]

_t = m.tags
# The resources that carry tags, by their collection name.
KINDS: dict[str, sa.Table] = {
    "networks": m.networks,
    "subnets": m.subnets,
    "ports": m.ports,
    "security_groups": m.security_groups,
}


async def load(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each resource's tags, sorted, in one query."""
    wanted = list(ids)
    found: dict[str, list[str]] = defaultdict(list)
    if wanted:
        rows = await conn.execute(
            sa.select(_t.c.resource_id, _t.c.tag)
            .where(_t.c.resource_id.in_(wanted))
            .order_by(_t.c.tag)
        )
        for row in rows:
            found[row.resource_id].append(row.tag)
    return {id_: tuple(found.get(id_, ())) for id_ in wanted}


async def _insert(conn: AsyncConnection, kind: str, id_: str, names: Sequence[str]) -> None:
    if names:
        await conn.execute(
            sa.insert(_t),
            [
                {"resource_id": id_, "tag": tag, "resource_type": kind}
                for tag in dict.fromkeys(names)
            ],
        )


async def replace(conn: AsyncConnection, kind: str, id_: str, names: Sequence[str]) -> None:
    await conn.execute(sa.delete(_t).where(_t.c.resource_id == id_))
    await _insert(conn, kind, id_, names)
    await bump_revision(conn, KINDS[kind], id_)


async def create(conn: AsyncConnection, kind: str, id_: str, names: Sequence[str]) -> None:
    """The tags a new resource is made with (no revision counted)."""
    await _insert(conn, kind, id_, names)


async def add(conn: AsyncConnection, kind: str, id_: str, tag: str) -> None:
    have = (
        await conn.execute(sa.select(_t.c.tag).where(_t.c.resource_id == id_, _t.c.tag == tag))
    ).first()
    if have is None:
        await _insert(conn, kind, id_, [tag])
        await bump_revision(conn, KINDS[kind], id_)


async def remove(conn: AsyncConnection, kind: str, id_: str, tag: str) -> None:
    gone = await conn.execute(sa.delete(_t).where(_t.c.resource_id == id_, _t.c.tag == tag))
    if not gone.rowcount:
        raise TagNotFound(tag=tag, resource=kind, resource_id=id_)
    await bump_revision(conn, KINDS[kind], id_)


async def remove_all(conn: AsyncConnection, ids: Iterable[str]) -> None:
    """Forget the tags of deleted resources."""
    wanted = list(ids)
    if wanted:
        await conn.execute(sa.delete(_t).where(_t.c.resource_id.in_(wanted)))
