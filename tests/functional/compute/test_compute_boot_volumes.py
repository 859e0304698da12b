"""Boot from volume: no disk claimed in placement, the volume attached to the instance
(an existing one, or a new blank one the host creates), and detached (deleted when asked)
when the instance is terminated."""

from __future__ import annotations

import asyncio
from pathlib import Path

from boot_engine_support import WAIT_S, boot, cloud_of, settled

from pocketstack.compute.objects import host_reports
from pocketstack.compute.service import Compute


def _bdm(**fields: object) -> dict[str, object]:
    return {"source_type": "blank", "destination_type": "volume", "boot_index": 0,
            "volume_id": None, "image_id": None, "volume_size": 1,
            "delete_on_termination": True, "device_name": "/dev/vda", "tag": None, **fields}


async def _available(svc: Compute, size: int) -> str:
    volume = await svc.clients.volume.create_volume(size, name="root")
    for _ in range(int(WAIT_S / 0.02)):
        found = await svc.clients.volume.get_volume(str(volume["id"]))
        if found is not None and found["status"] == "available":
            return str(volume["id"])
        await asyncio.sleep(0.02)
    raise AssertionError(f"volume never available: {volume}")


async def test_boot_from_an_existing_volume_attaches_it(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        volume_id = await _available(svc, 1)
        [uuid_] = await boot(svc, "1", bdms=[_bdm(source_type="volume", volume_id=volume_id,
                                                 delete_on_termination=False)])
        cell, instance = await settled(svc, uuid_)
        assert instance["vm_state"] == "active", instance
        allocations = await svc.clients.placement.get_allocations(uuid_)
        [resources] = [a["resources"] for a in allocations.values()]
        assert "DISK_GB" not in resources
        volume = await svc.clients.volume.get_volume(volume_id)
        assert volume is not None and volume["status"] == "in-use"
        assert volume["attachments"][0]["server_id"] == uuid_
        async with cell.reading() as conn:
            [bdm] = await host_reports.list_bdms(conn, uuid_)
        assert bdm["attachment_id"] is not None and bdm["volume_id"] == volume_id


async def test_boot_on_a_new_blank_volume_creates_it(tmp_path: Path) -> None:
    async with cloud_of(tmp_path) as (_, svc):
        [uuid_] = await boot(svc, "1", bdms=[_bdm(volume_size=2)])
        cell, instance = await settled(svc, uuid_)
        assert instance["vm_state"] == "active", instance
        async with cell.reading() as conn:
            [bdm] = await host_reports.list_bdms(conn, uuid_)
        volume = await svc.clients.volume.get_volume(str(bdm["volume_id"]))
        assert volume is not None and volume["size"] == 2
        assert volume["status"] == "in-use"
