"""/allocations/{consumer_uuid}, POST /allocations (1.13) and a provider's allocations."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.schema import read_json
from pocketstack.placement.handlers.base import (
    authorize,
    placement_json,
    require,
    version,
    want,
)
from pocketstack.placement.objects import allocations
from pocketstack.placement.objects.consumers import INCOMPLETE
from pocketstack.placement.objects.errors import BadRequest
from pocketstack.placement.objects.providers_common import provider_by_uuid
from pocketstack.placement.schemas.allocations import post_schema, put_schema
from pocketstack.placement.service import Placement

__all__ = [
    "claim_from_body",
    "delete_allocations",
    "list_for_consumer",
    "list_for_resource_provider",
    "set_allocations",
    "set_allocations_for_consumer",
]


def claim_from_body(consumer: str, body: dict[str, Any], ver: tuple[int, int]) -> allocations.Claim:
    """One consumer's validated body (any version's shape) as a :class:`Claim`."""
    if ver < (1, 12):  # a list of {resource_provider: {uuid}, resources}
        wanted = {
            item["resource_provider"]["uuid"]: item["resources"] for item in body["allocations"]
        }
    else:
        wanted = {rp: entry["resources"] for rp, entry in body["allocations"].items()}
    project = body.get("project_id")
    return allocations.Claim(
        consumer=consumer,
        allocations=wanted,
        project_id=INCOMPLETE if project is None else project,
        user_id=INCOMPLETE if project is None else body["user_id"],
        generation=body.get("consumer_generation"),
        check_generation=ver >= (1, 28),
        consumer_type=body.get("consumer_type"),
    )


def _consumer_uuid(request: Request) -> str:
    raw = request.path_params["consumer_uuid"]
    try:
        return str(uuidlib.UUID(raw))
    except ValueError:
        raise BadRequest(f"Malformed consumer_uuid: {raw}") from None


async def list_for_consumer(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:allocations:list")
    async with svc.reading() as conn:
        found = await allocations.for_consumer(conn, request.path_params["consumer_uuid"])
    body: dict[str, Any] = {"allocations": found.allocations}
    if found.allocations and want(request, (1, 12)):
        body.update(project_id=found.project_id, user_id=found.user_id)
        if want(request, (1, 28)):
            body["consumer_generation"] = found.generation
        if want(request, (1, 38)):
            body["consumer_type"] = found.consumer_type
    return placement_json(request, body, last_modified=found.last_modified)


async def list_for_resource_provider(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:allocations:list")
    async with svc.reading() as conn:
        provider = await provider_by_uuid(conn, request.path_params["uuid"])
        found, modified = await allocations.for_provider(conn, provider.id)
    if not want(request, (1, 28)):
        for entry in found.values():
            del entry["consumer_generation"]
    return placement_json(
        request,
        {"allocations": found, "resource_provider_generation": provider.generation},
        last_modified=modified,
    )


async def set_allocations_for_consumer(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:allocations:update")
    consumer = _consumer_uuid(request)
    ver = version(request)
    claim = claim_from_body(consumer, await read_json(request, put_schema(ver)), ver)
    await svc.claims.submit([claim])
    return empty_response(204)


async def set_allocations(svc: Placement, request: Request) -> Response:
    require(request, (1, 13))
    authorize(svc, request, "placement:allocations:manage")
    ver = version(request)
    body = await read_json(request, post_schema(ver))
    claims = [claim_from_body(consumer, data, ver) for consumer, data in body.items()]
    await svc.claims.submit(claims)
    return empty_response(204)


async def delete_allocations(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:allocations:delete")
    consumer = request.path_params["consumer_uuid"]
    await svc.write(lambda conn: allocations.delete_for_consumer(conn, consumer))
    return empty_response(204)
