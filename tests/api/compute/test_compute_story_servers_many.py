"""Story: a few hundred servers already spread over both cells (rows written as a
long-lived cloud holds them); pages smaller than the cells' batches still come out complete,
once each, in order, whatever the sort key."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.db.api_models import instance_mappings
from pocketstack.compute.objects.instances import create_instance

_FLAVOR = {"flavorid": "1", "name": "m1.tiny", "memory_mb": 512, "vcpus": 1, "root_gb": 1,
           "ephemeral_gb": 0, "swap": 0, "rxtx_factor": 1.0, "extra_specs": {}}


async def _seed(nova: ComputeClient, count: int) -> list[str]:
    svc = nova.service
    start = datetime.datetime(2026, 1, 1)
    made: list[str] = []
    cells = svc.cells.computes()
    mappings: list[dict[str, Any]] = []
    for index in range(count):
        cell = cells[0] if index < count * 2 // 3 else cells[1]  # the newest in one cell
        server_id = str(uuid.uuid4())
        async with cell.writing() as conn:
            await create_instance(conn, {
                "uuid": server_id, "project_id": nova.admin.project_id,
                "user_id": nova.admin.user_id, "display_name": f"s{(index * 7) % 50:02d}",
                "vm_state": "active", "power_state": 1, "host": f"{cell.name}-host1",
                "flavor": _FLAVOR, "metadata": {}, "system_metadata": {}, "tags": [],
                "addresses": {}, "security_groups": ["default"], "reservation_id": "r-1",
                "image_ref": "", "created_at": start + datetime.timedelta(seconds=index // 3)})
        mappings.append({"instance_uuid": server_id, "cell_id": cell.mapping.id,
                         "project_id": nova.admin.project_id, "user_id": nova.admin.user_id,
                         "queued_for_delete": False, "created_at": start})
        made.append(server_id)
    async with svc.writing() as api:
        await api.execute(sa.insert(instance_mappings), mappings)
    return made


async def _walk(nova: ComputeClient, params: dict[str, str]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for _ in range(50):
        body = (await nova.get("/servers/detail", params=params)).json()
        seen += body["servers"]
        if "servers_links" not in body:
            return seen
        params = {**params, "marker": seen[-1]["id"]}
    raise AssertionError("too many pages")


async def test_many_servers_paged(nova: ComputeClient) -> None:
    made = await _seed(nova, 330)
    newest = await _walk(nova, {"limit": "150"})
    assert sorted(s["id"] for s in newest) == sorted(made)
    keys = [(s["created"], s["id"]) for s in newest]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
    for stamp in {k[0] for k in keys}:
        same = [k[1] for k in keys if k[0] == stamp]
        assert same == sorted(same)  # uuid breaks ties, ascending
    by_name = await _walk(nova, {"limit": "120", "sort_key": "display_name",
                                 "sort_dir": "asc"})
    assert [(s["name"], s["id"]) for s in by_name] == sorted(
        (s["name"], s["id"]) for s in newest)
    page = (await nova.get("/servers", params={"limit": "1000"})).json()
    assert len(page["servers"]) == 330 and "servers_links" not in page
