"""A cloud killed (SIGKILL) in the middle of identity writes loses nothing on restart.

Every user whose creation was answered 201 is still there and can authenticate; no user is
half-written (each listed user shows, authenticates with its password); tokens issued before
the kill still validate after the restart (keys and state are on disk).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.cloud_process import CloudProcess

pytestmark = pytest.mark.process  # a cloud of its own, as a process


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CloudProcess]:
    running = CloudProcess(tmp_path / "data", ready="/identity", ready_status=300)
    try:
        yield running
    finally:
        running.stop()


def _auth(name: str, password: str, project: str | None = "admin") -> dict[str, object]:
    body: dict[str, object] = {"identity": {"methods": ["password"], "password": {"user": {
        "name": name, "domain": {"id": "default"}, "password": password}}}}
    if project:
        body["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
    return {"auth": body}


async def _create_users(base: str, token: str, count: int, created: list[str],
                        seconds: float, enough: asyncio.Event) -> None:
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        async def one(i: int) -> None:
            if time.monotonic() > deadline:
                return
            try:
                response = await http.post("/v3/users", headers={"X-Auth-Token": token},
                                           json={"user": {"name": f"u{i}", "password": f"p{i}"}})
            except httpx.HTTPError:
                return  # the server died under us
            if response.status_code == 201:
                created.append(f"u{i}")
                if len(created) >= 20:
                    enough.set()
        for start in range(0, count, 8):
            await asyncio.gather(*(one(i) for i in range(start, start + 8)))


def test_kill_during_user_creation_loses_nothing(server: CloudProcess) -> None:
    server.start()
    password = server.admin_password()
    issued = httpx.post(server.base + "/identity/v3/auth/tokens", json=_auth("admin", password))
    assert issued.status_code == 201
    token = issued.headers["x-subject-token"]
    created: list[str] = []

    async def create_then_kill() -> None:
        enough = asyncio.Event()
        writer = asyncio.create_task(
            _create_users(server.base + "/identity", token, 400, created, 15.0, enough))
        await asyncio.wait_for(enough.wait(), 15.0)
        server.kill()
        await writer

    asyncio.run(create_then_kill())
    assert len(created) >= 20
    server.start()
    headers = {"X-Auth-Token": token}  # issued before the kill: still valid
    listed = httpx.get(server.base + "/identity/v3/users", headers=headers)
    assert listed.status_code == 200
    names = {u["name"] for u in listed.json()["users"]} - {"admin"}
    assert set(created) <= names  # every answered write survived
    for name in sorted(names):  # and nothing is half-written
        i = name[1:]
        answer = httpx.post(server.base + "/identity/v3/auth/tokens",
                            json=_auth(name, f"p{i}", project=None))
        assert answer.status_code == 201, (name, answer.text)
