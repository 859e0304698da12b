"""The typed client of the face recognition API (``/face``): what the CLI and other services
use. JSON calls go through :meth:`ServiceClient.request`; images are sent as raw bytes or
as a multipart form, with the same token handling and error mapping."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from pocketstack.common.client import ServiceClient, ServiceError

__all__ = ["BulkItem", "VisionClient"]

BulkItem = Mapping[str, Any]  # {"name" or "person_id", "metadata"?, "images": [bytes, ...]}


class VisionClient(ServiceClient):
    """Calls ``/face`` (its base URL is the catalog endpoint, without ``/v1``)."""

    async def _upload(
        self, path: str, *, content: bytes | None = None,
        files: Sequence[tuple[str, bytes]] = (), params: Mapping[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> dict[str, Any]:
        for attempt in range(2):
            headers = {}
            if self.tokens is not None:
                headers["X-Auth-Token"] = await self.tokens.token()
            if content is not None:
                headers["Content-Type"] = "application/octet-stream"
                response = await self._http.post(path, content=content, headers=headers,
                                                 params=params)
            else:
                form = [(name, (f"{name}.jpg", data, "application/octet-stream"))
                        for name, data in files]
                response = await self._http.post(path, files=form, headers=headers,
                                                 params=params)
            if response.status_code == 401 and attempt == 0 and self.tokens is not None:
                self.tokens.invalidate()
                continue
            return _checked(response, expect)
        raise AssertionError("unreachable")

    async def detect(self, image: bytes) -> dict[str, Any]:
        return await self._upload("/v1/detect", content=image)

    async def verify(self, image_a: bytes, image_b: bytes) -> dict[str, Any]:
        return await self._upload("/v1/verify", files=[("image_a", image_a),
                                                       ("image_b", image_b)])

    async def create_gallery(self, name: str, *, threshold: float | None = None,
                             description: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if threshold is not None:
            body["threshold"] = threshold
        if description is not None:
            body["description"] = description
        response = await self.request("POST", "/v1/galleries", json={"gallery": body},
                                      expect=(201,))
        gallery: dict[str, Any] = response.json()["gallery"]
        return gallery

    async def galleries(self) -> list[dict[str, Any]]:
        """Every gallery of the project, following the pages."""
        found: list[dict[str, Any]] = []
        params = {"limit": "1000"}
        while True:
            page = (await self.request("GET", "/v1/galleries", params=params)).json()
            found += page["galleries"]
            if not page.get("galleries_links"):
                return found
            params = {"limit": "1000", "marker": found[-1]["id"]}

    async def find_gallery(self, name_or_id: str) -> dict[str, Any]:
        for gallery in await self.galleries():
            if name_or_id in (gallery["id"], gallery["name"]):
                return gallery
        raise ServiceError(404, {"message": f"No gallery {name_or_id!r}."}, None)

    async def create_person(self, gallery_id: str, name: str,
                            metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = await self.request(
            "POST", f"/v1/galleries/{gallery_id}/persons",
            json={"person": {"name": name, "metadata": dict(metadata or {})}}, expect=(201,))
        person: dict[str, Any] = response.json()["person"]
        return person

    async def enroll(self, gallery_id: str, person_id: str,
                     images: Sequence[bytes]) -> list[dict[str, Any]]:
        body = await self._upload(
            f"/v1/galleries/{gallery_id}/persons/{person_id}/faces",
            files=[(f"image{n}", data) for n, data in enumerate(images)], expect=(201,))
        enrolled: list[dict[str, Any]] = body["faces"]
        return enrolled

    async def bulk_enroll(self, gallery_id: str, items: Sequence[BulkItem]) -> dict[str, Any]:
        encoded = [{**{k: v for k, v in item.items() if k != "images"},
                    "images": [base64.b64encode(data).decode() for data in item["images"]]}
                   for item in items]
        response = await self.request("POST", f"/v1/galleries/{gallery_id}/enroll-jobs",
                                      json={"items": encoded}, expect=(202,))
        job: dict[str, Any] = response.json()["enroll_job"]
        return job

    async def enroll_job(self, gallery_id: str, job_id: str) -> dict[str, Any]:
        response = await self.request("GET", f"/v1/galleries/{gallery_id}/enroll-jobs/{job_id}")
        job: dict[str, Any] = response.json()["enroll_job"]
        return job

    async def identify(self, gallery_id: str, image: bytes, limit: int = 3) -> dict[str, Any]:
        return await self._upload(f"/v1/galleries/{gallery_id}/identify", content=image,
                                  params={"limit": str(limit)})


def _checked(response: httpx.Response, expect: tuple[int, ...]) -> dict[str, Any]:
    if response.status_code not in expect:
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        raise ServiceError(response.status_code, body,
                           response.headers.get("x-openstack-request-id"))
    decoded: dict[str, Any] = response.json()
    return decoded
