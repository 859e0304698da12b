"""What a host agent does after the build: power actions and terminate, each cast the way
the servers API casts them (task state set first, then ``compute.<method>`` to the host)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from boot_engine_support import WAIT_S, boot, cloud_of, locate, settled

from pocketstack.compute import rpc
from pocketstack.compute.launch import hosts_of
from pocketstack.compute.objects import host_reports, instance_actions
from pocketstack.compute.objects.instances import get_instance, update_instance
from pocketstack.compute.service import Compute


async def _act(svc: Compute, instance_uuid: str, method: str, task_state: str,
               action: str, **extra: Any) -> str:
    found = await locate(svc, instance_uuid)
    assert found is not None
    cell, instance = found
    request_id = "req-" + uuid.uuid4().hex
    async with cell.writing() as conn:
        await update_instance(conn, instance_uuid, {"task_state": task_state},
                              expected_task_state=[None])
        await instance_actions.start_action(conn, instance_uuid=instance_uuid, action=action,
                                            request_id=request_id, user_id=None,
                                            project_id=None)
        bdms = await host_reports.list_bdms(conn, instance_uuid)
    if method == rpc.HostMethod.TERMINATE:
        extra["bdms"] = bdms
    bus = await svc.cell_bus(cell)
    await bus.cast(rpc.COMPUTE, method, {"instance_uuid": instance_uuid,
                                         "request_id": request_id, **extra},
                   server=instance["host"])
    return request_id


async def _until(svc: Compute, instance_uuid: str, vm_state: str) -> dict[str, Any]:
    found = None
    for _ in range(int(WAIT_S / 0.01)):
        found = await locate(svc, instance_uuid)
        if found is not None and found[1]["vm_state"] == vm_state and (
                found[1]["task_state"] is None):
            return found[1]
        await asyncio.sleep(0.01)
    raise AssertionError(f"{instance_uuid} never reached {vm_state}: {found}")


async def test_stop_start_pause_and_reboot_reach_nova_states(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        [uuid_] = await boot(svc, "1")
        cell, instance = await settled(svc, uuid_)
        driver = hosts_of(svc)[instance["host"]].driver
        request_id = await _act(svc, uuid_, rpc.HostMethod.STOP, "powering-off", "stop")
        assert (await _until(svc, uuid_, "stopped"))["power_state"] == 4
        assert driver.instances()[uuid_] == 4
        got = None
        for _ in range(int(WAIT_S / 0.01)):  # the host records its event after the state
            async with cell.reading() as conn:
                got = await instance_actions.get_action(conn, uuid_, request_id)
            if got is not None and all(e["result"] is not None for e in got[1]):
                break
            await asyncio.sleep(0.01)
        assert got is not None
        assert [(e["event"], e["result"]) for e in got[1]] == [
            ("compute_stop_instance", "Success")]
        await _act(svc, uuid_, rpc.HostMethod.START, "powering-on", "start")
        assert (await _until(svc, uuid_, "active"))["power_state"] == 1
        await _act(svc, uuid_, rpc.HostMethod.PAUSE, "pausing", "pause")
        assert (await _until(svc, uuid_, "paused"))["power_state"] == 3
        await _act(svc, uuid_, rpc.HostMethod.UNPAUSE, "unpausing", "unpause")
        await _until(svc, uuid_, "active")
        await _act(svc, uuid_, rpc.HostMethod.REBOOT, "rebooting_hard", "reboot",
                   reboot_type="HARD")
        assert (await _until(svc, uuid_, "active"))["power_state"] == 1


async def test_terminate_destroys_and_frees_placement(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        [uuid_] = await boot(svc, "1")
        cell, instance = await settled(svc, uuid_)
        agent = hosts_of(svc)[instance["host"]]
        assert await svc.clients.placement.get_allocations(uuid_) != {}
        await _act(svc, uuid_, rpc.HostMethod.TERMINATE, "deleting", "delete")
        for _ in range(int(WAIT_S / 0.01)):
            if await locate(svc, uuid_) is None:  # soft-deleted: no longer found
                break
            await asyncio.sleep(0.01)
        async with cell.reading() as conn:
            gone = await get_instance(conn, uuid_, include_deleted=True)
        assert (gone["vm_state"], gone["deleted"]) == ("deleted", gone["id"])
        assert uuid_ not in agent.driver.instances()
        assert await svc.clients.placement.get_allocations(uuid_) == {}


async def test_rebuild_and_snapshot(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        [uuid_] = await boot(svc, "1")
        await settled(svc, uuid_)
        new_image = str(uuid.uuid4())
        await _act(svc, uuid_, rpc.HostMethod.REBUILD, "rebuilding", "rebuild",
                   image_ref=new_image)
        assert (await _until(svc, uuid_, "active"))["image_ref"] == new_image
        image = await svc.clients.image.create_image(
            name="snap", disk_format="qcow2", container_format="bare")
        assert image["status"] == "queued"
        request_id = await _act(svc, uuid_, rpc.HostMethod.SNAPSHOT, "image_snapshot",
                                "createImage", image_id=image["id"])
        await _until(svc, uuid_, "active")
        uploaded = await svc.clients.image.get_image(image["id"])
        assert uploaded["status"] == "active" and uploaded["size"] > 0
        found = await locate(svc, uuid_)
        assert found is not None
        async with found[0].reading() as conn:
            got = await instance_actions.get_action(conn, uuid_, request_id)
        assert got is not None
        assert [(e["event"], e["result"]) for e in got[1]] == [
            ("compute_snapshot_instance", "Success")]
