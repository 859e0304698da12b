"""Suite-wide fixtures: reaching the real servers on 127.0.0.1.

A test that needs PostgreSQL, MariaDB or RabbitMQ asks for it through the fixtures
below. Where the server cannot be reached the test is skipped with the reason, except
under CI (``CI`` or ``POCKETSTACK_REQUIRE_SERVICES`` set), where a missing server fails.
"""

from __future__ import annotations

import os
import socket

import pytest


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
