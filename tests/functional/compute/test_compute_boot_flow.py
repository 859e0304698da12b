"""The boot flow end to end below the API: a request written as the servers API writes it,
scheduled, created in a cell and spawned on a fake host (Nova §1.7)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from boot_engine_support import PROJECT, boot, cloud_of, settled

from pocketstack.compute.db.cell_models import instance_actions, instance_actions_events
from pocketstack.compute.launch import hosts_of
from pocketstack.compute.objects import build_requests


async def test_a_boot_ends_active_on_a_host_with_its_allocation(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        [uuid] = await boot(svc, "1")
        cell, instance = await settled(svc, uuid)
        assert instance["vm_state"] == "active"
        assert instance["power_state"] == 1
        assert instance["host"] in hosts_of(svc)
        assert instance["host"].startswith(cell.name + "-")
        assert instance["launched_at"] is not None
        assert instance["availability_zone"] == "nova"
        async with svc.reading() as api:
            assert await build_requests.get_build_request(api, uuid) is None
            mapping = await build_requests.get_mapping(api, uuid)
        assert mapping is not None and mapping.cell_id == cell.mapping.id
        allocations = await svc.clients.placement.get_allocations(uuid)
        agent = hosts_of(svc)[instance["host"]]
        assert list(allocations) == [agent.uuid]
        assert allocations[agent.uuid]["resources"] == {"VCPU": 1, "MEMORY_MB": 512,
                                                        "DISK_GB": 1}
        assert uuid in agent.driver.instances()
        async with cell.reading() as conn:
            events = (await conn.execute(
                sa.select(instance_actions.c.action, instance_actions.c.project_id,
                          instance_actions_events.c.event, instance_actions_events.c.result)
                .join(instance_actions_events,
                      instance_actions_events.c.action_id == instance_actions.c.id)
                .where(instance_actions.c.instance_uuid == uuid)
                .order_by(instance_actions_events.c.id))).all()
        assert [tuple(e) for e in events] == [
            ("create", PROJECT, "conductor_schedule_and_build_instances", "Success"),
            ("create", PROJECT, "compute__do_build_and_run_instance", "Success")]
