"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/image`` (see ``Peers``).
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.client import Peers, ServiceClient, ServiceError

__all__ = ["ImageClient"]

PATH = "/image"


class ImageClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> ImageClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)

    async def get_image(self, image_id: str, *, as_token: str | None = None) -> dict[str, Any]:
        """The image; ``ServiceError`` (404) when there is none, or none that the holder of
        ``as_token`` (a caller's own token, passed along as Nova does) may see."""
        response = await self.request("GET", f"/v2/images/{image_id}", as_token=as_token)
        image: dict[str, Any] = response.json()
        return image

    async def create_image(self, **fields: Any) -> dict[str, Any]:
        response = await self.request("POST", "/v2/images", json=fields, expect=(201,))
        image: dict[str, Any] = response.json()
        return image

    async def upload(self, image_id: str, data: bytes) -> None:
        headers = {"Content-Type": "application/octet-stream"}
        if self.tokens is not None:
            headers["X-Auth-Token"] = await self.tokens.token()
        response = await self._http.put(f"/v2/images/{image_id}/file", content=data,
                                        headers=headers)
        if response.status_code != 204:
            raise ServiceError(response.status_code, response.text,
                               response.headers.get("x-openstack-request-id"))

    async def delete_image(self, image_id: str) -> None:
        """Delete the image (gone already: nothing to do)."""
        await self.request("DELETE", f"/v2/images/{image_id}", expect=(204, 404))
