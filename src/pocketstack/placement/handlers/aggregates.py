"""/resource_providers/{uuid}/aggregates (from 1.1; with the provider generation from 1.19)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.schema import read_json
from pocketstack.placement.handlers.base import authorize, placement_json, require, want
from pocketstack.placement.objects import aggregates
from pocketstack.placement.objects.aggregates import ProviderAggregates
from pocketstack.placement.schemas import aggregates as schemas
from pocketstack.placement.service import Placement

__all__ = ["get_aggregates", "set_aggregates"]

_WITH_GENERATION = (1, 19)


def _serialize(request: Request, found: ProviderAggregates) -> dict[str, Any]:
    body: dict[str, Any] = {"aggregates": found.uuids}
    if want(request, _WITH_GENERATION):
        body["resource_provider_generation"] = found.generation
    return body


async def get_aggregates(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:aggregates:list")
    require(request, (1, 1))
    async with svc.reading() as conn:
        found = await aggregates.get(conn, request.path_params["uuid"])
    # Associations carry no timestamps: last-modified is now, as upstream.
    return placement_json(request, _serialize(request, found))


async def set_aggregates(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:aggregates:update")
    require(request, (1, 1))
    if want(request, _WITH_GENERATION):
        body = await read_json(request, schemas.PUT_1_19)
        uuids, generation = body["aggregates"], body["resource_provider_generation"]
    else:
        uuids, generation = await read_json(request, schemas.PUT_1_1), None
    async with svc.writing() as conn:
        found = await aggregates.set_(conn, request.path_params["uuid"], uuids, generation)
    return placement_json(request, _serialize(request, found), cache=True)
