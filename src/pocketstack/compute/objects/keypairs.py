"""Key pairs in the API database (global, per user).

(Owned by the keypairs work: create/import, list with paging, delete go here too.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.api_models import key_pairs

__all__ = ["get_keypair"]


async def get_keypair(conn: AsyncConnection, user_id: str, name: str) -> dict[str, Any] | None:
    row = (await conn.execute(sa.select(key_pairs).where(
        key_pairs.c.user_id == user_id, key_pairs.c.name == name))).mappings().first()
    return dict(row) if row is not None else None
