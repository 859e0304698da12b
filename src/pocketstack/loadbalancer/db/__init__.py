"""The load-balancer service's database: tables and its own Alembic history."""

from __future__ import annotations

from pathlib import Path

__all__ = ["MIGRATIONS"]

MIGRATIONS = Path(__file__).parent / "migrations"
