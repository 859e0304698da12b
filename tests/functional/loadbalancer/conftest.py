"""The real HAProxy driver on a state directory of its own, for the data-plane tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from pocketstack.loadbalancer.amphora.haproxy_driver import HaproxyDriver


@pytest.fixture
def state_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="lb-", dir="/tmp"))  # short: socket paths are limited
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def driver(state_dir: Path) -> AsyncIterator[HaproxyDriver]:
    driver = HaproxyDriver(state_dir)
    try:
        yield driver
    finally:
        await driver.close()  # keep_running=False: stops every process under state_dir
