"""Neutron's collection queries in SQL: attribute filters, tag filters, sorting, keyset pages.

A resource declares its :class:`Attributes` (API attribute name -> column). Filters on any
of them compare for equality, repeated values meaning OR; values are read by the column's
type. Sorting appends ``id`` so the order is total, and a page after ``marker`` is the rows
that sort after the marker's row (keyset), so paging is stable and never scans an offset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.network.db import models as m
from pocketstack.network.objects.errors import HTTPBadRequest, InvalidInput, NetworkError

__all__ = [
    "Attributes",
    "ListQuery",
    "TagFilters",
    "fetch_page",
    "parse_bool",
    "standard_columns",
    "timestamps",
]

Condition = sa.ColumnElement[bool]
Special = Callable[[Sequence[str]], Condition]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInput(f"'{value}' cannot be converted to boolean")


@dataclasses.dataclass(frozen=True)
class TagFilters:
    all: tuple[str, ...] = ()  # tags=
    any: tuple[str, ...] = ()  # tags-any=
    not_all: tuple[str, ...] = ()  # not-tags=
    not_any: tuple[str, ...] = ()  # not-tags-any=


@dataclasses.dataclass(frozen=True)
class ListQuery:
    filters: Mapping[str, Sequence[str]] = dataclasses.field(default_factory=dict)
    sort: Sequence[tuple[str, bool]] = ()  # (attribute, ascending)
    limit: int | None = None
    marker: str | None = None
    page_reverse: bool = False
    tags: TagFilters = TagFilters()


@dataclasses.dataclass(frozen=True)
class Attributes:
    """What a collection can be filtered and sorted on."""

    table: sa.Table
    columns: Mapping[str, sa.ColumnElement[Any]]
    special: Mapping[str, Special] = dataclasses.field(default_factory=dict)  # filters only
    sort_only: Mapping[str, sa.ColumnElement[Any]] = dataclasses.field(default_factory=dict)

    def condition(self, name: str, values: Sequence[str]) -> Condition:
        if name in self.special:
            return self.special[name](values)
        column = self.columns.get(name)
        if column is None:
            raise HTTPBadRequest(f"['{name}'] is invalid attribute for filtering")
        return column.in_([_typed(column, v) for v in values])

    def sort_key(self, name: str) -> sa.ColumnElement[Any]:
        column = self.columns.get(name, self.sort_only.get(name))
        if column is None:
            raise HTTPBadRequest(f"['{name}'] is invalid attribute for sort_keys")
        if getattr(column, "nullable", False):
            return sa.func.coalesce(column, _blank(column))
        return column


def standard_columns(table: sa.Table) -> dict[str, sa.ColumnElement[Any]]:
    """The attributes every resource filters on: id, name, description, project, revision."""
    return {
        "id": table.c.id,
        "name": table.c.name,
        "description": table.c.description,
        "project_id": table.c.project_id,
        "tenant_id": table.c.project_id,
        "revision_number": table.c.revision_number,
    }


def timestamps(table: sa.Table) -> dict[str, sa.ColumnElement[Any]]:
    """Sortable, not filterable (they are not compared as text)."""
    return {"created_at": table.c.created_at, "updated_at": table.c.updated_at}


def _typed(column: sa.ColumnElement[Any], value: str) -> Any:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return parse_bool(value)
    if isinstance(kind, sa.Integer):
        try:
            return int(value)
        except ValueError:
            raise InvalidInput(f"'{value}' is not an integer") from None
    return value


def _blank(column: sa.ColumnElement[Any]) -> Any:
    if isinstance(column.type, sa.Integer):
        return -1
    if isinstance(column.type, sa.Boolean):
        return False
    return ""


def _tag_conditions(id_column: sa.ColumnElement[Any], tags: TagFilters) -> list[Condition]:
    def has(tag: str) -> Condition:
        return sa.exists().where(m.tags.c.resource_id == id_column, m.tags.c.tag == tag)

    def has_any(names: Sequence[str]) -> Condition:
        return sa.exists().where(m.tags.c.resource_id == id_column, m.tags.c.tag.in_(names))

    found: list[Condition] = []
    if tags.all:
        found += [has(t) for t in tags.all]
    if tags.any:
        found.append(has_any(tags.any))
    if tags.not_all:
        found.append(sa.not_(sa.and_(*[has(t) for t in tags.not_all])))
    if tags.not_any:
        found.append(sa.not_(has_any(tags.not_any)))
    return found


def _after(keys: Sequence[tuple[sa.ColumnElement[Any], bool]], marker: Sequence[Any]) -> Condition:
    """Rows sorting strictly after the marker's values (lexicographic over ``keys``)."""
    alternatives: list[Condition] = []
    for i, (key, ascending) in enumerate(keys):
        equal = [keys[j][0] == marker[j] for j in range(i)]
        beyond = key > marker[i] if ascending else key < marker[i]
        alternatives.append(sa.and_(*equal, beyond))
    return sa.or_(*alternatives)


async def fetch_page(
    conn: AsyncConnection,
    base: sa.Select[Any],
    spec: Attributes,
    query: ListQuery,
    not_found: Callable[[str], NetworkError],
) -> list[Any]:
    """The rows of ``base`` (already limited to what the caller may see) for ``query``."""
    id_column = spec.table.c.id
    where = [spec.condition(name, values) for name, values in query.filters.items()]
    where += _tag_conditions(id_column, query.tags)
    keys = [(spec.sort_key(name), asc) for name, asc in query.sort if name != "id"]
    id_asc = next((asc for name, asc in query.sort if name == "id"), True)
    keys.append((id_column, id_asc))
    if query.page_reverse:
        keys = [(key, not asc) for key, asc in keys]
    if query.marker is not None:
        values = (
            await conn.execute(
                sa.select(*[key for key, _ in keys])
                .select_from(spec.table)
                .where(id_column == query.marker)
            )
        ).first()
        if values is None:
            raise not_found(query.marker)
        where.append(_after(keys, list(values)))
    statement = base.where(*where).order_by(
        *[key.asc() if asc else key.desc() for key, asc in keys]
    )
    if query.limit:
        statement = statement.limit(query.limit)
    rows = list(await conn.execute(statement))
    return rows[::-1] if query.page_reverse else rows
