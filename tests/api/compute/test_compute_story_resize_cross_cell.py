"""Story: a server resized into another cell and back (§4.5-§4.7). One host per cell, so
every move crosses cells; the operator allows cross-cell moves in ``[policy]``. The target
cell gets a hidden copy, the root disk travels through a "<server>-resize-temp" snapshot
image that is gone afterwards, the ports follow the server, the mapping flips; confirm
deletes the source copy, revert swaps back. Without the policy the move has nowhere to
go and the server stays ACTIVE where it was."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient, compute_settings, nova_on
from tests.api.compute.test_compute_story_resize import (
    act,
    allocations,
    events,
    migration_rows,
    rp_of,
)

from pocketstack.compute.db.api_models import instance_mappings
from pocketstack.compute.db.cell_models import instances
from pocketstack.compute.launch import hosts_of

CROSS_CELL = {"compute:servers:resize:cross_cell": "rule:project_member_or_admin"}


async def copies(nova: ComputeClient, server_id: str) -> dict[str, bool]:
    """cell name -> whether its copy of the server is hidden (cells with a live copy)."""
    found = {}
    for cell in nova.service.cells.computes():
        async with cell.reading() as conn:
            row = (await conn.execute(sa.select(instances.c.hidden).where(
                instances.c.uuid == server_id, instances.c.deleted == 0))).first()
        if row is not None:
            found[cell.name] = bool(row.hidden)
    return found


async def mapped_cell(nova: ComputeClient, server_id: str) -> str:
    async with nova.service.reading() as api:
        cell_id = (await api.execute(sa.select(instance_mappings.c.cell_id).where(
            instance_mappings.c.instance_uuid == server_id))).scalar_one()
    return nova.service.cells.by_id(cell_id).name


async def images_named(nova: ComputeClient, name: str) -> list[Any]:
    listed = await nova.other("GET", f"/image/v2/images?name={name}")
    assert listed.status_code == 200, listed.text
    return list(listed.json()["images"])


async def port_host(nova: ComputeClient, server_id: str) -> str:
    ports = (await nova.other("GET", f"/network/v2.0/ports?device_id={server_id}")).json()
    (port,) = ports["ports"]
    return str(port["binding:host_id"])


async def test_resize_across_cells_confirm_and_revert(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, hosts_per_cell=1, policy=CROSS_CELL)
    async with nova_on(settings) as nova:
        owner = await nova.user("member")
        network = await nova.network(token=owner.token)  # one the owner can see
        server_id = (await nova.boot(token=owner.token, name="wanderer",
                                     networks=[{"uuid": network}]))["id"]
        before = await nova.wait_for(server_id, "ACTIVE")
        assert before is not None
        source = before["OS-EXT-SRV-ATTR:host"]
        source_cell = source.split("-")[0]
        assert await port_host(nova, server_id) == source

        response = await act(nova, server_id, {"resize": {"flavorRef": "2"}}, owner.token)
        assert response.status_code == 202, response.text
        resized = await nova.wait_for(server_id, "VERIFY_RESIZE", token=owner.token)
        assert resized is not None
        shown = await nova.show(server_id)
        dest = shown["OS-EXT-SRV-ATTR:host"]
        dest_cell = dest.split("-")[0]
        assert dest_cell != source_cell
        assert shown["flavor"]["original_name"] == "m1.small"
        assert await mapped_cell(nova, server_id) == dest_cell
        assert await copies(nova, server_id) == {source_cell: True, dest_cell: False}
        assert await port_host(nova, server_id) == dest
        assert await images_named(nova, "wanderer-resize-temp") == []
        listed = (await nova.get("/servers", token=owner.token)).json()["servers"]
        assert [s["id"] for s in listed] == [server_id]
        limits = (await nova.get("/limits", token=owner.token)).json()["limits"]["absolute"]
        assert (limits["totalInstancesUsed"], limits["totalCoresUsed"],
                limits["totalRAMUsed"]) == (1, 1, 2048)
        (migration,) = [m for m in await migration_rows(nova, server_id)
                        if m["cell"] == dest_cell]
        assert migration["cross_cell_move"] and migration["status"] == "finished"
        assert await allocations(nova, migration["uuid"]) == {
            rp_of(nova, source): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}
        assert await allocations(nova, server_id) == {
            rp_of(nova, dest): {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}
        assert await events(nova, server_id, "resize") == [
            ("conductor_migrate_server", "Success"),
            ("compute_prep_snapshot_based_resize_at_dest", "Success"),
            ("compute_prep_snapshot_based_resize_at_source", "Success"),
            ("compute_finish_snapshot_based_resize_at_dest", "Success")]
        actions = (await nova.get(f"/servers/{server_id}/os-instance-actions")).json()
        assert [a["action"] for a in actions["instanceActions"]] == ["resize", "create"]

        confirmed = await act(nova, server_id, {"confirmResize": None}, owner.token)
        assert confirmed.status_code == 204, confirmed.text
        await nova.wait_for(server_id, "ACTIVE")
        assert await copies(nova, server_id) == {dest_cell: False}
        assert await allocations(nova, migration["uuid"]) == {}
        assert await events(nova, server_id, "confirmResize") == [
            ("conductor_confirm_snapshot_based_resize", "Success"),
            ("compute_confirm_snapshot_based_resize_at_source", "Success")]

        # Back across, then revert: the server stays where it was, as it was.
        assert (await act(nova, server_id, {"resize": {"flavorRef": "1"}})).status_code == 202
        await nova.wait_for(server_id, "VERIFY_RESIZE")
        assert await copies(nova, server_id) == {source_cell: False, dest_cell: True}
        assert (await act(nova, server_id, {"revertResize": None})).status_code == 202
        back = await nova.wait_for(server_id, "ACTIVE")
        assert back is not None and back["OS-EXT-SRV-ATTR:host"] == dest
        assert back["flavor"]["original_name"] == "m1.small"
        assert await copies(nova, server_id) == {dest_cell: False}
        assert await mapped_cell(nova, server_id) == dest_cell
        assert await port_host(nova, server_id) == dest
        assert await allocations(nova, server_id) == {
            rp_of(nova, dest): {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}
        assert await events(nova, server_id, "revertResize") == [
            ("conductor_revert_snapshot_based_resize", "Success"),
            ("compute_revert_snapshot_based_resize_at_dest", "Success"),
            ("compute_finish_revert_snapshot_based_resize_at_source", "Success")]
        assert await images_named(nova, "wanderer-resize-temp") == []
        statuses = sorted(m["status"] for m in await migration_rows(nova, server_id))
        assert statuses == ["confirmed", "reverted"]


async def test_placement_counts_both_flavors_while_verifying(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, hosts_per_cell=1, policy=CROSS_CELL, quota={
        "instances": -1, "cores": -1, "ram": -1, "count_usage_from_placement": True})
    async with nova_on(settings) as nova:
        server_id = (await nova.boot(name="counted"))["id"]
        await nova.wait_for(server_id, "ACTIVE")
        assert (await act(nova, server_id, {"migrate": None})).status_code == 202
        await nova.wait_for(server_id, "VERIFY_RESIZE")
        limits = (await nova.get("/limits")).json()["limits"]["absolute"]
        # Placement: the migration's allocation (source) and the server's (destination).
        assert (limits["totalInstancesUsed"], limits["totalCoresUsed"],
                limits["totalRAMUsed"]) == (1, 2, 1024)
        assert (await act(nova, server_id, {"confirmResize": None})).status_code == 204
        await nova.wait_for(server_id, "ACTIVE")
        limits = (await nova.get("/limits")).json()["limits"]["absolute"]
        assert (limits["totalCoresUsed"], limits["totalRAMUsed"]) == (1, 512)


async def test_without_the_policy_a_move_stays_in_its_cell(tmp_path: Path) -> None:
    async with nova_on(compute_settings(tmp_path, hosts_per_cell=1)) as nova:
        server_id = (await nova.boot(name="homebody"))["id"]
        before = await nova.wait_for(server_id, "ACTIVE")
        assert before is not None
        assert (await act(nova, server_id, {"migrate": None})).status_code == 202
        for _ in range(500):
            rows = await migration_rows(nova, server_id)
            if rows and rows[0]["status"] == "error":
                break
            await nova.wait_for(server_id, "ACTIVE")
        assert [m["status"] for m in rows] == ["error"]
        after = await nova.show(server_id)
        assert after["status"] == "ACTIVE"
        assert after["OS-EXT-SRV-ATTR:host"] == before["OS-EXT-SRV-ATTR:host"]
        assert await allocations(nova, server_id) == {
            rp_of(nova, after["OS-EXT-SRV-ATTR:host"]): {"VCPU": 1, "MEMORY_MB": 512,
                                                         "DISK_GB": 1}}
        assert await events(nova, server_id, "migrate") == [
            ("conductor_migrate_server", "Error")]


async def _attachments(nova: ComputeClient, volume_id: str) -> list[str]:
    volume = await nova.service.clients.volume.get_volume(volume_id)
    assert volume is not None
    return [str(a["attachment_id"]) for a in volume.get("attachments") or []]


async def test_volume_backed_server_moves_its_attachments(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, hosts_per_cell=1, policy=CROSS_CELL)
    async with nova_on(settings) as nova:
        volumes = nova.service.clients.volume
        volume_id = str((await volumes.create_volume(1, name="root"))["id"])
        for _ in range(250):
            found = await volumes.get_volume(volume_id)
            if found is not None and found["status"] == "available":
                break
            await asyncio.sleep(0.02)
        server_id = (await nova.boot(name="bfv", block_device_mapping_v2=[{
            "uuid": volume_id, "source_type": "volume", "destination_type": "volume",
            "boot_index": 0}]))["id"]
        await nova.wait_for(server_id, "ACTIVE")
        (first,) = await _attachments(nova, volume_id)

        assert (await act(nova, server_id, {"migrate": None})).status_code == 202
        await nova.wait_for(server_id, "VERIFY_RESIZE")
        both = await _attachments(nova, volume_id)  # the source's, kept for a revert
        assert first in both and len(both) == 2
        assert await images_named(nova, "bfv-resize-temp") == []  # no disk to carry
        assert (await act(nova, server_id, {"revertResize": None})).status_code == 202
        await nova.wait_for(server_id, "ACTIVE")
        assert await _attachments(nova, volume_id) == [first]

        assert (await act(nova, server_id, {"migrate": None})).status_code == 202
        await nova.wait_for(server_id, "VERIFY_RESIZE")
        (kept,) = [a for a in await _attachments(nova, volume_id) if a != first]
        assert (await act(nova, server_id, {"confirmResize": None})).status_code == 204
        await nova.wait_for(server_id, "ACTIVE")
        assert await _attachments(nova, volume_id) == [kept]
        found = await volumes.get_volume(volume_id)
        assert found is not None and found["status"] == "in-use"


async def test_spawn_failure_in_the_target_cell_rolls_everything_back(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, hosts_per_cell=1, policy=CROSS_CELL)
    async with nova_on(settings) as nova:
        server_id = (await nova.boot(name="unlucky"))["id"]
        before = await nova.wait_for(server_id, "ACTIVE")
        assert before is not None
        source = before["OS-EXT-SRV-ATTR:host"]
        source_cell = source.split("-")[0]
        dest = "cell2-host1" if source_cell == "cell1" else "cell1-host1"
        hosts_of(nova.service)[dest].driver.fail_spawn = True  # type: ignore[attr-defined]

        assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
        for _ in range(500):
            rows = await migration_rows(nova, server_id)
            if rows and all(m["status"] == "error" for m in rows):
                break
            await asyncio.sleep(0.02)
        assert [m["status"] for m in rows] == ["error"]  # the target's copy is gone
        back = await nova.wait_for(server_id, "ACTIVE")
        assert back is not None and back["OS-EXT-SRV-ATTR:host"] == source
        assert back["flavor"]["original_name"] == "m1.tiny"
        assert await copies(nova, server_id) == {source_cell: False}
        assert await mapped_cell(nova, server_id) == source_cell
        assert await images_named(nova, "unlucky-resize-temp") == []
        assert await allocations(nova, rows[0]["uuid"]) == {}
        assert await allocations(nova, server_id) == {
            rp_of(nova, source): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}
        assert server_id in hosts_of(nova.service)[source].driver.instances()
        assert (await events(nova, server_id, "resize"))[-1] == (
            "compute_finish_snapshot_based_resize_at_dest", "Error")
