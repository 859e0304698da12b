"""Database engines per named database, sessions, and one Alembic history per database."""

from __future__ import annotations

from pocketstack.common.db.access import ReadWrite, is_transient
from pocketstack.common.db.engines import (
    DatabaseRegistry,
    begin_write,
    create_engine_for,
    create_sync_sqlite_engine,
)
from pocketstack.common.db.migrate import current_revision, downgrade, upgrade

__all__ = [
    "DatabaseRegistry",
    "ReadWrite",
    "begin_write",
    "create_engine_for",
    "create_sync_sqlite_engine",
    "current_revision",
    "downgrade",
    "is_transient",
    "upgrade",
]
