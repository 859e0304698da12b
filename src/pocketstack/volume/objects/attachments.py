"""Attachments (the 3.27 attach flow Nova uses): reserve, connect, complete, delete.

Each step runs in one transaction holding the volume's row lock, so the volume's status
always follows its attachments: ``available`` -> ``reserved`` (attachment reserved) ->
``attaching`` (connector given) -> ``in-use`` (os-complete); deleting the last attachment
makes it ``available`` again. Volumes are never multiattach here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.volume.db import models as m
from pocketstack.volume.objects import volumes
from pocketstack.volume.objects.errors import InvalidVolume, NotFound
from pocketstack.volume.objects.rows import Attachment, Volume, now

__all__ = ["ATTACH_STATUSES", "complete", "connect", "delete", "get", "list_", "reserve"]

_a = m.volume_attachments

# A volume's status while it has attachments, strongest first (Cinder's volume_detached).
ATTACH_STATUSES = {
    "attached": "in-use",
    "attaching": "attaching",
    "detaching": "detaching",
    "reserved": "reserved",
}
_RESERVABLE = ("available",)


async def get(conn: AsyncConnection, attachment_id: str, project_id: str | None) -> Attachment:
    query = sa.select(_a).where(_a.c.id == attachment_id)
    if project_id is not None:
        query = query.where(_a.c.project_id == project_id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound(
            f"Volume attachment could not be found with filter: attachment_id = {attachment_id}."
        )
    return Attachment.from_row(row)


async def list_(
    conn: AsyncConnection, project_id: str | None, filters: Mapping[str, str]
) -> list[Attachment]:
    query = sa.select(_a)
    if project_id is not None:
        query = query.where(_a.c.project_id == project_id)
    columns = {
        "volume_id": _a.c.volume_id,
        "instance_id": _a.c.instance_uuid,
        "status": _a.c.attach_status,
        "attach_status": _a.c.attach_status,
    }
    for key, value in filters.items():
        if key in columns:
            query = query.where(columns[key] == value)
    rows = await conn.execute(query.order_by(_a.c.created_at.desc(), _a.c.id.desc()))
    return [Attachment.from_row(r) for r in rows]


async def reserve(
    conn: AsyncConnection,
    volume_id: str,
    project_id: str | None,
    *,
    instance_uuid: str | None,
    mode: str,
) -> Attachment:
    """A ``reserved`` attachment; the volume goes ``available`` -> ``reserved``.

    A second attachment for the same instance is allowed (Nova moving the instance to
    another host), as Cinder allows it.
    """
    volume = await volumes.lock(conn, volume_id, project_id)
    if not await volumes.move(conn, volume.id, _RESERVABLE, "reserved"):
        same_instance = (
            instance_uuid is not None
            and volume.status in ("in-use", "reserved")
            and any(a.instance_uuid == instance_uuid for a in volume.attachments)
        )
        if not same_instance:
            raise InvalidVolume(
                f"Volume {volume.id} status must be available to reserve, "
                f"but the current status is {volume.status}."
            )
    attachment_id = str(uuid.uuid4())
    await conn.execute(
        _a.insert().values(
            id=attachment_id,
            volume_id=volume.id,
            project_id=volume.project_id,
            instance_uuid=instance_uuid,
            attach_status="reserved",
            attach_mode=mode,
            created_at=now(),
        )
    )
    return await get(conn, attachment_id, None)


async def connect(
    conn: AsyncConnection,
    attachment_id: str,
    project_id: str | None,
    connector: Mapping[str, Any],
    connection_info: Mapping[str, Any],
) -> Attachment:
    """Record the host's connector and the connection made for it: ``attaching``."""
    attachment = await get(conn, attachment_id, project_id)
    if attachment.attach_status.startswith("error"):
        raise InvalidVolume(
            f"The volume attachment is in an error state: {attachment.attach_status}."
        )
    volume = await volumes.lock(conn, attachment.volume_id, None)
    others = [
        a
        for a in volume.attachments
        if a.id != attachment.id and a.instance_uuid != attachment.instance_uuid
    ]
    if others:
        raise InvalidVolume(f"Volume {volume.id} is already attached to a different instance.")
    mode = (
        attachment.attach_mode
        if attachment.attach_mode != "null"
        else str(connector.get("mode") or "rw")
    )
    await conn.execute(
        _a.update()
        .where(_a.c.id == attachment.id)
        .values(
            attach_status="attaching",
            attach_mode=mode,
            connector=dict(connector),
            connection_info=dict(connection_info),
            attached_host=connector.get("host"),
            mountpoint=connector.get("mountpoint"),
            updated_at=now(),
        )
    )
    await _follow(conn, volume)
    return await get(conn, attachment.id, None)


async def complete(conn: AsyncConnection, attachment_id: str, project_id: str | None) -> None:
    """os-complete: the attachment is ``attached`` and the volume ``in-use``."""
    attachment = await get(conn, attachment_id, project_id)
    volume = await volumes.lock(conn, attachment.volume_id, None)
    await conn.execute(
        _a.update()
        .where(_a.c.id == attachment.id)
        .values(attach_status="attached", attach_time=now(), updated_at=now())
    )
    await _follow(conn, volume)


async def delete(
    conn: AsyncConnection, attachment_id: str, project_id: str | None
) -> list[Attachment]:
    """Remove the attachment; the volume's status follows those left. Returns those left."""
    attachment = await get(conn, attachment_id, project_id)
    volume = await volumes.lock(conn, attachment.volume_id, None)
    await conn.execute(_a.delete().where(_a.c.id == attachment.id))
    await _follow(conn, volume)
    return list((await volumes.get(conn, volume.id, None)).attachments)


async def _follow(conn: AsyncConnection, volume: Volume) -> None:
    """Set the volume's status from its attachments (the strongest wins), as Cinder does."""
    if volume.status not in (*ATTACH_STATUSES.values(), "available"):
        return  # error, deleting...: attachments do not move it
    rows = await conn.execute(sa.select(_a.c.attach_status).where(_a.c.volume_id == volume.id))
    present = {r.attach_status for r in rows}
    status = next((s for k, s in ATTACH_STATUSES.items() if k in present), "available")
    if status != volume.status:
        await volumes.move(conn, volume.id, [volume.status], status)
