"""Face recognition: initial tables (as ``db/models.py`` declares them).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "galleries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.String(1024), nullable=True),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
        sa.UniqueConstraint("project_id", "name", name="uq_galleries_project_name"),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("gallery_id", sa.String(36),
                  sa.ForeignKey("galleries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_persons_gallery", "persons", ["gallery_id", "id"])
    op.create_table(
        "faces",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36),
                  sa.ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
        sa.Column("gallery_id", sa.String(36), nullable=False),
        sa.Column("embedding", sa.LargeBinary, nullable=False),
        sa.Column("box", sa.JSON, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_faces_person_id", "faces", ["person_id"])
    op.create_index("ix_faces_gallery_id", "faces", ["gallery_id"])
    op.create_table(
        "enroll_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("gallery_id", sa.String(36),
                  sa.ForeignKey("galleries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(255), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_enroll_jobs_gallery_id", "enroll_jobs", ["gallery_id"])
    op.create_table(
        "enroll_items",
        sa.Column("job_id", sa.String(36),
                  sa.ForeignKey("enroll_jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("faces", sa.Integer, nullable=False),
        sa.Column("error", sa.String(1024), nullable=True),
    )
    op.create_table(
        "enroll_images",
        sa.Column("job_id", sa.String(36), primary_key=True),
        sa.Column("item", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("data", _BLOB, nullable=False),
        sa.ForeignKeyConstraint(["job_id", "item"],
                                ["enroll_items.job_id", "enroll_items.position"],
                                ondelete="CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("enroll_images")
    op.drop_table("enroll_items")
    op.drop_index("ix_enroll_jobs_gallery_id", table_name="enroll_jobs")
    op.drop_table("enroll_jobs")
    op.drop_index("ix_faces_gallery_id", table_name="faces")
    op.drop_index("ix_faces_person_id", table_name="faces")
    op.drop_table("faces")
    op.drop_index("ix_persons_gallery", table_name="persons")
    op.drop_table("persons")
    op.drop_table("galleries")
