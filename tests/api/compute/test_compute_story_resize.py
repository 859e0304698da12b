"""Story: resize and cold migration within a cell (§4.3). A server is resized (VERIFY_RESIZE
on another host, its old flavor held in placement by the migration), confirmed, resized
again and reverted; an admin cold-migrates it, to any host and to a named one; a spawn
that fails on the destination rolls the move back; the requests Nova refuses are refused
with Nova's words."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient, compute_settings, nova_on

from pocketstack.compute.db.cell_models import instance_faults, migrations
from pocketstack.compute.launch import hosts_of

PLACEMENT = {"OpenStack-API-Version": "placement 1.36"}


async def act(nova: ComputeClient, server_id: str, body: dict[str, Any],
              token: str | None = None, version: str = "2.96") -> Any:
    return await nova.post(f"/servers/{server_id}/action", json=body, token=token,
                           version=version)


async def allocations(nova: ComputeClient, consumer: str) -> dict[str, dict[str, int]]:
    """rp uuid -> resources the consumer holds."""
    response = await nova.client.get(f"/placement/allocations/{consumer}",
                                     headers={**PLACEMENT, "X-Auth-Token": nova.token})
    assert response.status_code == 200, response.text
    return {rp: a["resources"] for rp, a in response.json()["allocations"].items()}


async def migration_rows(nova: ComputeClient, server_id: str) -> list[dict[str, Any]]:
    found = []
    for cell in nova.service.cells.computes():
        async with cell.reading() as conn:
            rows = await conn.execute(sa.select(migrations).where(
                migrations.c.instance_uuid == server_id).order_by(migrations.c.id))
            found += [{**row, "cell": cell.name} for row in rows.mappings()]
    return found


async def events(nova: ComputeClient, server_id: str, action: str) -> list[tuple[str, str]]:
    """The events of the server's latest ``action``, oldest first."""
    listed = await nova.get(f"/servers/{server_id}/os-instance-actions")
    assert listed.status_code == 200, listed.text
    request_id = next(a["request_id"] for a in listed.json()["instanceActions"]
                      if a["action"] == action)
    shown = await nova.get(f"/servers/{server_id}/os-instance-actions/{request_id}")
    listed = [(e["event"], e["result"]) for e in shown.json()["instanceAction"]["events"]]
    return listed[::-1]  # Nova lists them newest first: here in the order they ran


def other_host(host: str) -> str:
    """The other host of the same cell (two per cell)."""
    cell = host.split("-")[0]
    return f"{cell}-host2" if host.endswith("host1") else f"{cell}-host1"


def rp_of(nova: ComputeClient, host: str) -> str:
    return hosts_of(nova.service)[host].uuid


async def test_resize_confirm_then_resize_revert(nova: ComputeClient) -> None:
    owner = await nova.user("member")
    server_id = (await nova.boot(token=owner.token, name="grow"))["id"]
    before = await nova.wait_for(server_id, "ACTIVE")
    assert before is not None
    source = before["OS-EXT-SRV-ATTR:host"]

    response = await act(nova, server_id, {"resize": {"flavorRef": "2"}}, owner.token)
    assert response.status_code == 202, response.text
    assert response.content == b""
    resized = await nova.wait_for(server_id, "VERIFY_RESIZE")
    assert resized is not None
    dest = resized["OS-EXT-SRV-ATTR:host"]
    assert dest != source and dest.split("-")[0] == source.split("-")[0]  # same cell
    assert resized["flavor"]["original_name"] == "m1.small"
    assert resized["OS-EXT-STS:vm_state"] == "resized"
    (migration,) = await migration_rows(nova, server_id)
    assert migration["status"] == "finished" and migration["migration_type"] == "resize"
    assert (migration["source_compute"], migration["dest_compute"]) == (source, dest)
    # The old flavor on the source, held by the migration; the new one by the server.
    assert await allocations(nova, migration["uuid"]) == {
        rp_of(nova, source): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}
    assert await allocations(nova, server_id) == {
        rp_of(nova, dest): {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}
    assert server_id in hosts_of(nova.service)[source].driver.kept  # type: ignore[attr-defined]
    assert await events(nova, server_id, "resize") == [
        ("conductor_migrate_server", "Success"), ("compute_prep_resize", "Success"),
        ("compute_resize_instance", "Success"), ("compute_finish_resize", "Success")]

    confirmed = await act(nova, server_id, {"confirmResize": None}, owner.token)
    assert confirmed.status_code == 204, confirmed.text
    active = await nova.wait_for(server_id, "ACTIVE")
    assert active is not None and active["OS-EXT-SRV-ATTR:host"] == dest
    assert await allocations(nova, migration["uuid"]) == {}
    assert server_id not in hosts_of(nova.service)[source].driver.kept  # type: ignore[attr-defined]
    assert await events(nova, server_id, "confirmResize") == [
        ("compute_confirm_resize", "Success")]
    again = await act(nova, server_id, {"confirmResize": None}, owner.token)
    nova.error(again, 409, f"Cannot 'confirmResize' instance {server_id} while it is in "
                           "vm_state active")

    # Resize back down, then revert: the server is m1.small on its host again.
    assert (await act(nova, server_id, {"resize": {"flavorRef": "1"}})).status_code == 202
    await nova.wait_for(server_id, "VERIFY_RESIZE")
    reverted = await act(nova, server_id, {"revertResize": None}, owner.token)
    assert reverted.status_code == 202, reverted.text
    back = await nova.wait_for(server_id, "ACTIVE")
    assert back is not None and back["OS-EXT-SRV-ATTR:host"] == dest
    assert back["flavor"]["original_name"] == "m1.small"
    assert await allocations(nova, server_id) == {
        rp_of(nova, dest): {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}
    assert [m["status"] for m in await migration_rows(nova, server_id)] == [
        "confirmed", "reverted"]
    assert await events(nova, server_id, "revertResize") == [
        ("compute_revert_resize", "Success"), ("compute_finish_revert_resize", "Success")]


async def test_stopped_server_stays_off(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="off"))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    assert (await act(nova, server_id, {"os-stop": None})).status_code == 202
    await nova.wait_for(server_id, "SHUTOFF")
    assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    resized = await nova.wait_for(server_id, "VERIFY_RESIZE")
    assert resized is not None and resized["OS-EXT-STS:power_state"] == 4
    assert (await act(nova, server_id, {"confirmResize": None})).status_code == 204
    await nova.wait_for(server_id, "SHUTOFF")


async def test_cold_migration(nova: ComputeClient) -> None:
    owner = await nova.user("member")
    server_id = (await nova.boot(token=owner.token, name="move"))["id"]
    before = await nova.wait_for(server_id, "ACTIVE")
    assert before is not None
    source = before["OS-EXT-SRV-ATTR:host"]
    refused = await act(nova, server_id, {"migrate": None}, owner.token)
    nova.error(refused, 403, "os_compute_api:os-migrate-server:migrate")

    cell = source.split("-")[0]
    other_cell = "cell2" if cell == "cell1" else "cell1"
    nowhere = await act(nova, server_id, {"migrate": {"host": f"{other_cell}-host1"}})
    nova.error(nowhere, 400, f"Compute host {other_cell}-host1 could not be found.")
    same = await act(nova, server_id, {"migrate": {"host": source}})
    nova.error(same, 400, "Cannot migrate to the host where the server exists.")
    old = await act(nova, server_id, {"migrate": {"host": source}}, version="2.55")
    nova.error(old, 400)

    target = f"{cell}-host2" if source.endswith("host1") else f"{cell}-host1"
    moved = await act(nova, server_id, {"migrate": {"host": target}})
    assert moved.status_code == 202, moved.text
    resized = await nova.wait_for(server_id, "VERIFY_RESIZE")
    assert resized is not None and resized["OS-EXT-SRV-ATTR:host"] == target
    assert resized["flavor"]["original_name"] == "m1.tiny"
    (migration,) = await migration_rows(nova, server_id)
    assert migration["migration_type"] == "migration"
    assert migration["old_instance_type_id"] == migration["new_instance_type_id"]
    assert await events(nova, server_id, "migrate") == [
        ("conductor_migrate_server", "Success"), ("compute_prep_resize", "Success"),
        ("compute_resize_instance", "Success"), ("compute_finish_resize", "Success")]
    assert (await act(nova, server_id, {"confirmResize": None})).status_code == 204
    await nova.wait_for(server_id, "ACTIVE")

    # A plain migrate goes to the other host of the cell (never the current one).
    assert (await act(nova, server_id, {"migrate": None})).status_code == 202
    again = await nova.wait_for(server_id, "VERIFY_RESIZE")
    assert again is not None and again["OS-EXT-SRV-ATTR:host"] == source


async def test_spawn_failure_on_destination_rolls_back(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="fragile"))["id"]
    before = await nova.wait_for(server_id, "ACTIVE")
    assert before is not None
    source = before["OS-EXT-SRV-ATTR:host"]
    cell, dest = source.split("-")[0], other_host(source)
    hosts_of(nova.service)[dest].driver.fail_spawn = True  # type: ignore[attr-defined]

    assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    (migration,) = [m for m in await _settled(nova, server_id)]
    assert migration["status"] == "error"
    back = await nova.wait_for(server_id, "ACTIVE")
    assert back is not None and back["OS-EXT-SRV-ATTR:host"] == source
    assert back["flavor"]["original_name"] == "m1.tiny"
    assert await allocations(nova, server_id) == {
        rp_of(nova, source): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}
    assert await allocations(nova, migration["uuid"]) == {}
    events_seen = await events(nova, server_id, "resize")
    assert events_seen[-1] == ("compute_finish_resize", "Error")
    cells = {c.name: c for c in nova.service.cells.computes()}
    async with cells[cell].reading() as conn:
        faults = (await conn.execute(sa.select(instance_faults.c.message).where(
            instance_faults.c.instance_uuid == server_id))).scalars().all()
    assert faults and "Fake spawn failure injected" in faults[-1]
    assert server_id in hosts_of(nova.service)[source].driver.instances()
    assert server_id not in hosts_of(nova.service)[dest].driver.instances()


async def _settled(nova: ComputeClient, server_id: str) -> list[dict[str, Any]]:
    for _ in range(500):
        found = await migration_rows(nova, server_id)
        if found and all(m["status"] in ("finished", "error", "confirmed", "reverted")
                         for m in found):
            return found
        await asyncio.sleep(0.02)
    states = [(m["status"], m["step"]) for m in found]
    raise AssertionError(f"migration of {server_id} never settled: {states}")


async def test_refusals(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="picky"))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    same = await act(nova, server_id, {"resize": {"flavorRef": "1"}})
    nova.error(same, 400, "When resizing, instances must change flavor!")
    unknown = await act(nova, server_id, {"resize": {"flavorRef": "nope"}})
    nova.error(unknown, 400, "Unable to locate requested flavor.")
    bad = await act(nova, server_id, {"resize": {}})
    nova.error(bad, 400)
    not_resized = await act(nova, server_id, {"revertResize": None})
    nova.error(not_resized, 409, "while it is in vm_state active")
    assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    busy = await act(nova, server_id, {"resize": {"flavorRef": "3"}})
    assert busy.status_code in (202, 409)  # 409 unless the first one already finished
    await nova.wait_for(server_id, "VERIFY_RESIZE")


async def test_resize_quota(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, quota={"instances": 10, "cores": 2, "ram": 4096})
    async with nova_on(settings) as nova:
        server_id = (await nova.boot(name="capped"))["id"]
        await nova.wait_for(server_id, "ACTIVE")
        over = await act(nova, server_id, {"resize": {"flavorRef": "4"}})  # 4 cores, 8 GiB
        nova.error(over, 403, "Quota exceeded for cores, ram: Requested 3, 7680, but already "
                              "used 1, 512 of 2, 4096 cores, ram")
        assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
        await nova.wait_for(server_id, "VERIFY_RESIZE")
        limits = (await nova.get("/limits")).json()["limits"]["absolute"]
        assert (limits["totalCoresUsed"], limits["totalRAMUsed"]) == (1, 2048)  # legacy


async def test_delete_while_verifying_confirms_first(nova: ComputeClient) -> None:
    server_id = (await nova.boot(name="short-lived"))["id"]
    before = await nova.wait_for(server_id, "ACTIVE")
    assert before is not None
    source = before["OS-EXT-SRV-ATTR:host"]
    dest = other_host(source)
    driver = hosts_of(nova.service)[dest].driver
    driver.spawn_latency = 1.0  # type: ignore[attr-defined]
    assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
    await nova.wait_for(server_id, "RESIZE")
    busy = await nova.delete(f"/servers/{server_id}")
    nova.error(busy, 409, f"Cannot 'delete' instance {server_id} while it is in task_state "
                          "resize_")
    driver.spawn_latency = 0.0  # type: ignore[attr-defined]
    await nova.wait_for(server_id, "VERIFY_RESIZE")
    (migration,) = await migration_rows(nova, server_id)

    assert (await nova.delete(f"/servers/{server_id}")).status_code == 204
    await nova.wait_for(server_id, None)
    assert await allocations(nova, migration["uuid"]) == {}
    assert await allocations(nova, server_id) == {}
    assert server_id not in hosts_of(nova.service)[source].driver.kept  # type: ignore[attr-defined]
    assert [m["status"] for m in await migration_rows(nova, server_id)] == ["confirmed"]


async def test_resize_confirm_window(tmp_path: Path) -> None:
    async with nova_on(compute_settings(tmp_path, resize_confirm_window=1)) as nova:
        server_id = (await nova.boot(name="impatient"))["id"]
        await nova.wait_for(server_id, "ACTIVE")
        assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
        await nova.wait_for(server_id, "VERIFY_RESIZE")
        for _ in range(300):  # confirmed by the cloud within about a second
            if (await nova.show(server_id))["status"] == "ACTIVE":
                break
            await asyncio.sleep(0.02)
        assert (await nova.show(server_id))["flavor"]["original_name"] == "m1.small"
        assert [m["status"] for m in await migration_rows(nova, server_id)] == ["confirmed"]
        listed = (await nova.get(f"/servers/{server_id}/os-instance-actions")).json()
        confirm = listed["instanceActions"][0]
        assert (confirm["action"], confirm["user_id"]) == ("confirmResize",
                                                           "resize-confirm-window")


async def test_resize_on_the_same_host_when_allowed(tmp_path: Path) -> None:
    settings = compute_settings(tmp_path, hosts_per_cell=1, allow_resize_to_same_host=True,
                                quota={"instances": -1, "cores": -1, "ram": -1,
                                       "count_usage_from_placement": True})
    async with nova_on(settings) as nova:
        server_id = (await nova.boot(name="in-place"))["id"]
        before = await nova.wait_for(server_id, "ACTIVE")
        assert before is not None
        host = before["OS-EXT-SRV-ATTR:host"]
        assert (await act(nova, server_id, {"resize": {"flavorRef": "2"}})).status_code == 202
        resized = await nova.wait_for(server_id, "VERIFY_RESIZE")
        assert resized is not None and resized["OS-EXT-SRV-ATTR:host"] == host
        (migration,) = await migration_rows(nova, server_id)
        # Both flavors on the one host: the old one for the migration, the new for the server.
        assert await allocations(nova, migration["uuid"]) == {
            rp_of(nova, host): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}
        assert await allocations(nova, server_id) == {
            rp_of(nova, host): {"VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20}}
        limits = (await nova.get("/limits")).json()["limits"]["absolute"]
        assert (limits["totalCoresUsed"], limits["totalRAMUsed"]) == (2, 2560)
        driver = hosts_of(nova.service)[host].driver
        assert server_id in driver.kept and server_id in driver.instances()  # type: ignore[attr-defined]
        assert (await act(nova, server_id, {"revertResize": None})).status_code == 202
        back = await nova.wait_for(server_id, "ACTIVE")
        assert back is not None and back["flavor"]["original_name"] == "m1.tiny"
        assert driver.instances() == {server_id: 1}
        assert not driver.kept  # type: ignore[attr-defined]
        assert await allocations(nova, server_id) == {
            rp_of(nova, host): {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}}
        # A cold migration never stays on its host: with one host per cell, nowhere to go.
        assert (await act(nova, server_id, {"migrate": None})).status_code == 202
        rows = await _settled(nova, server_id)
        assert [m["status"] for m in rows] == ["reverted", "error"]
