"""A cloud killed (SIGKILL) at each step of a cross-cell move settles on restart.

One host per cell and cross-cell moves allowed, so every cold migration crosses cells. For
each step the conductor records (and inside each host call), the cloud is started with
``[compute] crash_at_migration_step`` naming it (the deterministic hook kills the process
there), the move (or its confirm, or its revert) is asked for, the process dies, and the
cloud is started again without the hook. Then: the server is ACTIVE (a move cut before its
swap is rolled back; one cut after it is confirmed) on exactly one host of exactly one
cell, one copy of it is left in the cell databases, placement holds exactly its flavor on
that host and nothing else, no "-resize-temp" snapshot image is left, and the quota usage
counts it once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.cloud_process import CloudProcess

pytestmark = pytest.mark.process  # a cloud of its own, as a process

SETTLE_S = 60.0
FLAVOR = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}  # m1.tiny
PLACEMENT = {"OpenStack-API-Version": "placement 1.36"}
COMPUTE = {"OpenStack-API-Version": "compute 2.80"}

# (what is asked, the point the process is killed at), each group latest step first: the
# start that recovers from one kill already carries the next hook, and a recovery only
# passes through steps later than the one it was cut at, so it never trips the next hook.
POINTS = [
    ("migrate", "finished"),
    ("migrate", "finished_at_dest"),
    ("migrate", "resized_at_source:finish_resize"),
    ("migrate", "resized_at_source"),
    ("migrate", "prepped_at_dest:resize_instance"),
    ("migrate", "prepped_at_dest"),
    ("migrate", "target_created:prep_resize"),
    ("migrate", "target_created"),
    ("migrate", "scheduled"),
    ("migrate", "allocations_moved"),
    ("confirmResize", "confirmed"),
    ("confirmResize", "confirming:confirm_resize"),
    ("revertResize", "reverted"),
    ("revertResize", "reverted_at_dest:finish_revert_resize"),
    ("revertResize", "reverted_at_dest"),
    ("revertResize", "swapped_back:revert_resize"),
    ("revertResize", "swapped_back"),
]
HOOK = "POCKETSTACK_COMPUTE__CRASH_AT_MIGRATION_STEP"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CloudProcess]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "pocketstack.toml").write_text(
        "[compute]\nhosts_per_cell = 1\ndiscover_hosts_interval = 0.2\n"
        "[policy]\n\"compute:servers:resize:cross_cell\" = \"rule:context_is_admin\"\n")
    running = CloudProcess(data, ready="/compute/")
    try:
        yield running
    finally:
        running.stop()


async def _token(http: httpx.AsyncClient, cloud: CloudProcess) -> None:
    made = await http.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"},
            "password": cloud.admin_password()}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    assert made.status_code == 201, made.text
    http.headers["X-Auth-Token"] = made.headers["x-subject-token"]


async def _status(http: httpx.AsyncClient, server_id: str, wanted: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_S
    while True:
        shown = await http.get(f"/compute/v2.1/servers/{server_id}", headers=COMPUTE)
        assert shown.status_code == 200, shown.text
        found: dict[str, Any] = shown.json()["server"]
        if found["status"] in wanted:
            return found
        assert time.monotonic() < deadline, f"{server_id} never reached {wanted}: {found}"
        await asyncio.sleep(0.1)


async def _act(http: httpx.AsyncClient, server_id: str, action: str, *,
               may_die: bool = False) -> None:
    """POST the action; with ``may_die`` the process may be killed under the request."""
    try:
        done = await http.post(f"/compute/v2.1/servers/{server_id}/action",
                               json={action: None}, headers=COMPUTE)
    except httpx.HTTPError:
        if may_die:
            return
        raise
    assert done.status_code in (202, 204), done.text


def _copies(data: Path, server_id: str) -> list[tuple[str, int]]:
    """(cell, hidden) of every live row of the server in the cell databases."""
    found = []
    for path in sorted((data / "db").glob("compute_cell*.sqlite")):
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT hidden FROM instances WHERE uuid = ? AND deleted = 0",
                                (server_id,)).fetchall()
        found += [(path.stem, int(row[0])) for row in rows]
    return found


async def _check(http: httpx.AsyncClient, cloud: CloudProcess, server_id: str,
                 action: str, point: str) -> str:
    """The invariants after a restart; the server's host. A cut confirm or revert is
    finished by the restart; a cut move is rolled back, or finished when it was cut after
    its swap (and then confirmed here)."""
    settled = {"ACTIVE", "VERIFY_RESIZE"} if action == "migrate" else {"ACTIVE"}
    shown = await _status(http, server_id, settled)
    if shown["status"] == "VERIFY_RESIZE":  # cut after the swap: the move finished
        await _act(http, server_id, "confirmResize")
        shown = await _status(http, server_id, {"ACTIVE"})
    host = str(shown["OS-EXT-SRV-ATTR:host"])
    copies = _copies(cloud.data_dir, server_id)
    assert copies == [(f"compute_{host.split('-')[0]}", 0)], (point, copies)
    listed = (await http.get("/compute/v2.1/servers")).json()["servers"]
    assert [s["id"] for s in listed] == [server_id], point
    held = (await http.get(f"/placement/allocations/{server_id}", headers=PLACEMENT)).json()
    (provider,) = held["allocations"]
    assert held["allocations"][provider]["resources"] == FLAVOR, point
    providers = (await http.get("/placement/resource_providers", headers=PLACEMENT)).json()
    usage = {name: 0 for name in FLAVOR}
    for rp in providers["resource_providers"]:
        used = (await http.get(f"/placement/resource_providers/{rp['uuid']}/usages",
                               headers=PLACEMENT)).json()["usages"]
        if rp["uuid"] == provider:
            assert rp["name"] == host, point
        for name in usage:
            usage[name] += used.get(name, 0)
    assert usage == FLAVOR, (point, usage)  # no allocation left with a migration
    images = (await http.get("/image/v2/images")).json()["images"]
    assert not [i for i in images if i["name"].endswith("-resize-temp")], point
    limits = (await http.get("/compute/v2.1/limits")).json()["limits"]["absolute"]
    assert (limits["totalInstancesUsed"], limits["totalCoresUsed"],
            limits["totalRAMUsed"]) == (1, 1, 512), point
    return host


async def _boot(http: httpx.AsyncClient) -> str:
    image = await http.post("/image/v2/images", json={
        "name": "img", "disk_format": "raw", "container_format": "bare"})
    image_id = str(image.json()["id"])
    await http.put(f"/image/v2/images/{image_id}/file", content=b"\0" * 512,
                   headers={"Content-Type": "application/octet-stream"})
    made = await http.post("/compute/v2.1/servers", headers=COMPUTE, json={"server": {
        "name": "mover", "flavorRef": "1", "imageRef": image_id, "networks": "none"}})
    assert made.status_code == 202, made.text
    server_id = str(made.json()["server"]["id"])
    await _status(http, server_id, {"ACTIVE"})
    return server_id


@pytest.mark.parametrize("group", ["migrate", "confirmResize", "revertResize"])
def test_kill_at_every_step_of_a_cross_cell_move(server: CloudProcess, group: str) -> None:
    async def scenario() -> None:
        server.start()
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            await _token(http, server)
            server_id = await _boot(http)
        server.stop()
        cut: tuple[str, str] | None = None  # the round the next start recovers from
        for action, point in [p for p in POINTS if p[0] == group]:
            server.env[HOOK] = point
            server.start()
            async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
                await _token(http, server)
                if cut is not None:
                    await _check(http, server, server_id, *cut)
                await _act(http, server_id, "migrate", may_die=True)
                if action != "migrate":
                    await _status(http, server_id, {"VERIFY_RESIZE"})
                    await _act(http, server_id, action, may_die=True)
                await server.died(SETTLE_S)
            cut = (action, point)
        del server.env[HOOK]
        server.start()
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
            await _token(http, server)
            assert cut is not None
            await _check(http, server, server_id, *cut)
        server.stop()

    asyncio.run(scenario())
