"""The key manager's tables (SQLAlchemy Core). Objects in ``secrets.objects`` own the SQL.

A secret's metadata lives in ``secrets``; its payload, sealed (see ``secrets.crypto``), in
``secret_payloads``, a separate table so that no metadata query ever reads ciphertext. A
secret without a payload row is a metadata-only secret waiting for its two-step upload.
Deleting a secret removes it from the containers that referenced it (as Barbican does).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

__all__ = ["container_secrets", "containers", "metadata", "secret_payloads", "secrets"]

metadata = sa.MetaData()

# Microseconds everywhere (MySQL/MariaDB keep whole seconds unless told): listings are
# "oldest first" and an expiration reads back as it was given.
MOMENT = sa.DateTime(timezone=False).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    ]


secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column("creator_id", sa.String(64), nullable=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("secret_type", sa.String(80), nullable=False),
    sa.Column("algorithm", sa.String(255), nullable=True),
    sa.Column("bit_length", sa.Integer, nullable=True),
    sa.Column("mode", sa.String(255), nullable=True),
    sa.Column("expiration", MOMENT, nullable=True),
    # The payload's media type; NULL until a payload is stored.
    sa.Column("content_type", sa.String(255), nullable=True),
    *_timestamps(),
    sa.Index("ix_secrets_project_created", "project_id", "created_at"),
)

secret_payloads = sa.Table(
    "secret_payloads",
    metadata,
    sa.Column(
        "secret_id",
        sa.String(36),
        sa.ForeignKey("secrets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # Sealed bytes are stored base64-encoded: text binds the same way on every driver.
    sa.Column("kek_id", sa.String(16), nullable=False),  # which key-encryption key wrapped it
    sa.Column("wrapped_key", sa.String(128), nullable=False),  # the data key, sealed by the KEK
    sa.Column("ciphertext", sa.Text, nullable=False),  # the payload, sealed by the data key
    sa.Column("created_at", MOMENT, nullable=False),
)

containers = sa.Table(
    "containers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column("creator_id", sa.String(64), nullable=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("type", sa.String(32), nullable=False),
    *_timestamps(),
    sa.Index("ix_containers_project_created", "project_id", "created_at"),
)

container_secrets = sa.Table(
    "container_secrets",
    metadata,
    sa.Column(
        "container_id",
        sa.String(36),
        sa.ForeignKey("containers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "secret_id",
        sa.String(36),
        sa.ForeignKey("secrets.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("position", sa.Integer, nullable=False),  # the order the refs were given in
)
