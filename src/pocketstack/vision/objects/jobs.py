"""Bulk enroll jobs: recorded in full by the request, carried out item by item by the
reconciler. Enrolling an item (its person, all its faces, the item's status, and dropping
its stored images) is one transaction, so a crash leaves every person all-or-nothing.

Statuses: job ``QUEUED`` -> ``RUNNING`` -> ``COMPLETE`` (or ``ERROR``); item ``pending`` ->
``enrolled`` or ``failed`` (with the reason).
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.vision.db import models as m
from pocketstack.vision.objects import faces, galleries, persons
from pocketstack.vision.objects.errors import NotFound
from pocketstack.vision.objects.paging import now
from pocketstack.vision.pipeline.stages import Face

__all__ = [
    "UNSETTLED",
    "Item",
    "Job",
    "NewItem",
    "create",
    "enroll_item",
    "fail_item",
    "finish",
    "get",
    "item_images",
    "list_unsettled",
    "pending_items",
]

_j, _i, _im = m.enroll_jobs, m.enroll_items, m.enroll_images
UNSETTLED = ("QUEUED", "RUNNING")


@dataclasses.dataclass(frozen=True)
class NewItem:
    person_id: str | None  # an existing person, or a new one named ``name``
    name: str | None
    metadata: dict[str, Any]
    images: list[bytes]


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    position: int
    person_id: str | None
    name: str | None
    metadata: dict[str, Any]
    status: str
    faces: int
    error: str | None


@dataclasses.dataclass(frozen=True)
class Job:
    id: str
    project_id: str
    gallery_id: str
    status: str
    status_reason: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    items: list[Item]


async def create(
    conn: AsyncConnection, project_id: str, gallery_id: str, items: Sequence[NewItem]
) -> str:
    job_id, stamp = str(uuid.uuid4()), now()
    await conn.execute(_j.insert().values(
        id=job_id, project_id=project_id, gallery_id=gallery_id, status="QUEUED",
        created_at=stamp, updated_at=stamp))
    await conn.execute(_i.insert(), [
        {"job_id": job_id, "position": n, "person_id": item.person_id, "name": item.name,
         "metadata": item.metadata, "status": "pending", "faces": 0}
        for n, item in enumerate(items)
    ])
    images = [{"job_id": job_id, "item": n, "position": k, "data": data}
              for n, item in enumerate(items) for k, data in enumerate(item.images)]
    if images:
        await conn.execute(_im.insert(), images)
    return job_id


async def get(conn: AsyncConnection, job_id: str) -> Job:
    row = (await conn.execute(sa.select(_j).where(_j.c.id == job_id))).first()
    if row is None:
        raise NotFound(f"Enroll job {job_id} could not be found.")
    items = [
        Item(r.position, r.person_id, r.name, dict(r.metadata or {}), r.status, r.faces,
             r.error)
        for r in await conn.execute(
            sa.select(_i).where(_i.c.job_id == job_id).order_by(_i.c.position))
    ]
    return Job(row.id, row.project_id, row.gallery_id, row.status, row.status_reason,
               row.created_at, row.updated_at, items)


async def list_unsettled(conn: AsyncConnection) -> list[str]:
    return [r.id for r in await conn.execute(sa.select(_j.c.id).where(_j.c.status.in_(UNSETTLED)))]


async def pending_items(conn: AsyncConnection, job_id: str) -> list[Item]:
    return [item for item in (await get(conn, job_id)).items if item.status == "pending"]


async def item_images(conn: AsyncConnection, job_id: str, position: int) -> list[bytes]:
    rows = await conn.execute(
        sa.select(_im.c.data).where(_im.c.job_id == job_id, _im.c.item == position)
        .order_by(_im.c.position))
    return [bytes(r.data) for r in rows]


async def _settle_item(conn: AsyncConnection, job_id: str, position: int, **values: Any) -> bool:
    done = await conn.execute(
        _i.update().where(_i.c.job_id == job_id, _i.c.position == position,
                          _i.c.status == "pending").values(**values))
    if done.rowcount != 1:
        return False  # settled by someone else meanwhile
    await conn.execute(_im.delete().where(_im.c.job_id == job_id, _im.c.item == position))
    await conn.execute(_j.update().where(_j.c.id == job_id)
                       .values(status="RUNNING", updated_at=now()))
    return True


async def enroll_item(
    conn: AsyncConnection, job: Job, item: Item,
    found: Sequence[tuple[Face, np.ndarray]],  # type: ignore[type-arg]
    skipped: str | None = None,
) -> tuple[list[faces.EnrolledFace], int] | None:
    """The item's person (made now when new) with its faces, in the caller's transaction,
    and the gallery's new generation; None when the item was already settled. ``skipped``
    says which images gave no face."""
    if item.person_id is not None:
        await persons.get(conn, job.gallery_id, item.person_id)  # NotFound before any write
    person_id = item.person_id or str(uuid.uuid4())
    if not await _settle_item(conn, job.id, item.position, status="enrolled",
                              person_id=person_id, faces=len(found),
                              error=skipped[:1024] if skipped else None):
        return None
    if item.person_id is None:
        await persons.create(conn, job.gallery_id, item.name or "", item.metadata,
                             person_id=person_id)
    made = await faces.add(conn, job.gallery_id, person_id, found)
    return made, await galleries.bump(conn, job.gallery_id)


async def fail_item(conn: AsyncConnection, job_id: str, position: int, reason: str) -> None:
    await _settle_item(conn, job_id, position, status="failed", error=reason[:1024])


async def finish(conn: AsyncConnection, job_id: str, status: str,
                 reason: str | None = None) -> None:
    await conn.execute(_j.update().where(_j.c.id == job_id, _j.c.status.in_(UNSETTLED))
                       .values(status=status, status_reason=reason, updated_at=now()))
