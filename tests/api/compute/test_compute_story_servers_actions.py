"""Story: a server through its power actions (stop, start, reboot, pause, suspend), a lock
that stops its non-admin owner from deleting it, and the instance actions recorded."""

from __future__ import annotations

from typing import Any

from tests.api.compute.conftest import Caller, ComputeClient


async def _act(nova: ComputeClient, server_id: str, body: dict[str, Any],
               caller: Caller | None = None, status: int = 202) -> None:
    response = await nova.post(f"/servers/{server_id}/action", json=body,
                               token=caller.token if caller else None)
    assert response.status_code == status, response.text


async def test_power_state_machine(nova: ComputeClient) -> None:
    owner = await nova.user("member")
    server_id = (await nova.boot(token=owner.token, name="pm"))["id"]
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)

    await _act(nova, server_id, {"os-stop": None}, owner)
    stopped = await nova.wait_for(server_id, "SHUTOFF", token=owner.token)
    assert stopped is not None and stopped["OS-EXT-STS:power_state"] == 4
    again = await nova.post(f"/servers/{server_id}/action", json={"os-stop": None},
                            token=owner.token)
    nova.error(again, 409, f"Cannot 'stop' instance {server_id} while it is in vm_state "
                           "stopped")
    await _act(nova, server_id, {"os-start": None}, owner)
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)

    await _act(nova, server_id, {"reboot": {"type": "HARD"}}, owner)
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)
    await _act(nova, server_id, {"pause": None}, owner)
    await nova.wait_for(server_id, "PAUSED", token=owner.token)
    await _act(nova, server_id, {"unpause": None}, owner)
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)
    await _act(nova, server_id, {"suspend": None}, owner)
    await nova.wait_for(server_id, "SUSPENDED", token=owner.token)
    await _act(nova, server_id, {"resume": None}, owner)
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)

    listed = await nova.get(f"/servers/{server_id}/os-instance-actions", token=owner.token)
    assert listed.status_code == 200
    actions = listed.json()["instanceActions"]
    assert [a["action"] for a in actions][:7] == [
        "resume", "suspend", "unpause", "pause", "reboot", "start", "stop"]
    assert actions[-1]["action"] == "create"
    stop = actions[6]
    paged = await nova.get(f"/servers/{server_id}/os-instance-actions", token=owner.token,
                           params={"limit": "3", "marker": actions[1]["request_id"]})
    assert [a["action"] for a in paged.json()["instanceActions"]] == [
        "unpause", "pause", "reboot"]
    assert "marker=" in paged.json()["links"][0]["href"]
    nova.error(await nova.get(f"/servers/{server_id}/os-instance-actions",
                              params={"marker": "req-nope"}), 400, "Marker req-nope")
    shown = await nova.get(f"/servers/{server_id}/os-instance-actions/{stop['request_id']}")
    assert shown.status_code == 200
    action = shown.json()["instanceAction"]
    assert action["action"] == "stop" and action["events"]
    assert action["events"][0]["result"] == "Success"
    assert "host" in action["events"][0] and "details" in action["events"][0]


async def test_lock_blocks_owner_delete(nova: ComputeClient) -> None:
    owner = await nova.user("member")
    server_id = (await nova.boot(token=owner.token, name="locked"))["id"]
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)
    await _act(nova, server_id, {"lock": {"locked_reason": "keep"}})
    shown = await nova.show(server_id, token=owner.token)
    assert shown["locked"] is True and shown["locked_reason"] == "keep"
    nova.error(await nova.delete(f"/servers/{server_id}", token=owner.token), 409,
               "is locked")
    nova.error(await nova.post(f"/servers/{server_id}/action", json={"unlock": None},
                               token=owner.token), 403, "unlock_override")
    await _act(nova, server_id, {"unlock": None})
    deleted = await nova.delete(f"/servers/{server_id}", token=owner.token)
    assert deleted.status_code == 204
    assert await nova.wait_for(server_id, None, token=owner.token) is None


async def test_rebuild_returns_the_view(nova: ComputeClient) -> None:
    image = await nova.image("rebuilt")
    server_id = (await nova.boot(name="rb"))["id"]
    await nova.wait_for(server_id, "ACTIVE")
    response = await nova.post(f"/servers/{server_id}/action", json={"rebuild": {
        "imageRef": image, "name": "rb2"}})
    assert response.status_code == 202, response.text
    server = response.json()["server"]
    assert server["name"] == "rb2" and server["image"]["id"] == image
    assert server["OS-EXT-STS:task_state"] == "rebuilding" and server["adminPass"]
    done = await nova.wait_for(server_id, "ACTIVE")
    assert done is not None and done["image"]["id"] == image
