"""Server groups in the API database: a policy (affinity, anti-affinity and the soft ones),
its rules, and the member servers; 10 groups per project, 10 members per group."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import instance_group_members, instance_groups
from pocketstack.compute.objects.instances import now

__all__ = [
    "GROUP_MEMBERS_QUOTA",
    "SERVER_GROUPS_QUOTA",
    "GroupFull",
    "GroupNotFound",
    "GroupQuotaExceeded",
    "add_members",
    "count_groups",
    "create_group",
    "delete_group",
    "get_group",
    "groups_of",
    "list_groups",
    "require_group",
]

SERVER_GROUPS_QUOTA = 10  # [quota] server_groups
GROUP_MEMBERS_QUOTA = 10  # [quota] server_group_members


class GroupNotFound(LookupError):
    def __init__(self, group_uuid: str) -> None:
        super().__init__(f"Instance group {group_uuid} could not be found.")


class GroupQuotaExceeded(Exception):
    def __init__(self) -> None:
        super().__init__("Quota exceeded, too many server groups.")


class GroupFull(Exception):
    def __init__(self) -> None:
        super().__init__("Quota exceeded, too many servers in group")


async def _with_members(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    members: dict[int, list[str]] = {i: [] for i in ids}
    found = await conn.execute(
        sa.select(instance_group_members.c.group_id, instance_group_members.c.instance_uuid)
        .where(instance_group_members.c.group_id.in_(ids)).order_by(instance_group_members.c.id))
    for group_id, instance_uuid in found:
        members[group_id].append(instance_uuid)
    return [{**row, "rules": dict(row["rules"] or {}), "members": members[row["id"]]}
            for row in rows]


async def get_group(conn: AsyncConnection, group_uuid: str) -> dict[str, Any] | None:
    """The group (uuid, name, policy, rules, project_id, user_id, members), or None."""
    row = (await conn.execute(sa.select(instance_groups).where(
        instance_groups.c.uuid == group_uuid))).mappings().first()
    return (await _with_members(conn, [dict(row)]))[0] if row is not None else None


async def require_group(conn: AsyncConnection, group_uuid: str) -> dict[str, Any]:
    group = await get_group(conn, group_uuid)
    if group is None:
        raise GroupNotFound(group_uuid)
    return group


async def count_groups(conn: AsyncConnection, project_id: str) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(instance_groups)
                                   .where(instance_groups.c.project_id == project_id))
                ).scalar_one())


async def list_groups(conn: AsyncConnection, project_id: str | None, *, limit: int | None = None,
                      offset: int = 0) -> list[dict[str, Any]]:
    """The project's groups (every project's when ``project_id`` is None), oldest first."""
    query = sa.select(instance_groups).order_by(instance_groups.c.id).offset(offset)
    if project_id is not None:
        query = query.where(instance_groups.c.project_id == project_id)
    if limit is not None:
        query = query.limit(limit)
    return await _with_members(conn, [dict(r) for r in (await conn.execute(query)).mappings()])


async def create_group(conn: AsyncConnection, *, name: str, policy: str, rules: dict[str, int],
                       project_id: str, user_id: str,
                       limit: int = SERVER_GROUPS_QUOTA) -> dict[str, Any]:
    """A new group of the project; ``GroupQuotaExceeded`` past ``limit`` (-1: none)."""
    if 0 <= limit <= await count_groups(conn, project_id):
        raise GroupQuotaExceeded()
    group_uuid = str(uuid.uuid4())
    await conn.execute(sa.insert(instance_groups).values(
        uuid=group_uuid, name=name, policy=policy, rules=rules, project_id=project_id,
        user_id=user_id, created_at=now()))
    return await require_group(conn, group_uuid)


async def delete_group(conn: AsyncConnection, group_uuid: str) -> None:
    group = await require_group(conn, group_uuid)
    await conn.execute(sa.delete(instance_group_members).where(
        instance_group_members.c.group_id == group["id"]))
    await conn.execute(sa.delete(instance_groups).where(instance_groups.c.id == group["id"]))


async def add_members(conn: AsyncConnection, group_uuid: str, instance_uuids: list[str], *,
                      limit: int = GROUP_MEMBERS_QUOTA) -> None:
    """Add servers to the group; ``GroupFull`` past ``limit`` members (-1: no limit)."""
    group = await require_group(conn, group_uuid)
    new = [u for u in dict.fromkeys(instance_uuids) if u not in group["members"]]
    if 0 <= limit < len(group["members"]) + len(new):
        raise GroupFull()
    if new:
        await conn.execute(sa.insert(instance_group_members), [
            {"group_id": group["id"], "instance_uuid": u, "created_at": now()} for u in new])


async def groups_of(conn: AsyncConnection, instance_uuid: str) -> list[str]:
    """The uuids of the server groups ``instance_uuid`` belongs to."""
    rows = await conn.execute(
        sa.select(instance_groups.c.uuid).join(
            instance_group_members, instance_group_members.c.group_id == instance_groups.c.id)
        .where(instance_group_members.c.instance_uuid == instance_uuid))
    return [row.uuid for row in rows]
