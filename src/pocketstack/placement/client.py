"""The typed client other services use to call this service.

Its base URL is the cloud's public URL plus ``/placement`` (see ``Peers``). Every call names
the microversion it was written against in ``OpenStack-API-Version``.
"""

from __future__ import annotations

from typing import Any

import httpx

from pocketstack.common.client import Peers, ServiceClient, ServiceError

__all__ = ["PlacementClient"]

PATH = "/placement"
VERSION = "1.36"


def _version(version: str = VERSION) -> dict[str, str]:
    return {"OpenStack-API-Version": f"placement {version}"}


def _amounts(resources: dict[str, int]) -> str:
    return ",".join(f"{rc}:{amount}" for rc, amount in sorted(resources.items()) if amount > 0)


class PlacementClient(ServiceClient):
    @classmethod
    def from_peers(cls, peers: Peers) -> PlacementClient:
        return cls(peers.base_url + PATH, tokens=peers.tokens, transport=peers.transport)

    async def ensure_provider(self, uuid: str, name: str,
                              inventories: dict[str, dict[str, int | float]], *,
                              parent: str | None = None,
                              traits: list[str] | None = None) -> None:
        """Create the provider when missing (under ``parent`` for a device), then set its
        inventories and, given ``traits``, its traits (idempotent; custom resource classes
        and traits are created first)."""
        for name_ in inventories:
            if name_.startswith("CUSTOM_"):
                await self.request("PUT", f"/resource_classes/{name_}", headers=_version(),
                                   expect=(201, 204))
        for trait in traits or []:
            if trait.startswith("CUSTOM_"):
                await self.request("PUT", f"/traits/{trait}", headers=_version(),
                                   expect=(201, 204))
        found = await self.request("GET", f"/resource_providers/{uuid}", headers=_version(),
                                   expect=(200, 404))
        if found.status_code == 404:
            body: dict[str, Any] = {"uuid": uuid, "name": name}
            if parent is not None:
                body["parent_provider_uuid"] = parent
            try:
                await self.request("POST", "/resource_providers", headers=_version(),
                                   json=body, expect=(200, 201))
            except ServiceError as exc:
                if exc.status != 409:
                    raise
        await self._set_inventories(uuid, inventories)
        if traits is not None:
            await self._set_traits(uuid, sorted(traits))

    async def _set_inventories(self, uuid: str,
                               inventories: dict[str, dict[str, int | float]]) -> None:
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

    async def _set_traits(self, uuid: str, traits: list[str]) -> None:
        for _ in range(3):
            current = (await self.request("GET", f"/resource_providers/{uuid}/traits",
                                          headers=_version())).json()
            if sorted(current["traits"]) == traits:
                return
            response = await self.request(
                "PUT", f"/resource_providers/{uuid}/traits", headers=_version(),
                json={"resource_provider_generation": current["resource_provider_generation"],
                      "traits": traits}, expect=(200, 409))
            if response.status_code == 200:
                return
        raise ServiceError(409, "trait generation kept changing", None)

    async def allocation_candidates(
        self, resources: dict[str, int], *, limit: int, member_of: list[str] | None = None,
        groups: dict[str, dict[str, Any]] | None = None, required: list[str] | None = None,
        group_policy: str | None = None) -> dict[str, Any]:
        """GET /allocation_candidates: ``resources`` (and ``required`` traits) unsuffixed,
        each of ``groups`` (suffix -> {"resources", "required"}) a request group of its
        own, as Nova asks for devices."""
        params: list[tuple[str, str]] = [("limit", str(limit))]
        wanted = _amounts(resources)
        if wanted:
            params.append(("resources", wanted))
        if required:
            params.append(("required", ",".join(required)))
        if member_of:
            params.append(("member_of", "in:" + ",".join(member_of)))
        for suffix, group in (groups or {}).items():
            params.append(("resources" + suffix, _amounts(group["resources"])))
            if group.get("required"):
                params.append(("required" + suffix, ",".join(group["required"])))
        if group_policy:
            params.append(("group_policy", group_policy))
        response = await self.request("GET", "/allocation_candidates", headers=_version(),
                                      params=httpx.QueryParams(tuple(params)))
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
