"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/placement`` (see ``Peers``). Every call names
the microversion it was written against in ``OpenStack-API-Version``.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.client import Peers, ServiceClient, ServiceError

__all__ = ["PlacementClient"]

PATH = "/placement"
VERSION = "1.36"


def _version(version: str = VERSION) -> dict[str, str]:
    return {"OpenStack-API-Version": f"placement {version}"}


class PlacementClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> PlacementClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)

    async def ensure_provider(self, uuid: str, name: str,
                              inventories: dict[str, dict[str, int | float]]) -> None:
        """Create the provider when missing, then set its inventories (idempotent)."""
        found = await self.request("GET", f"/resource_providers/{uuid}", headers=_version(),
                                   expect=(200, 404))
        if found.status_code == 404:
            try:
                await self.request("POST", "/resource_providers", headers=_version(),
                                   json={"uuid": uuid, "name": name}, expect=(200, 201))
            except ServiceError as exc:
                if exc.status != 409:
                    raise
        for _ in range(3):
            current = await self.request("GET", f"/resource_providers/{uuid}/inventories",
                                         headers=_version())
            body = current.json()
            if body["inventories"] == {rc: {**body["inventories"].get(rc, {}), **inv}
                                       for rc, inv in inventories.items()}:
                return
            response = await self.request(
                "PUT", f"/resource_providers/{uuid}/inventories", headers=_version(),
                json={"resource_provider_generation": body["resource_provider_generation"],
                      "inventories": inventories}, expect=(200, 409))
            if response.status_code == 200:
                return
        raise ServiceError(409, "inventory generation kept changing", None)

    async def allocation_candidates(self, resources: dict[str, int], *, limit: int,
                                    member_of: list[str] | None = None) -> dict[str, Any]:
        wanted = ",".join(f"{rc}:{amount}" for rc, amount in sorted(resources.items())
                          if amount > 0)
        params = {"resources": wanted, "limit": str(limit)}
        if member_of:
            params["member_of"] = "in:" + ",".join(member_of)
        response = await self.request("GET", "/allocation_candidates", headers=_version(),
                                      params=params)
        body: dict[str, Any] = response.json()
        return body

    async def claim(self, consumer_uuid: str, allocation_request: dict[str, Any],
                    project_id: str, user_id: str) -> bool:
        """Write the allocations of a new consumer; False when placement refuses (409)."""
        response = await self.request(
            "PUT", f"/allocations/{consumer_uuid}", headers=_version(),
            json={"allocations": allocation_request.get("allocations", {}),
                  "project_id": project_id, "user_id": user_id, "consumer_generation": None},
            expect=(204, 409))
        return response.status_code == 204

    async def delete_allocations(self, consumer_uuid: str) -> None:
        await self.request("DELETE", f"/allocations/{consumer_uuid}", headers=_version(),
                           expect=(204, 404))

    async def usages(self, project_id: str, *, user_id: str | None = None) -> dict[str, int]:
        """GET /usages (1.9): resource class -> amount the project (user) consumes."""
        params = {"project_id": project_id, **({"user_id": user_id} if user_id else {})}
        response = await self.request("GET", "/usages", headers=_version(), params=params)
        usages: dict[str, int] = response.json().get("usages", {})
        return usages

    async def get_allocations(self, consumer_uuid: str) -> dict[str, Any]:
        response = await self.request("GET", f"/allocations/{consumer_uuid}",
                                      headers=_version())
        allocations: dict[str, Any] = response.json().get("allocations", {})
        return allocations

    async def provider_allocations(self, rp_uuid: str) -> dict[str, Any]:
        response = await self.request("GET", f"/resource_providers/{rp_uuid}/allocations",
                                      headers=_version())
        allocations: dict[str, Any] = response.json().get("allocations", {})
        return allocations

    async def move_allocations(self, source: str, target: str) -> bool:
        """Give ``target`` the allocations ``source`` holds (replacing its own) and empty
        ``source``, in one ``POST /allocations`` (Nova's move of a server's allocations to
        its migration and back). False when ``source`` holds nothing: already moved."""
        for _ in range(5):
            held = await self.request("GET", f"/allocations/{source}", headers=_version())
            body = held.json()
            allocations = body.get("allocations") or {}
            if not allocations:
                return False
            present = await self.request("GET", f"/allocations/{target}", headers=_version())
            other = present.json()
            owner = {"project_id": body["project_id"], "user_id": body["user_id"]}
            moved = {rp: {"resources": held_rp["resources"]}
                     for rp, held_rp in allocations.items()}
            response = await self.request("POST", "/allocations", headers=_version(), json={
                source: {"allocations": {}, "consumer_generation": body.get(
                    "consumer_generation"), **owner},
                target: {"allocations": moved, "consumer_generation": other.get(
                    "consumer_generation"), **owner}}, expect=(204, 409))
            if response.status_code == 204:
                return True
        raise ServiceError(409, "consumer generations kept changing", None)
