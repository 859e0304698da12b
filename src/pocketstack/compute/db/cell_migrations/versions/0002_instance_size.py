"""Compute cell database: ``instances.vcpus`` and ``instances.memory_mb`` (the flavor's size,
summed by quota counting), filled in from each instance's flavor; ``instances.revision``
(raised by every change of the row: the API's cache of rendered views is keyed by it).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("vcpus", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("memory_mb", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False,
                                   server_default="0"))
    bind = op.get_bind()
    table = sa.table("instances", sa.column("id", sa.Integer()), sa.column("flavor", sa.JSON()),
                     sa.column("vcpus", sa.Integer()), sa.column("memory_mb", sa.Integer()))
    for row in bind.execute(sa.select(table.c.id, table.c.flavor)).all():
        flavor = row.flavor if isinstance(row.flavor, dict) else json.loads(row.flavor or "{}")
        bind.execute(sa.update(table).where(table.c.id == row.id).values(
            vcpus=int(flavor.get("vcpus", 0)), memory_mb=int(flavor.get("memory_mb", 0))))


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("revision")
        batch.drop_column("memory_mb")
        batch.drop_column("vcpus")
