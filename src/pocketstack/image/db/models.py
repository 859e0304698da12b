"""The image service's tables (SQLAlchemy Core). Objects in ``image.objects`` own the SQL.

An image row is never removed: deleting an image marks it ``deleted`` (status ``deleted``),
as Glance does, so its id cannot be taken again and every lookup answers 404 for it.
Extra properties and tags are rows of their own so that list filters can match them in SQL.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["image_members", "image_properties", "image_tags", "images", "metadata"]

metadata = sa.MetaData()

images = sa.Table(
    "images",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("visibility", sa.String(10), nullable=False),
    sa.Column("owner", sa.String(255), nullable=True, index=True),
    sa.Column("disk_format", sa.String(20), nullable=True),
    sa.Column("container_format", sa.String(20), nullable=True),
    sa.Column("size", sa.BigInteger, nullable=True),
    sa.Column("virtual_size", sa.BigInteger, nullable=True),
    sa.Column("checksum", sa.String(32), nullable=True),
    sa.Column("os_hash_algo", sa.String(64), nullable=True),
    sa.Column("os_hash_value", sa.String(128), nullable=True),
    sa.Column("min_disk", sa.Integer, nullable=False),
    sa.Column("min_ram", sa.Integer, nullable=False),
    sa.Column("protected", sa.Boolean, nullable=False),
    sa.Column("os_hidden", sa.Boolean, nullable=False),
    sa.Column("location", sa.String(255), nullable=True),  # the store's key for the data
    sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, index=True),
    sa.Column("deleted_at", sa.DateTime(timezone=False), nullable=True),
    sa.Index("ix_images_visibility_deleted", "visibility", "deleted"),
)

image_properties = sa.Table(
    "image_properties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("value", sa.Text, nullable=True),
    sa.UniqueConstraint("image_id", "name", name="uq_image_properties_image_id_name"),
    sa.Index("ix_image_properties_name", "name"),
)

image_tags = sa.Table(
    "image_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id"), nullable=False),
    sa.Column("value", sa.String(255), nullable=False),
    sa.UniqueConstraint("image_id", "value", name="uq_image_tags_image_id_value"),
    sa.Index("ix_image_tags_value", "value"),
)

image_members = sa.Table(
    "image_members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("image_id", sa.String(36), sa.ForeignKey("images.id"), nullable=False),
    sa.Column("member", sa.String(255), nullable=False),  # a project id
    sa.Column("status", sa.String(20), nullable=False),  # pending, accepted, rejected
    sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    sa.UniqueConstraint("image_id", "member", name="uq_image_members_image_id_member"),
    sa.Index("ix_image_members_member", "member"),
)
