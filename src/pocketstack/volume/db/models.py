"""The volume service's tables (SQLAlchemy Core). Objects in ``volume.objects`` own the SQL.

A volume's ``status`` is its state machine (Cinder's values): ``creating`` -> ``available``
<-> ``reserved``/``attaching``/``in-use``; ``extending`` -> ``available``; ``deleting`` ->
gone. Rows in ``creating``, ``extending`` and ``deleting`` are unsettled: the volume
reconciler finishes them, after a restart too. Every status change is a compare-and-swap on
the status it read (``UPDATE ... WHERE status IN (...)``), as Cinder's conditional updates.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "volume_attachments", "volume_types", "volumes"]

metadata = sa.MetaData()


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=True),
    ]


volume_types = sa.Table(
    "volume_types",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("is_public", sa.Boolean, nullable=False, default=True),
    sa.Column("extra_specs", sa.JSON, nullable=False),
    *_timestamps(),
)

volumes = sa.Table(
    "volumes",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("size", sa.Integer, nullable=False),  # GiB
    sa.Column("status", sa.String(255), nullable=False, index=True),
    sa.Column("status_reason", sa.String(255), nullable=True),  # why it went to an error
    sa.Column(
        "volume_type_id",
        sa.String(36),
        sa.ForeignKey("volume_types.id"),
        nullable=False,
        index=True,
    ),
    sa.Column("availability_zone", sa.String(255), nullable=False),
    sa.Column("bootable", sa.Boolean, nullable=False, default=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    *_timestamps(),
)

volume_attachments = sa.Table(
    "volume_attachments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "volume_id",
        sa.String(36),
        sa.ForeignKey("volumes.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("instance_uuid", sa.String(36), nullable=True, index=True),
    # reserved -> attaching (connector given) -> attached (os-complete)
    sa.Column("attach_status", sa.String(255), nullable=False),
    sa.Column("attach_mode", sa.String(4), nullable=False),  # null (unset), rw, ro
    sa.Column("attached_host", sa.String(255), nullable=True),
    sa.Column("mountpoint", sa.String(255), nullable=True),
    sa.Column("connector", sa.JSON, nullable=True),
    sa.Column("connection_info", sa.JSON, nullable=True),
    sa.Column("attach_time", sa.DateTime(timezone=False), nullable=True),
    *_timestamps(),
)
