"""Which security groups a port is in: read many at once, bind, a new port's defaults."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects import security_groups
from pocketstack.network.objects.common import Viewer
from pocketstack.network.objects.errors import SecurityGroupNotFound

__all__ = ["bind", "for_new_port", "in_groups", "load"]

_psg = m.port_security_groups
_g = m.security_groups


def in_groups(values: Sequence[str]) -> sa.ColumnElement[bool]:
    """The ``security_groups=`` filter of the port list."""
    return sa.exists().where(_psg.c.port_id == m.ports.c.id, _psg.c.security_group_id.in_(values))


async def load(conn: AsyncConnection, port_ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    if port_ids:
        rows = await conn.execute(
            sa.select(_psg).where(_psg.c.port_id.in_(port_ids)).order_by(_psg.c.security_group_id)
        )
        for row in rows:
            found[row.port_id].append(row.security_group_id)
    return found


async def bind(
    conn: AsyncConnection, viewer: Viewer, port_id: str, group_ids: Sequence[str]
) -> None:
    """Put the port in the groups (replacing any), each one the caller can see."""
    wanted = list(dict.fromkeys(group_ids))
    await conn.execute(sa.delete(_psg).where(_psg.c.port_id == port_id))
    if not wanted:
        return
    query = sa.select(_g.c.id).where(_g.c.id.in_(wanted), security_groups.visible(viewer))
    seen = set((await conn.execute(query)).scalars())
    for group_id in wanted:
        if group_id not in seen:
            raise SecurityGroupNotFound(id=group_id)
    await conn.execute(
        sa.insert(_psg), [{"port_id": port_id, "security_group_id": g} for g in wanted]
    )


async def for_new_port(
    conn: AsyncConnection,
    project_id: str,
    device_owner: str,
    port_security: bool,
    attrs: Mapping[str, Any],
) -> list[str]:
    """The groups asked for, else the project's default group (made now if need be) for a
    port with port security that the network service does not own itself."""
    if "security_groups" in attrs:
        return list(attrs["security_groups"])
    if not port_security or device_owner.startswith("network:"):
        return []
    return [await security_groups.ensure_default(conn, project_id)]
