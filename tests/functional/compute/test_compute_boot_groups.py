"""Server groups as the scheduler reads them: hard affinity keeps a request's instances on
one host, hard anti-affinity spreads them, and more members than hosts is no valid host."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from boot_engine_support import boot, cloud_of, settled, write_boot

from pocketstack.compute import rpc
from pocketstack.compute.db.api_models import instance_group_members, instance_groups
from pocketstack.compute.service import Compute


async def _group_boot(svc: Compute, policy: str, count: int) -> list[str]:
    group = {"uuid": str(uuid.uuid4()), "policy": policy, "rules": {}}
    uuids = await write_boot(svc, "42", count, group=group)
    moment = datetime.datetime(2026, 1, 1)
    async with svc.writing() as api:
        made = await api.execute(sa.insert(instance_groups).values(
            uuid=group["uuid"], name="g", policy=policy, rules={}, created_at=moment))
        assert made.inserted_primary_key is not None
        group_id = made.inserted_primary_key[0]
        await api.execute(sa.insert(instance_group_members), [
            {"group_id": group_id, "instance_uuid": u, "created_at": moment} for u in uuids])
    await svc.api_bus.cast(rpc.API_CONDUCTOR, rpc.SCHEDULE_AND_BUILD, {
        "instance_uuids": uuids, "request_id": "req-" + uuid.uuid4().hex})
    return uuids


async def _ends(svc: Compute, uuids: list[str]) -> list[dict[str, Any]]:
    return [(await settled(svc, u))[1] for u in uuids]


async def test_affinity_keeps_the_members_together(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        await boot(svc, "42")  # something elsewhere, so spreading would not pick one host
        ends = await _ends(svc, await _group_boot(svc, "affinity", 3))
        assert {e["vm_state"] for e in ends} == {"active"}
        assert len({e["host"] for e in ends}) == 1


async def test_anti_affinity_spreads_the_members(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        ends = await _ends(svc, await _group_boot(svc, "anti-affinity", 4))
        assert {e["vm_state"] for e in ends} == {"active"}
        assert len({e["host"] for e in ends}) == 4


async def test_more_anti_affine_members_than_hosts_is_no_valid_host(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        uuids = await _group_boot(svc, "anti-affinity", 5)
        ends = [await settled(svc, u) for u in uuids]
        assert all(cell.mapping.is_cell0 for cell, _ in ends)
        assert {e["vm_state"] for _, e in ends} == {"error"}
        for u in uuids:
            assert await svc.clients.placement.get_allocations(u) == {}
