"""Security groups: each project's ``default`` group made on first use, CRUD, and their rules.

A project's default group is created the first time the project lists or reads groups,
makes a group or a port: ``default`` with egress to anywhere and ingress from members of
the group itself, over IPv4 and IPv6. One ``default_security_groups`` row per project
(its primary key) settles two first uses racing. Other new groups get the two egress rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects import tags
from pocketstack.network.objects.common import (
    Standard,
    Viewer,
    bump_revision,
    new_id,
    standard_values,
)
from pocketstack.network.objects.errors import (
    SecurityGroupCannotRemoveDefault,
    SecurityGroupCannotUpdateDefault,
    SecurityGroupDefaultAlreadyExists,
    SecurityGroupInUse,
    SecurityGroupNotFound,
)
from pocketstack.network.objects.listing import (
    Attributes,
    ListQuery,
    fetch_page,
    parse_bool,
    standard_columns,
    timestamps,
)
from pocketstack.network.objects.security_group_rules import Rule, insert_rule, load_rules

__all__ = [
    "SecurityGroup",
    "create",
    "default_group_id",
    "delete",
    "ensure_default",
    "get",
    "list_",
    "update",
    "visible",
]

_g = m.security_groups
_d = m.default_security_groups


def _shared(values: Sequence[str]) -> sa.ColumnElement[bool]:
    """No group is shared with other projects (RBAC is not offered)."""
    return sa.true() if False in {parse_bool(v) for v in values} else sa.false()


ATTRIBUTES = Attributes(
    _g,
    {**standard_columns(_g), "stateful": _g.c.stateful},
    special={"shared": lambda values: _shared(values)},
    sort_only=timestamps(_g),
)


@dataclasses.dataclass(frozen=True, slots=True)
class SecurityGroup:
    id: str
    project_id: str
    name: str
    stateful: bool
    rules: tuple[Rule, ...]
    standard: Standard


def visible(viewer: Viewer) -> sa.ColumnElement[bool]:
    return sa.true() if viewer.admin else _g.c.project_id == viewer.project_id


async def default_group_id(conn: AsyncConnection, project_id: str) -> str | None:
    row = (
        await conn.execute(sa.select(_d.c.security_group_id).where(_d.c.project_id == project_id))
    ).first()
    return None if row is None else str(row.security_group_id)


async def _insert_group(
    conn: AsyncConnection, project_id: str, name: str, description: str, stateful: bool
) -> str:
    id_ = new_id()
    await conn.execute(
        sa.insert(_g).values(
            id=id_,
            project_id=project_id,
            name=name,
            stateful=stateful,
            **standard_values(description),
        )
    )
    for ethertype in ("IPv4", "IPv6"):
        await insert_rule(conn, id_, project_id, direction="egress", ethertype=ethertype)
    return id_


async def ensure_default(conn: AsyncConnection, project_id: str) -> str:
    """The project's default group, made now if it has none (call in a write transaction)."""
    found = await default_group_id(conn, project_id)
    if found is not None:
        return found
    id_ = await _insert_group(conn, project_id, "default", "Default security group", True)
    for ethertype in ("IPv4", "IPv6"):
        await insert_rule(
            conn, id_, project_id, direction="ingress", ethertype=ethertype, remote_group_id=id_
        )
    await conn.execute(sa.insert(_d).values(project_id=project_id, security_group_id=id_))
    return id_


async def _hydrate(conn: AsyncConnection, rows: Sequence[Any]) -> list[SecurityGroup]:
    ids = [row.id for row in rows]
    rules = await load_rules(conn, ids)
    tagged = await tags.load(conn, ids)
    return [
        SecurityGroup(
            row.id,
            row.project_id,
            row.name,
            bool(row.stateful),
            tuple(rules[row.id]),
            Standard.from_row(row, tagged[row.id]),
        )
        for row in rows
    ]


async def get(conn: AsyncConnection, viewer: Viewer, id_: str) -> SecurityGroup:
    row = (await conn.execute(sa.select(_g).where(_g.c.id == id_, visible(viewer)))).first()
    if row is None:
        raise SecurityGroupNotFound(id=id_)
    return (await _hydrate(conn, [row]))[0]


async def list_(conn: AsyncConnection, viewer: Viewer, query: ListQuery) -> list[SecurityGroup]:
    rows = await fetch_page(
        conn,
        sa.select(_g).where(visible(viewer)),
        ATTRIBUTES,
        query,
        lambda id_: SecurityGroupNotFound(id=id_),
    )
    return await _hydrate(conn, rows)


def _not_default(name: str) -> None:
    if name.lower() == "default":
        raise SecurityGroupDefaultAlreadyExists()


async def create(
    conn: AsyncConnection, viewer: Viewer, project_id: str, attrs: Mapping[str, Any]
) -> SecurityGroup:
    _not_default(attrs.get("name", ""))
    await ensure_default(conn, project_id)
    id_ = await _insert_group(
        conn,
        project_id,
        attrs.get("name", ""),
        attrs.get("description", ""),
        attrs.get("stateful", True),
    )
    await tags.create(conn, "security_groups", id_, attrs.get("tags", ()))
    return await get(conn, viewer, id_)


async def update(
    conn: AsyncConnection, viewer: Viewer, id_: str, attrs: Mapping[str, Any]
) -> SecurityGroup:
    group = await get(conn, viewer, id_)
    if "name" in attrs and attrs["name"] != group.name:
        if await default_group_id(conn, group.project_id) == id_:
            raise SecurityGroupCannotUpdateDefault()
        _not_default(attrs["name"])
    changes = {k: attrs[k] for k in ("name", "description", "stateful") if k in attrs}
    await bump_revision(conn, _g, id_, changes)
    return await get(conn, viewer, id_)


async def delete(conn: AsyncConnection, viewer: Viewer, id_: str) -> None:
    group = await get(conn, viewer, id_)
    if not viewer.admin and await default_group_id(conn, group.project_id) == id_:
        raise SecurityGroupCannotRemoveDefault()
    used = (
        await conn.execute(
            sa.select(m.port_security_groups.c.port_id)
            .where(m.port_security_groups.c.security_group_id == id_)
            .limit(1)
        )
    ).first()
    if used is not None:
        raise SecurityGroupInUse(id=id_)
    await conn.execute(sa.delete(_g).where(_g.c.id == id_))
    await tags.remove_all(conn, [id_])
