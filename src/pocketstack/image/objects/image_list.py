"""Listing images: which a caller sees (``visibility`` and ``member_status`` as Glance scopes
them), filters, and marker paging over any sort keys.

Paging is done on the sort keys themselves: the candidates' ids and sort columns are read,
ordered in Python (``None`` sorts first ascending, as on MySQL, on every backend) and the page
after the marker's position is loaded in full. ``created_at`` and ``id`` are always appended
to the keys, so the order is total and a page boundary never drops or repeats an image.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.image.db import models as m
from pocketstack.image.objects.errors import BadRequest
from pocketstack.image.objects.images import Image, Viewer, load, visible_to

__all__ = ["SORT_KEYS", "TIME_OPERATORS", "ImageQuery", "Page", "list_images"]

SORT_KEYS = (
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
)
TIME_OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte")
_i, _p, _t, _m = m.images, m.image_properties, m.image_tags, m.image_members


@dataclasses.dataclass(frozen=True)
class ImageQuery:
    limit: int
    marker: str | None = None
    visibility: str | None = None  # None: Glance's default scope
    member_status: str = "accepted"  # or pending, rejected, all
    one_of: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # id, name...
    owner: str | None = None
    tags: tuple[str, ...] = ()
    os_hidden: bool = False
    protected: bool | None = None
    size_min: int | None = None
    size_max: int | None = None
    times: tuple[tuple[str, str, datetime.datetime], ...] = ()  # (column, operator, moment)
    properties: dict[str, str] = dataclasses.field(default_factory=dict)
    sort: tuple[tuple[str, str], ...] = (("created_at", "desc"),)


@dataclasses.dataclass(frozen=True)
class Page:
    images: list[Image]
    next_marker: str | None


def _shared_with(viewer: Viewer, member_status: str) -> sa.ColumnElement[bool]:
    query = sa.select(_m.c.id).where(_m.c.image_id == _i.c.id, _m.c.member == viewer.project_id)
    if member_status != "all":
        query = query.where(_m.c.status == member_status)
    return sa.and_(_i.c.visibility == "shared", query.exists())


def _scope(viewer: Viewer, query: ImageQuery) -> sa.ColumnElement[bool]:
    wanted = query.visibility
    if viewer.is_admin:
        return sa.true() if wanted in (None, "all") else _i.c.visibility == wanted
    mine = _i.c.owner == viewer.project_id
    theirs = _shared_with(viewer, query.member_status)
    if wanted is None:
        return sa.or_(mine, _i.c.owner.is_(None), _i.c.visibility == "public", theirs)
    if wanted == "all":
        return sa.or_(
            mine, _i.c.owner.is_(None), _i.c.visibility.in_(("public", "community")), theirs
        )
    if wanted == "private":
        return sa.and_(_i.c.visibility == "private", mine)
    if wanted == "shared":
        return sa.and_(_i.c.visibility == "shared", sa.or_(mine, theirs))
    return _i.c.visibility == wanted  # public, community


def _filters(query: ImageQuery) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [_i.c.os_hidden.is_(query.os_hidden)]
    for column, values in query.one_of.items():
        where.append(_i.c[column].in_(values))
    if query.owner is not None:
        where.append(_i.c.owner == query.owner)
    if query.protected is not None:
        where.append(_i.c.protected.is_(query.protected))
    if query.size_min is not None:
        where.append(_i.c.size >= query.size_min)
    if query.size_max is not None:
        where.append(_i.c.size <= query.size_max)
    for column, operator, moment in query.times:
        where.append(_time_clause(_i.c[column], operator, moment))
    for tag in query.tags:
        where.append(sa.select(_t.c.id).where(_t.c.image_id == _i.c.id, _t.c.value == tag).exists())
    for name, value in query.properties.items():
        where.append(
            sa.select(_p.c.id)
            .where(_p.c.image_id == _i.c.id, _p.c.name == name, _p.c.value == value)
            .exists()
        )
    return where


def _time_clause(
    column: sa.ColumnElement[datetime.datetime], operator: str, moment: datetime.datetime
) -> sa.ColumnElement[bool]:
    """Timestamps are shown to the second, so a filter's moment means that whole second."""
    start = moment.replace(microsecond=0)
    end = start + datetime.timedelta(seconds=1)
    clauses = {
        "eq": sa.and_(column >= start, column < end),
        "neq": sa.or_(column < start, column >= end),
        "gt": column >= end,
        "gte": column >= start,
        "lt": column < start,
        "lte": column < end,
    }
    return clauses[operator]


def _sort_keys(query: ImageQuery) -> list[tuple[str, str]]:
    keys = list(query.sort)
    for extra in ("created_at", "id"):
        if extra not in (k for k, _ in keys):
            keys.append((extra, "desc"))
    return keys


def _comparator(keys: Sequence[tuple[str, str]]) -> Any:
    def compare(a: Any, b: Any) -> int:
        for index, (_, direction) in enumerate(keys, start=1):
            x, y = a[index], b[index]
            if x == y:
                continue
            less = x is None or (y is not None and x < y)
            return (-1 if less else 1) * (1 if direction == "asc" else -1)
        return 0

    return compare


async def list_images(conn: AsyncConnection, viewer: Viewer, query: ImageQuery) -> Page:
    keys = _sort_keys(query)
    columns: list[sa.ColumnElement[Any]] = [_i.c.id, *(_i.c[k] for k, _ in keys)]
    base = [_i.c.deleted.is_(False)]
    candidates = list(
        await conn.execute(
            sa.select(*columns).where(*base, _scope(viewer, query), *_filters(query))
        )
    )
    compare = _comparator(keys)
    candidates.sort(key=functools.cmp_to_key(compare))
    if query.marker is not None:
        marker = (
            await conn.execute(
                sa.select(*columns).where(*base, _i.c.id == query.marker, visible_to(viewer))
            )
        ).first()
        if marker is None:
            raise BadRequest(f"No image found with ID {query.marker}")
        candidates = [row for row in candidates if compare(row, marker) > 0]
    page = candidates[: query.limit]
    images = await load(conn, [row.id for row in page])
    full = bool(page) and len(page) == query.limit
    return Page(images, images[-1].id if full else None)
