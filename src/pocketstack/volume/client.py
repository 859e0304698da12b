"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/volume`` (see ``Peers``). Calls name the
microversion of the new attach flow (3.44: attachments and their completion).
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.client import Peers, ServiceClient

__all__ = ["VolumeClient"]

PATH = "/volume"
V3 = "/v3"
HEADERS = {"OpenStack-API-Version": "volume 3.44"}


class VolumeClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> VolumeClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)

    async def get_volume(
        self, volume_id: str, *, as_token: str | None = None
    ) -> dict[str, Any] | None:
        """The volume, or None when there is none (that the holder of ``as_token`` sees)."""
        response = await self.request("GET", f"{V3}/volumes/{volume_id}", headers=HEADERS,
                                      expect=(200, 404), as_token=as_token)
        if response.status_code == 404:
            return None
        volume: dict[str, Any] = response.json()["volume"]
        return volume

    async def create_volume(self, size: int, **fields: Any) -> dict[str, Any]:
        response = await self.request("POST", f"{V3}/volumes", headers=HEADERS,
                                      json={"volume": {"size": size, **fields}},
                                      expect=(202,))
        volume: dict[str, Any] = response.json()["volume"]
        return volume

    async def create_attachment(self, volume_id: str, instance_uuid: str) -> dict[str, Any]:
        response = await self.request(
            "POST", f"{V3}/attachments", headers=HEADERS,
            json={"attachment": {"volume_uuid": volume_id, "instance_uuid": instance_uuid,
                                 "connector": {"host": "pocketstack", "mode": "rw"}}},
            expect=(200,))
        attachment: dict[str, Any] = response.json()["attachment"]
        return attachment

    async def complete_attachment(self, attachment_id: str) -> None:
        await self.request("POST", f"{V3}/attachments/{attachment_id}/action",
                           headers=HEADERS, json={"os-complete": {}}, expect=(204,))

    async def delete_attachment(self, attachment_id: str) -> None:
        await self.request("DELETE", f"{V3}/attachments/{attachment_id}", headers=HEADERS,
                           expect=(200, 404))

    async def delete_volume(self, volume_id: str) -> None:
        await self.request("DELETE", f"{V3}/volumes/{volume_id}", headers=HEADERS,
                           expect=(202, 404))
