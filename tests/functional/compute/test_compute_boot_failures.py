"""Boots that cannot go where they were sent: no valid host (buried in cell0, §1.8), a
spawn failure rescheduled to an alternate of the same cell (§1.6), and every host failing
(ERROR in the cell, after max_attempts)."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from boot_engine_support import PROJECT, USER, boot, cloud_of, settled

from pocketstack.compute.db.cell_models import (
    instance_actions,
    instance_actions_events,
    instance_faults,
    services,
)
from pocketstack.compute.launch import hosts_of
from pocketstack.compute.objects import build_requests
from pocketstack.compute.service import Compute

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


async def _faults(svc: Compute, cell_id: int, instance_uuid: str) -> list[tuple[str, str]]:
    async with svc.cells.by_id(cell_id).reading() as conn:
        rows = await conn.execute(sa.select(instance_faults.c.message, instance_faults.c.host)
                                  .where(instance_faults.c.instance_uuid == instance_uuid)
                                  .order_by(instance_faults.c.id))
        return [(row.message, row.host) for row in rows]


async def _events(svc: Compute, cell_id: int, instance_uuid: str) -> list[tuple[str, str]]:
    async with svc.cells.by_id(cell_id).reading() as conn:
        rows = await conn.execute(
            sa.select(instance_actions_events.c.event, instance_actions_events.c.result)
            .join(instance_actions, instance_actions.c.id == instance_actions_events.c.action_id)
            .where(instance_actions.c.instance_uuid == instance_uuid)
            .order_by(instance_actions_events.c.id))
        return [(row.event, row.result) for row in rows]


async def test_a_flavor_bigger_than_any_host_is_buried_in_cell0(tmp_path: Path) -> None:
    async with cloud_of(tmp_path, host_disk_gb=100) as (_, svc):
        [uuid_] = await boot(svc, "5")  # m1.xlarge: 160 GB of disk
        cell, instance = await settled(svc, uuid_)
        assert cell.mapping.is_cell0
        assert (instance["vm_state"], instance["task_state"], instance["host"]) == (
            "error", None, None)
        assert await _faults(svc, cell.mapping.id, uuid_) == [(NO_VALID_HOST, None)]
        assert await _events(svc, cell.mapping.id, uuid_) == [
            ("conductor_schedule_and_build_instances", "Error")]
        async with svc.reading() as api:
            assert await build_requests.get_build_request(api, uuid_) is None
        assert await svc.clients.placement.get_allocations(uuid_) == {}


async def test_no_enabled_host_means_no_valid_host(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        for cell in svc.cells.computes():
            async with cell.writing() as conn:
                await conn.execute(sa.update(services).values(disabled=True))
        [uuid_] = await boot(svc, "1")
        cell, instance = await settled(svc, uuid_)
        assert cell.mapping.is_cell0 and instance["vm_state"] == "error"


async def test_a_failed_spawn_is_rescheduled_to_an_alternate(tmp_path: Path) -> None:
    async with cloud_of(tmp_path, cells=1, hosts_per_cell=3) as (_, svc):
        agents = hosts_of(svc)
        good = agents["cell1-host3"]
        for name in ("cell1-host1", "cell1-host2"):
            agents[name].driver.fail_spawn = True  # type: ignore[attr-defined]
        # Make the good host the emptiest-looking last choice: the others fail first.
        candidates = await svc.clients.placement.allocation_candidates(
            {"MEMORY_MB": 100000}, limit=10)
        request = next(r for r in candidates["allocation_requests"]
                       if good.uuid in r["allocations"])
        assert await svc.clients.placement.claim(str(uuid.uuid4()), request, PROJECT, USER)
        [uuid_] = await boot(svc, "1")
        cell, instance = await settled(svc, uuid_)
        assert (instance["vm_state"], instance["host"]) == ("active", "cell1-host3")
        failed_on = {host for _, host in await _faults(svc, cell.mapping.id, uuid_)}
        assert failed_on == {"cell1-host1", "cell1-host2"}
        assert list(await svc.clients.placement.get_allocations(uuid_)) == [good.uuid]
        for name in ("cell1-host1", "cell1-host2"):
            assert await svc.clients.placement.provider_allocations(agents[name].uuid) == {}


async def test_failing_on_every_host_ends_in_error_in_the_cell(tmp_path: Path) -> None:
    hosts = "cell1-host1,cell1-host2,cell1-host3"
    async with cloud_of(tmp_path, cells=1, hosts_per_cell=3, fail_spawn_on=hosts) as (_, svc):
        [uuid_] = await boot(svc, "1")
        cell, instance = await settled(svc, uuid_)
        assert not cell.mapping.is_cell0
        assert instance["vm_state"] == "error"
        faults = await _faults(svc, cell.mapping.id, uuid_)
        assert len(faults) == 4  # one per host, then the conductor's verdict
        assert faults[-1][0].startswith("Exceeded maximum number of retries.")
        assert ("compute__do_build_and_run_instance", "Error") in await _events(
            svc, cell.mapping.id, uuid_)
        assert await svc.clients.placement.get_allocations(uuid_) == {}
