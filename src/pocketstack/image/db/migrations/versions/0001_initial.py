"""Image: initial tables.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("disk_format", sa.String(length=20), nullable=True),
        sa.Column("container_format", sa.String(length=20), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("virtual_size", sa.BigInteger(), nullable=True),
        sa.Column("checksum", sa.String(length=32), nullable=True),
        sa.Column("os_hash_algo", sa.String(length=64), nullable=True),
        sa.Column("os_hash_value", sa.String(length=128), nullable=True),
        sa.Column("min_disk", sa.Integer(), nullable=False),
        sa.Column("min_ram", sa.Integer(), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("os_hidden", sa.Boolean(), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_images_deleted"), "images", ["deleted"], unique=False)
    op.create_index(op.f("ix_images_owner"), "images", ["owner"], unique=False)
    op.create_index(
        "ix_images_visibility_deleted", "images", ["visibility", "deleted"], unique=False
    )
    op.create_table(
        "image_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("member", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("image_id", "member", name="uq_image_members_image_id_member"),
    )
    op.create_index("ix_image_members_member", "image_members", ["member"], unique=False)
    op.create_table(
        "image_properties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("image_id", "name", name="uq_image_properties_image_id_name"),
    )
    op.create_index("ix_image_properties_name", "image_properties", ["name"], unique=False)
    op.create_table(
        "image_tags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("image_id", sa.String(length=36), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("image_id", "value", name="uq_image_tags_image_id_value"),
    )
    op.create_index("ix_image_tags_value", "image_tags", ["value"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_image_tags_value", table_name="image_tags")
    op.drop_table("image_tags")
    op.drop_index("ix_image_properties_name", table_name="image_properties")
    op.drop_table("image_properties")
    op.drop_index("ix_image_members_member", table_name="image_members")
    op.drop_table("image_members")
    op.drop_index("ix_images_visibility_deleted", table_name="images")
    op.drop_index(op.f("ix_images_owner"), table_name="images")
    op.drop_index(op.f("ix_images_deleted"), table_name="images")
    op.drop_table("images")
