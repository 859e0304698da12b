"""Where the conductors open their write transactions: the cell's or the API database's.

One writer at a time per SQLite database is now the databases' own rule
(``common.db.begin_write``, behind every ``writing()``), so the gate only names the
transaction; server databases (PostgreSQL, MariaDB) lock rows as before.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.service import Compute

__all__ = ["WriteGate"]


@dataclasses.dataclass
class WriteGate:
    def cell(self, cell: CellHandle) -> AbstractAsyncContextManager[AsyncConnection]:
        return cell.writing()

    def api(self, svc: Compute) -> AbstractAsyncContextManager[AsyncConnection]:
        return svc.writing()
