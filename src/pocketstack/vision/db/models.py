"""The face recognition tables (SQLAlchemy Core). Objects in ``vision.objects`` own the SQL.

``faces`` holds every enrolled embedding (float32 little-endian bytes): it is the truth, and
the in-memory index of each gallery is rebuilt from it at start. A bulk enroll is a job:
``enroll_jobs`` with one ``enroll_items`` row per person and their images in
``enroll_images`` until the item is enrolled, which happens in one transaction (person,
faces, item status), so a crash leaves each person either fully enrolled or still pending.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

__all__ = [
    "enroll_images",
    "enroll_items",
    "enroll_jobs",
    "faces",
    "galleries",
    "metadata",
    "persons",
]

metadata = sa.MetaData()

MOMENT = sa.DateTime(timezone=False).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")

galleries = sa.Table(
    "galleries",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.String(1024), nullable=True),
    sa.Column("threshold", sa.Float, nullable=True),  # NULL: the model's calibrated one
    sa.Column("model", sa.String(64), nullable=False),
    # Bumped by every transaction that changes the gallery's faces: a process whose index
    # was built at another generation reloads it (several API processes, one database).
    sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", MOMENT, nullable=False),
    sa.Column("updated_at", MOMENT, nullable=False),
    sa.UniqueConstraint("project_id", "name", name="uq_galleries_project_name"),
)

persons = sa.Table(
    "persons",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "gallery_id", sa.String(36), sa.ForeignKey("galleries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("created_at", MOMENT, nullable=False),
    sa.Column("updated_at", MOMENT, nullable=False),
    sa.Index("ix_persons_gallery", "gallery_id", "id"),
)

faces = sa.Table(
    "faces",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "person_id", sa.String(36), sa.ForeignKey("persons.id", ondelete="CASCADE"),
        nullable=False, index=True,
    ),
    sa.Column("gallery_id", sa.String(36), nullable=False, index=True),
    sa.Column("embedding", sa.LargeBinary, nullable=False),
    sa.Column("box", sa.JSON, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("created_at", MOMENT, nullable=False),
)

enroll_jobs = sa.Table(
    "enroll_jobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column(
        "gallery_id", sa.String(36), sa.ForeignKey("galleries.id", ondelete="CASCADE"),
        nullable=False, index=True,
    ),
    sa.Column("status", sa.String(16), nullable=False),  # QUEUED RUNNING COMPLETE ERROR
    sa.Column("status_reason", sa.String(255), nullable=True),
    sa.Column("created_at", MOMENT, nullable=False),
    sa.Column("updated_at", MOMENT, nullable=False),
)

enroll_items = sa.Table(
    "enroll_items",
    metadata,
    sa.Column(
        "job_id", sa.String(36), sa.ForeignKey("enroll_jobs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("person_id", sa.String(36), nullable=True),  # given, or set once enrolled
    sa.Column("name", sa.String(255), nullable=True),  # a new person's name
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending enrolled failed
    sa.Column("faces", sa.Integer, nullable=False),
    sa.Column("error", sa.String(1024), nullable=True),
)

enroll_images = sa.Table(
    "enroll_images",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("item", sa.Integer, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("data", BLOB, nullable=False),
    sa.ForeignKeyConstraint(
        ["job_id", "item"], ["enroll_items.job_id", "enroll_items.position"],
        ondelete="CASCADE",
    ),
)
