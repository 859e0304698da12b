"""Compute's databases: the API database and the cell database schema, each with its own
Alembic history (every cell database, cell0 included, runs the cell history)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["API_MIGRATIONS", "CELL_MIGRATIONS"]

API_MIGRATIONS = Path(__file__).parent / "api_migrations"
CELL_MIGRATIONS = Path(__file__).parent / "cell_migrations"
