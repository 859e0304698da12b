"""Compute cell database: ``migrations`` (resize and cold migration records, Nova's columns
plus the step the conductor reached, for resuming after a restart) and the instance's
``old_flavor`` / ``new_flavor`` while a resize waits for confirmation.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migrations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("source_compute", sa.String(255), nullable=True),
        sa.Column("source_node", sa.String(255), nullable=True),
        sa.Column("dest_compute", sa.String(255), nullable=True),
        sa.Column("dest_node", sa.String(255), nullable=True),
        sa.Column("dest_host", sa.String(255), nullable=True),
        sa.Column("old_instance_type_id", sa.Integer(), nullable=True),
        sa.Column("new_instance_type_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("migration_type", sa.String(255), nullable=False),
        sa.Column("cross_cell_move", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("source_cell", sa.String(36), nullable=False),
        sa.Column("dest_cell", sa.String(36), nullable=True),
        sa.Column("image_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("uuid", name="uniq_migrations0uuid"),
    )
    op.create_index("migrations_instance_uuid_idx", "migrations", ["instance_uuid"])
    op.create_index("migrations_status_idx", "migrations", ["status", "deleted"])
    op.create_index("migrations_created_at_idx", "migrations", ["created_at", "id"])
    with op.batch_alter_table("instances") as batch:
        batch.add_column(sa.Column("old_flavor", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("new_flavor", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("instances") as batch:
        batch.drop_column("new_flavor")
        batch.drop_column("old_flavor")
    op.drop_index("migrations_created_at_idx", table_name="migrations")
    op.drop_index("migrations_status_idx", table_name="migrations")
    op.drop_index("migrations_instance_uuid_idx", table_name="migrations")
    op.drop_table("migrations")
