"""Suite-wide fixtures: reaching the real servers on 127.0.0.1.

A test that needs PostgreSQL, MariaDB or RabbitMQ asks for it through the fixtures
below. Where the server cannot be reached the test is skipped with the reason, except
under CI (``CI`` or ``POCKETSTACK_REQUIRE_SERVICES`` set), where a missing server fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.settings import Settings, load_settings

# A cloud for a test that is not about compute nor load balancers: no fake hosts (they would
# register in placement and send heartbeats) and no shared VIP networks (they would show in
# every network listing).
NO_COMPUTE_HOSTS: dict[str, Any] = {"compute": {"hosts_per_cell": 0},
                                    "loadbalancer": {"vip_cidr": "", "ha_vip_cidr": ""}}


def cloud_settings(data_dir: Path, overrides: dict[str, Any] | None = None) -> Settings:
    """Settings (no environment) for a cloud opened by a test that is not about compute: its
    cells start without fake hosts, which would otherwise register as resource providers
    in placement and start heartbeats, and no shared VIP networks are made (see
    ``NO_COMPUTE_HOSTS``). ``overrides`` are sections merged over that."""
    sections = {name: dict(values) for name, values in NO_COMPUTE_HOSTS.items()}
    for name, values in (overrides or {}).items():
        sections.setdefault(name, {}).update(values)
    return load_settings(data_dir, env={}, overrides=sections)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_server(name: str, host: str, port: int) -> None:
    """Skip (or, under CI, fail) unless ``host:port`` accepts connections."""
    if _reachable(host, port):
        return
    reason = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CI") or os.environ.get("POCKETSTACK_REQUIRE_SERVICES"):
        pytest.fail(reason + " (CI requires it)")
    pytest.skip(reason)


@pytest.fixture
def rabbitmq_url() -> str:
    require_server("RabbitMQ", "127.0.0.1", 5672)
    return "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
def postgres_server() -> str:
    require_server("PostgreSQL", "127.0.0.1", 5432)
    return "postgresql+asyncpg://postgres@127.0.0.1:5432"


@pytest.fixture
def mariadb_server() -> str:
    require_server("MariaDB", "127.0.0.1", 3306)
    return "mysql+aiomysql://root@127.0.0.1:3306"


async def _as_admin(server: str, database: str, statement: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE) as the server's admin."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(f"{server}/{database}", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await admin.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database on each engine in turn: a SQLite file, or a scratch database
    created on the real PostgreSQL / MariaDB server and dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    name = f"ps_test_{uuid.uuid4().hex[:12]}"
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        await _as_admin(server, "postgres", f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            await _as_admin(server, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        server = request.getfixturevalue("mariadb_server")
        await _as_admin(server, "mysql", f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        try:
            yield f"{server}/{name}?charset=utf8mb4"
        finally:
            await _as_admin(server, "mysql", f"DROP DATABASE IF EXISTS `{name}`")


# -- the scaled-out backends: scratch PostgreSQL databases and RabbitMQ vhosts ----------

@contextlib.asynccontextmanager
async def migrated_engine(url: str, name: str, history: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` with ``history``'s migrations run to head, disposed after."""
    registry = DatabaseRegistry()
    try:
        engine = registry.add(name, url)
        await upgrade(engine, history)
        yield engine
    finally:
        await registry.dispose()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def backends(postgres_server: str, rabbitmq_url: str) -> Iterator[dict[str, str]]:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is needed to create the cells' vhosts")
    run = uuid.uuid4().hex[:8]
    databases = [f"ps_e2e_{run}_{part}" for part in ("api", "cell0", "cell1", "cell2")]
    vhosts = [f"ps-e2e-{run}-{part}" for part in ("api", "cell1", "cell2")]
    for name in databases:
        asyncio.run(_as_admin(postgres_server, "postgres", f'CREATE DATABASE "{name}"'))
    for vhost in vhosts:
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield {"api": f"{postgres_server}/{databases[0]}",
               "cell": f"{postgres_server}/ps_e2e_{run}_{{cell}}",
               "transport": rabbitmq_url,
               "prefix": f"ps-e2e-{run}-"}
    finally:
        for name in databases:
            asyncio.run(_as_admin(postgres_server, "postgres",
                                  f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for vhost in vhosts:
            subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True,
                           timeout=60, check=False)
