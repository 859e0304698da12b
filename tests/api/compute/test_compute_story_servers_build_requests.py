"""Story: a server the super-conductor has not picked up yet lives only in its build
request (mapping without a cell): it shows and lists as BUILD, serves as a marker, and
deleting it removes the build request (§1.5, §2.3, §1.9)."""

from __future__ import annotations

from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.objects import boot, build_requests


async def _pending(nova: ComputeClient, name: str) -> str:
    """A boot written to the API database but never cast to the super-conductor."""
    svc = nova.service
    caller = boot.Caller(nova.admin.project_id, nova.admin.user_id, "req-test")
    async with svc.writing() as api:
        records, _ = await boot.build_records(api, {"name": name, "flavorRef": "1"}, {},
                                              caller, image={}, networks=[])
        await build_requests.create_boot(api, records)
    return str(records[0].instance["uuid"])


async def test_build_request_shown_listed_and_deleted(nova: ComputeClient) -> None:
    active = (await nova.boot(name="running"))["id"]
    await nova.wait_for(active, "ACTIVE")
    pending = await _pending(nova, "waiting")

    shown = await nova.show(pending)
    assert shown["status"] == "BUILD"
    assert shown["OS-EXT-STS:task_state"] == "scheduling"
    assert shown["addresses"] == {} and shown["hostId"] == ""

    listed = [s["id"] for s in (await nova.get("/servers/detail")).json()["servers"]]
    assert listed == [pending, active]  # build requests first
    after = (await nova.get("/servers", params={"marker": pending})).json()["servers"]
    assert [s["id"] for s in after] == [active]
    building = (await nova.get("/servers", params={"status": "BUILD"})).json()["servers"]
    assert [s["id"] for s in building] == [pending]

    nova.error(await nova.post(f"/servers/{pending}/action", json={"os-stop": None}), 409,
               "vm_state building")
    assert (await nova.delete(f"/servers/{pending}")).status_code == 204
    nova.error(await nova.get(f"/servers/{pending}"), 404)
    async with nova.service.reading() as api:
        assert await build_requests.get_build_request(api, pending) is None
        mapping = await build_requests.get_mapping(api, pending)
    assert mapping is not None and mapping.queued_for_delete


async def test_waiting_build_requests_are_decoded_once_for_every_list(
        nova: ComputeClient) -> None:
    pending = [await _pending(nova, f"queued-{n}") for n in range(3)]
    decoded = nova.service.builds
    before = len(decoded)
    for _ in range(3):
        listed = (await nova.get("/servers", params={"name": "^queued-"})).json()["servers"]
        assert sorted(s["id"] for s in listed) == sorted(pending)
    assert len(decoded) == before + 3  # the first list decoded them; the others reused them
    assert (await nova.delete(f"/servers/{pending[0]}")).status_code == 204
    listed = (await nova.get("/servers", params={"name": "^queued-"})).json()["servers"]
    assert sorted(s["id"] for s in listed) == sorted(pending[1:])
