"""Security group rules: read with their groups or alone, create (no duplicates), delete.

Rules are immutable, as in Neutron; adding or removing one counts a revision of its group.
A rule whose remote group is deleted goes with it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects.common import (
    Standard,
    Viewer,
    bump_revision,
    new_id,
    standard_values,
)
from pocketstack.network.objects.errors import (
    SecurityGroupNotFound,
    SecurityGroupRuleExists,
    SecurityGroupRuleNotFound,
)
from pocketstack.network.objects.listing import Attributes, ListQuery, fetch_page, timestamps
from pocketstack.network.objects.rule_checks import normalise_rule

__all__ = ["Rule", "create", "delete", "get", "insert_rule", "list_", "load_rules", "visible"]

_r = m.security_group_rules
_g = m.security_groups
_d = m.default_security_groups

_MATCHED = (
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "remote_group_id",
)

ATTRIBUTES = Attributes(
    _r,
    {
        "id": _r.c.id,
        "description": _r.c.description,
        "project_id": _r.c.project_id,
        "tenant_id": _r.c.project_id,
        "revision_number": _r.c.revision_number,
        "security_group_id": _r.c.security_group_id,
        "direction": _r.c.direction,
        "ethertype": _r.c.ethertype,
        "protocol": _r.c.protocol,
        "port_range_min": _r.c.port_range_min,
        "port_range_max": _r.c.port_range_max,
        "remote_ip_prefix": _r.c.remote_ip_prefix,
        "remote_group_id": _r.c.remote_group_id,
    },
    sort_only=timestamps(_r),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    id: str
    security_group_id: str
    project_id: str
    direction: str
    ethertype: str
    protocol: str | None
    port_range_min: int | None
    port_range_max: int | None
    remote_ip_prefix: str | None
    remote_group_id: str | None
    belongs_to_default_sg: bool
    standard: Standard


def _select() -> sa.Select[Any]:
    in_default = sa.exists().where(_d.c.security_group_id == _r.c.security_group_id)
    return sa.select(_r, in_default.label("in_default"))


def _rule(row: Any) -> Rule:
    return Rule(
        row.id,
        row.security_group_id,
        row.project_id,
        row.direction,
        row.ethertype,
        row.protocol,
        row.port_range_min,
        row.port_range_max,
        row.remote_ip_prefix,
        row.remote_group_id,
        bool(row.in_default),
        Standard.from_row(row),
    )


def visible(viewer: Viewer) -> sa.ColumnElement[bool]:
    if viewer.admin:
        return sa.true()
    own_groups = sa.select(_g.c.id).where(_g.c.project_id == viewer.project_id)
    return sa.or_(_r.c.project_id == viewer.project_id, _r.c.security_group_id.in_(own_groups))


async def insert_rule(conn: AsyncConnection, group_id: str, project_id: str, **columns: Any) -> str:
    id_ = new_id()
    await conn.execute(
        sa.insert(_r).values(
            id=id_,
            security_group_id=group_id,
            project_id=project_id,
            **{**standard_values(columns.pop("description", "")), **columns},
        )
    )
    return id_


async def load_rules(conn: AsyncConnection, group_ids: Sequence[str]) -> dict[str, list[Rule]]:
    found: dict[str, list[Rule]] = defaultdict(list)
    if group_ids:
        rows = await conn.execute(
            _select()
            .where(_r.c.security_group_id.in_(group_ids))
            .order_by(_r.c.created_at, _r.c.id)
        )
        for row in rows:
            found[row.security_group_id].append(_rule(row))
    return found


async def get(conn: AsyncConnection, viewer: Viewer, id_: str) -> Rule:
    row = (await conn.execute(_select().where(_r.c.id == id_, visible(viewer)))).first()
    if row is None:
        raise SecurityGroupRuleNotFound(id=id_)
    return _rule(row)


async def list_(conn: AsyncConnection, viewer: Viewer, query: ListQuery) -> list[Rule]:
    rows = await fetch_page(
        conn,
        _select().where(visible(viewer)),
        ATTRIBUTES,
        query,
        lambda id_: SecurityGroupRuleNotFound(id=id_),
    )
    return [_rule(row) for row in rows]


async def create(
    conn: AsyncConnection, viewer: Viewer, group_project_id: str, attrs: Mapping[str, Any]
) -> Rule:
    """A rule in the group ``attrs["security_group_id"]`` (the caller checked it is theirs)."""
    columns = normalise_rule(attrs)
    group_id = attrs["security_group_id"]
    remote = columns["remote_group_id"]
    if remote is not None:
        mine = sa.true() if viewer.admin else _g.c.project_id == viewer.project_id
        seen = (await conn.execute(sa.select(_g.c.id).where(_g.c.id == remote, mine))).first()
        if seen is None:
            raise SecurityGroupNotFound(id=remote)
    same = (
        await conn.execute(
            sa.select(_r.c.id).where(
                _r.c.security_group_id == group_id,
                *[_r.c[name].is_not_distinct_from(columns[name]) for name in _MATCHED],
            )
        )
    ).first()
    if same is not None:
        raise SecurityGroupRuleExists(id=same.id)
    id_ = await insert_rule(conn, group_id, group_project_id, **columns)
    await bump_revision(conn, _g, group_id)
    return await get(conn, viewer, id_)


async def delete(conn: AsyncConnection, viewer: Viewer, id_: str) -> None:
    rule = await get(conn, viewer, id_)
    await conn.execute(sa.delete(_r).where(_r.c.id == id_))
    await bump_revision(conn, _g, rule.security_group_id)
