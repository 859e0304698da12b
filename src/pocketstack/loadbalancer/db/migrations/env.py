from __future__ import annotations

from alembic import context

from pocketstack.common.db.migrate import run_migrations_in_context

run_migrations_in_context(context)
