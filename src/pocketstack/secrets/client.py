"""The typed client other services use to read the key manager: TLS material by reference.

A reference is the full URL Barbican hands out (``<endpoint>/v1/secrets/<uuid>``); only
its trailing id is used, so a ref stays valid through a change of public URL. The caller's
token decides what it may read: a user's own project, or anything with the ``service`` role
(the load balancer's service user).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from pocketstack.common.client import ServiceClient

__all__ = ["ContainerRefs", "KeyManagerClient", "ref_id"]


def ref_id(ref: str, kind: str) -> str:
    """The uuid at the end of a ``secrets`` or ``containers`` ref (or a bare uuid)."""
    parts = ref.rstrip("/").rsplit("/", 2)
    if len(parts) == 3 and parts[1] != kind:
        raise ValueError(f"not a {kind} reference: {ref!r}")
    try:
        return str(uuid.UUID(parts[-1]))
    except ValueError:
        raise ValueError(f"not a {kind} reference: {ref!r}") from None


@dataclasses.dataclass(frozen=True)
class ContainerRefs:
    """A container: its type and its secret refs by name (``certificate``, ...)."""

    type: str
    secrets: dict[str, str]


class KeyManagerClient(ServiceClient):
    """Calls ``/key-manager`` (its base URL is the catalog endpoint, without ``/v1``)."""

    async def secret(self, ref: str) -> dict[str, Any]:
        """A secret's metadata (``content_types`` says what the payload is)."""
        response = await self.request(
            "GET", f"/v1/secrets/{ref_id(ref, 'secrets')}", headers={"Accept": "application/json"}
        )
        body: dict[str, Any] = response.json()
        return body

    async def payload(self, ref: str) -> tuple[bytes, str]:
        """A secret's payload and its media type (read in the type it was stored as)."""
        content_type = (await self.secret(ref)).get("content_types", {}).get("default")
        accept = content_type or "application/octet-stream"
        response = await self.request(
            "GET", f"/v1/secrets/{ref_id(ref, 'secrets')}/payload", headers={"Accept": accept}
        )
        return response.content, accept

    async def container(self, ref: str) -> ContainerRefs:
        response = await self.request(
            "GET",
            f"/v1/containers/{ref_id(ref, 'containers')}",
            headers={"Accept": "application/json"},
        )
        body = response.json()
        named = {item.get("name") or "": item["secret_ref"] for item in body["secret_refs"]}
        return ContainerRefs(type=body["type"], secrets=named)
