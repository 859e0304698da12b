"""Cell health: a cell whose database (or bus) fails or does not answer in time is marked
down; while it is down, scatter-gather answers for it at once instead of waiting on it again,
and a background probe re-checks it every ``[cells] recheck_interval`` seconds.

Upstream Nova decides "down" per request and waits ``CELL_TIMEOUT`` (60 s) on every one; here
a known-down cell costs nothing. Only failures of reaching the cell count (connection
errors, time-outs), never an answer the cell gave (a missing instance, bad input).
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Literal

import sqlalchemy.exc

from pocketstack.common.db import is_transient

__all__ = ["CellDown", "CellHealth", "is_unreachable"]

Part = Literal["db", "bus"]


class CellDown(ConnectionError):
    """The cell is known to be down; it was not asked."""

    def __init__(self, cell_name: str, reason: str) -> None:
        super().__init__(f"cell {cell_name} is down: {reason}")


def is_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the cell could not be reached (not what it answered)."""
    if isinstance(error, (TimeoutError, ConnectionError, OSError)):
        return True
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        if is_transient(error):  # a lock or a conflict: the cell answered
            return False
        return error.connection_invalidated or isinstance(
            error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError))
    return isinstance(error, sqlalchemy.exc.DisconnectionError)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


@dataclasses.dataclass
class CellHealth:
    """One cell's reachability as this process last saw it, per part (database, bus)."""

    down_since: dict[str, datetime.datetime] = dataclasses.field(default_factory=dict)
    reasons: dict[str, str] = dataclasses.field(default_factory=dict)
    up_since: datetime.datetime = dataclasses.field(default_factory=_now)

    @property
    def is_down(self) -> bool:
        return bool(self.down_since)

    def part_down(self, part: Part) -> bool:
        return part in self.down_since

    @property
    def since(self) -> datetime.datetime:
        """When the cell went down (its first part), or came up."""
        return min(self.down_since.values()) if self.down_since else self.up_since

    @property
    def reason(self) -> str:
        return "; ".join(f"{part}: {why}" for part, why in sorted(self.reasons.items()))

    def mark_down(self, part: Part, reason: str) -> bool:
        """Record a failure; True when this turned the part down."""
        self.reasons[part] = reason[:255]
        if part in self.down_since:
            return False
        self.down_since[part] = _now()
        return True

    def mark_up(self, part: Part) -> bool:
        """Record a success; True when this brought the part back."""
        self.reasons.pop(part, None)
        if self.down_since.pop(part, None) is None:
            return False
        if not self.down_since:
            self.up_since = _now()
        return True
