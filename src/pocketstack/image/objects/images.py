"""Images: a row each, with extra properties and tags; who may see which (Glance's rules).

An image is visible to an admin, to its owner, to everyone when ``public`` or ``community``
(or without an owner), and, when ``shared``, to the projects that are its members whatever
their membership status. Deleted images are invisible to all.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.image.db import models as m
from pocketstack.image.objects.errors import Conflict, NotFound, TooLarge

__all__ = [
    "MAX_PROPERTIES",
    "MAX_TAGS",
    "Image",
    "Viewer",
    "check_quotas",
    "create",
    "delete",
    "get",
    "load",
    "now",
    "save",
    "visible_to",
]

MAX_PROPERTIES = 128  # Glance's image_property_quota
MAX_TAGS = 128  # Glance's image_tag_quota

_i, _p, _t, _m = m.images, m.image_properties, m.image_tags, m.image_members
_COLUMNS = (
    "name",
    "status",
    "visibility",
    "owner",
    "disk_format",
    "container_format",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "min_disk",
    "min_ram",
    "protected",
    "os_hidden",
    "location",
    "created_at",
    "updated_at",
)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@dataclasses.dataclass
class Image:
    id: str
    name: str | None = None
    status: str = "queued"
    visibility: str = "shared"
    owner: str | None = None
    disk_format: str | None = None
    container_format: str | None = None
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    os_hidden: bool = False
    location: str | None = None
    created_at: datetime.datetime = dataclasses.field(default_factory=now)
    updated_at: datetime.datetime = dataclasses.field(default_factory=now)
    properties: dict[str, str | None] = dataclasses.field(default_factory=dict)
    tags: list[str] = dataclasses.field(default_factory=list)

    def copy(self) -> Image:
        return dataclasses.replace(self, properties=dict(self.properties), tags=list(self.tags))

    def row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _COLUMNS}


@dataclasses.dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: their project and whether they hold the admin role."""

    project_id: str | None
    is_admin: bool


def _membership(viewer: Viewer, status: str | None = None) -> sa.ColumnElement[bool]:
    """The image is shared with the viewer's project (with that membership ``status``)."""
    query = sa.select(_m.c.id).where(_m.c.image_id == _i.c.id, _m.c.member == viewer.project_id)
    if status is not None:
        query = query.where(_m.c.status == status)
    return sa.and_(_i.c.visibility == "shared", query.exists())


def visible_to(viewer: Viewer) -> sa.ColumnElement[bool]:
    if viewer.is_admin:
        return sa.true()
    return sa.or_(
        _i.c.owner.is_(None),
        _i.c.visibility.in_(("public", "community")),
        _i.c.owner == viewer.project_id,
        _membership(viewer),
    )


def _visible_one(admin: bool) -> sa.Select[Any]:
    """The row of image ``:id`` if it is not deleted and the viewer (``:project_id``) may
    see it."""
    query = sa.select(_i).where(_i.c.id == sa.bindparam("id"), _i.c.deleted.is_(False))
    if admin:
        return query
    shared = sa.select(_m.c.id).where(
        _m.c.image_id == _i.c.id, _m.c.member == sa.bindparam("project_id"))
    return query.where(sa.or_(
        _i.c.owner.is_(None),
        _i.c.visibility.in_(("public", "community")),
        _i.c.owner == sa.bindparam("project_id"),
        sa.and_(_i.c.visibility == "shared", shared.exists())))


# Built once (every boot reads its image): statements built per call cost more than
# SQLite's work on them.
_VISIBLE_ONE = {admin: _visible_one(admin) for admin in (False, True)}
_PROPERTIES_OF = sa.select(_p).where(_p.c.image_id == sa.bindparam("id")).order_by(_p.c.id)
_TAGS_OF = sa.select(_t).where(_t.c.image_id == sa.bindparam("id")).order_by(_t.c.id)


def _image_of(row: sa.Row[Any]) -> Image:
    return Image(id=row.id, **{c: getattr(row, c) for c in _COLUMNS})


async def get(
    conn: AsyncConnection, image_id: str, viewer: Viewer, *, for_update: bool = False
) -> Image:
    query = _VISIBLE_ONE[viewer.is_admin]
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query, {"id": image_id, "project_id": viewer.project_id})
           ).first()
    if row is None:
        raise NotFound(f"No image found with ID {image_id}")
    image = _image_of(row)
    for prop in await conn.execute(_PROPERTIES_OF, {"id": image_id}):
        image.properties[prop.name] = prop.value
    for tag in await conn.execute(_TAGS_OF, {"id": image_id}):
        image.tags.append(tag.value)
    return image


_IDS: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)
_LOAD_IMAGES = sa.select(_i).where(_i.c.id.in_(_IDS))
_LOAD_PROPERTIES = sa.select(_p).where(_p.c.image_id.in_(_IDS)).order_by(_p.c.id)
_LOAD_TAGS = sa.select(_t).where(_t.c.image_id.in_(_IDS)).order_by(_t.c.id)


async def load(conn: AsyncConnection, ids: Sequence[str]) -> list[Image]:
    """The images with these ids (deleted or not), in the order given."""
    if not ids:
        return []
    wanted = {"ids": list(ids)}
    rows = {r.id: r for r in await conn.execute(_LOAD_IMAGES, wanted)}
    found = {i: _image_of(rows[i]) for i in ids if i in rows}
    for prop in await conn.execute(_LOAD_PROPERTIES, wanted):
        found[prop.image_id].properties[prop.name] = prop.value
    for tag in await conn.execute(_LOAD_TAGS, wanted):
        found[tag.image_id].tags.append(tag.value)
    return [found[i] for i in ids if i in found]


def check_quotas(image: Image) -> None:
    for what, count, maximum in (
        ("image properties", len(image.properties), MAX_PROPERTIES),
        ("image tags", len(image.tags), MAX_TAGS),
    ):
        if count > maximum:
            raise TooLarge(
                f"The limit has been exceeded on the number of allowed {what}. "
                f"Attempted: {count}, Maximum: {maximum}"
            )


async def create(conn: AsyncConnection, image: Image) -> Image:
    check_quotas(image)
    if await conn.scalar(sa.select(_i.c.id).where(_i.c.id == image.id)) is not None:
        raise Conflict(f"Image with identifier {image.id} already exists!")
    try:
        await conn.execute(_i.insert().values(id=image.id, deleted=False, **image.row()))
    except sa.exc.IntegrityError:
        raise Conflict(f"Image with identifier {image.id} already exists!") from None
    await _insert_properties(conn, image.id, image.properties.items())
    await _insert_tags(conn, image.id, image.tags)
    return image


async def _insert_properties(
    conn: AsyncConnection, image_id: str, items: Iterable[tuple[str, str | None]]
) -> None:
    rows = [{"image_id": image_id, "name": k, "value": v} for k, v in items]
    if rows:
        await conn.execute(_p.insert(), rows)


async def _insert_tags(conn: AsyncConnection, image_id: str, tags: Iterable[str]) -> None:
    rows = [{"image_id": image_id, "value": tag} for tag in tags]
    if rows:
        await conn.execute(_t.insert(), rows)


async def save(conn: AsyncConnection, before: Image, after: Image) -> Image:
    """Write what changed from ``before`` to ``after``; ``updated_at`` moves when anything did."""
    check_quotas(after)
    changed = {c: getattr(after, c) for c in _COLUMNS if getattr(after, c) != getattr(before, c)}
    gone = [k for k in before.properties if k not in after.properties]
    new = {
        k: v
        for k, v in after.properties.items()
        if k not in before.properties or before.properties[k] != v
    }
    if not (changed or gone or new or after.tags != before.tags):
        return after
    after.updated_at = changed["updated_at"] = now()
    await conn.execute(_i.update().where(_i.c.id == after.id).values(**changed))
    if gone or new:
        await conn.execute(
            _p.delete().where(_p.c.image_id == after.id, _p.c.name.in_([*gone, *new]))
        )
        await _insert_properties(conn, after.id, new.items())
    if after.tags != before.tags:
        await conn.execute(_t.delete().where(_t.c.image_id == after.id))
        await _insert_tags(conn, after.id, after.tags)
    return after


async def delete(conn: AsyncConnection, image: Image) -> None:
    stamp = now()
    await conn.execute(
        _i.update()
        .where(_i.c.id == image.id)
        .values(status="deleted", deleted=True, deleted_at=stamp, updated_at=stamp)
    )
