"""What every network object shares: who is looking, new ids, clocks, standard attributes."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = [
    "Standard",
    "Viewer",
    "bump_revision",
    "new_id",
    "now",
    "standard_values",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Viewer:
    """The caller as the objects see them: their project, and whether they see every one."""

    project_id: str
    admin: bool = False

    def owns(self, project_id: str) -> bool:
        return self.admin or project_id == self.project_id


@dataclasses.dataclass(frozen=True, slots=True)
class Standard:
    """Neutron's standard attributes of a resource row."""

    description: str
    revision_number: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    tags: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Any, tags: tuple[str, ...] = ()) -> Standard:
        return cls(row.description, int(row.revision_number), row.created_at, row.updated_at, tags)


def now() -> datetime.datetime:
    """Naive UTC to the second, as the tables store it and the API shows it."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


def new_id() -> str:
    return str(uuid.uuid4())


def standard_values(description: str = "") -> dict[str, Any]:
    """The standard attribute values of a new row."""
    moment = now()
    return {
        "description": description,
        "revision_number": 0,
        "created_at": moment,
        "updated_at": moment,
    }


async def bump_revision(
    conn: AsyncConnection, table: sa.Table, id_: str, changes: dict[str, Any] | None = None
) -> None:
    """Apply ``changes`` to the row and count a revision, as every update in Neutron does."""
    await conn.execute(
        sa.update(table)
        .where(table.c.id == id_)
        .values(**(changes or {}), revision_number=table.c.revision_number + 1, updated_at=now())
    )
