"""Story: block devices at boot are checked in the API as Nova does, with the caller's
token: another project's volume or private image is not found (400), a volume in use is
refused (400); the caller's own available volume boots."""

from __future__ import annotations

import asyncio

from tests.api.compute.conftest import ComputeClient


async def _volume(nova: ComputeClient, token: str) -> str:
    made = await nova.other("POST", "/volume/v3/volumes", token=token,
                            json={"volume": {"size": 1, "name": "root"}})
    assert made.status_code == 202, made.text
    volume_id = str(made.json()["volume"]["id"])
    for _ in range(250):
        shown = await nova.other("GET", f"/volume/v3/volumes/{volume_id}", token=token)
        if shown.json()["volume"]["status"] == "available":
            return volume_id
        await asyncio.sleep(0.02)
    raise AssertionError(f"volume {volume_id} never became available")


def _from_volume(volume_id: str) -> list[dict[str, object]]:
    return [{"uuid": volume_id, "source_type": "volume", "destination_type": "volume",
             "boot_index": 0}]


async def test_block_devices_are_checked_as_the_caller(nova: ComputeClient) -> None:
    alice, bob = await nova.user("member"), await nova.user("member")
    volume_id = await _volume(nova, alice.token)
    refused = await nova.post("/servers", token=bob.token, json={"server": {
        "name": "theft", "flavorRef": "1", "networks": "none",
        "block_device_mapping_v2": _from_volume(volume_id)}})
    nova.error(refused, 400, f"Block Device Mapping is Invalid: failed to get volume {volume_id}.")

    made = await nova.other("POST", "/image/v2/images", json={
        "name": "admins-only", "disk_format": "raw", "container_format": "bare"})
    private = made.json()["id"]
    refused = await nova.post("/servers", token=bob.token, json={"server": {
        "name": "theft", "flavorRef": "1", "networks": "none", "block_device_mapping_v2": [{
            "uuid": private, "source_type": "image", "destination_type": "volume",
            "volume_size": 1, "boot_index": 0}]}})
    nova.error(refused, 400, f"Block Device Mapping is Invalid: failed to get image {private}.")

    own = await nova.boot(token=alice.token, name="bfv",
                          block_device_mapping_v2=_from_volume(volume_id))
    await nova.wait_for(own["id"], "ACTIVE", token=alice.token)
    again = await nova.post("/servers", token=alice.token, json={"server": {
        "name": "twice", "flavorRef": "1", "networks": "none",
        "block_device_mapping_v2": _from_volume(volume_id)}})
    nova.error(again, 400, f"Invalid volume: volume '{volume_id}' status must be 'available'.")
