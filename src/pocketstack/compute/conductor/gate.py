"""Where the conductors open their write transactions: the cell's or the API database's.

One writer at a time per SQLite database is now the databases' own rule
(``common.db.begin_write``, behind every ``writing()``), so the gate only names the
transaction; server databases (PostgreSQL, MariaDB) lock rows as before. It also holds the
lock each migration is driven under.
"""

from __future__ import annotations

import asyncio
import dataclasses
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.service import Compute

__all__ = ["WriteGate"]


@dataclasses.dataclass
class WriteGate:
    # One driver at a time per migration (a redelivered cast and the resume after a restart
    # must not drive the same move at once).
    moves: dict[str, asyncio.Lock] = dataclasses.field(default_factory=dict)

    def move_lock(self, migration_uuid: str) -> asyncio.Lock:
        return self.moves.setdefault(migration_uuid, asyncio.Lock())

    def cell(self, cell: CellHandle) -> AbstractAsyncContextManager[AsyncConnection]:
        return cell.writing()

    def api(self, svc: Compute) -> AbstractAsyncContextManager[AsyncConnection]:
        return svc.writing()
