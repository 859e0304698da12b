"""Many boots at once, and a restart: placement is never oversubscribed and every boot
settles; a build request left behind by a stopped cloud is built when it starts again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from boot_engine_support import boot, cloud_of, locate, settled, write_boot

from pocketstack.compute.launch import hosts_of
from pocketstack.compute.objects import build_requests


async def test_thirty_concurrent_boots_all_end_active(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        started = time.monotonic()
        requests = await asyncio.gather(*(boot(svc, "1") for _ in range(30)))
        uuids = [u for request in requests for u in request]
        ends = await asyncio.gather(*(settled(svc, u) for u in uuids))
        elapsed = time.monotonic() - started
        assert [instance["vm_state"] for _, instance in ends] == ["active"] * 30
        memory = 0
        consumers: set[str] = set()
        for agent in hosts_of(svc).values():
            allocations = await svc.clients.placement.provider_allocations(agent.uuid)
            consumers |= set(allocations)
            memory += sum(a["resources"]["MEMORY_MB"] for a in allocations.values())
            assert len(allocations) == len(agent.driver.instances())
        assert consumers == set(uuids)
        assert memory == 30 * 512
        assert len({instance["host"] for _, instance in ends}) == 4  # spread over the hosts
        assert elapsed < 20.0


async def test_two_instances_of_one_request_have_one_reservation(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        uuids = await boot(svc, "42", count=2)
        ends = [await settled(svc, u) for u in uuids]
        assert {i["reservation_id"] for _, i in ends} == {ends[0][1]["reservation_id"]}
        assert sorted(i["launch_index"] for _, i in ends) == [0, 1]


async def test_a_build_request_left_behind_is_built_after_a_restart(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        [running] = await boot(svc, "1")
        _, before = await settled(svc, running)
        [uuid_] = await write_boot(svc, "1")  # written, never cast: the cloud stopped
    async with cloud_of(tmp_path) as (_, svc):
        # The host agent took back what it ran before the restart.
        assert hosts_of(svc)[before["host"]].driver.instances()[running] == 1
        cell, instance = await settled(svc, uuid_)
        assert not cell.mapping.is_cell0 and instance["vm_state"] == "active"
        async with svc.reading() as api:
            assert await build_requests.get_build_request(api, uuid_) is None
        assert uuid_ in hosts_of(svc)[instance["host"]].driver.instances()


async def test_a_spawn_cut_off_by_a_stop_is_finished_after_the_restart(tmp_path: Path) -> None:
    async with cloud_of(tmp_path, spawn_latency=30.0) as (_, svc):
        [uuid_] = await boot(svc, "1")
        for _ in range(1000):
            found = await locate(svc, uuid_)
            if found is not None and found[1]["task_state"] == "spawning":
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"{uuid_} never started spawning")
    async with cloud_of(tmp_path) as (_, svc):
        _, instance = await settled(svc, uuid_)
        assert instance["vm_state"] == "active"
        assert uuid_ in hosts_of(svc)[instance["host"]].driver.instances()
        assert len(await svc.clients.placement.get_allocations(uuid_)) == 1
