"""/resource_providers/{uuid}/inventories: what a provider offers, every class or one."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.placement.handlers.base import authorize, placement_json, want
from pocketstack.placement.objects import inventories
from pocketstack.placement.objects.errors import NotFound
from pocketstack.placement.objects.providers_common import provider_by_uuid
from pocketstack.placement.schemas import inventories as schemas
from pocketstack.placement.service import Placement

__all__ = [
    "create_inventory",
    "delete_inventories",
    "delete_inventory",
    "get_inventories",
    "get_inventory",
    "set_inventories",
    "update_inventory",
]

_RULE = "placement:resource_providers:inventories:"


def _one(record: dict[str, Any], generation: int) -> dict[str, Any]:
    return {**record, "resource_provider_generation": generation}


def _checked(request: Request, uuid: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Records with upstream's defaults filled in, refused when nothing is left to allocate."""
    records = {name: inventories.complete(value) for name, value in raw.items()}
    inventories.check_capacity(uuid, records, reserved_may_equal_total=want(request, (1, 26)))
    return records


async def get_inventories(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "list")
    async with svc.reading() as conn:
        provider = await provider_by_uuid(conn, request.path_params["uuid"])
        records, modified = await inventories.list_for_provider(conn, provider.id)
    return placement_json(
        request,
        {"inventories": records, "resource_provider_generation": provider.generation},
        last_modified=modified,
    )


async def get_inventory(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "show")
    uuid, name = request.path_params["uuid"], request.path_params["resource_class"]
    async with svc.reading() as conn:
        provider = await provider_by_uuid(conn, uuid)
        records, modified = await inventories.list_for_provider(conn, provider.id)
    if name not in records:
        raise NotFound(f"No inventory of class {name} for {uuid}")
    return placement_json(request, _one(records[name], provider.generation), last_modified=modified)


async def set_inventories(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "update")
    uuid = request.path_params["uuid"]
    body = await read_json(request, schemas.REPLACE)
    records = _checked(request, uuid, body["inventories"])
    generation = await svc.write(
        lambda conn: inventories.replace(conn, uuid, records, body["resource_provider_generation"])
    )
    return placement_json(
        request, {"inventories": records, "resource_provider_generation": generation}, cache=True
    )


async def delete_inventories(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "delete")
    if not want(request, (1, 5)):
        raise ApiError(
            405,
            "The method specified is not allowed for this resource.",
            headers={"Allow": "GET, POST, PUT"},
        )
    uuid = request.path_params["uuid"]
    await svc.write(lambda conn: inventories.replace(conn, uuid, {}, None))
    return empty_response(204)


async def create_inventory(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "create")
    uuid = request.path_params["uuid"]
    body = await read_json(request, schemas.CREATE)
    name = body["resource_class"]
    record = _checked(request, uuid, {name: body})[name]
    generation = await svc.write(lambda conn: inventories.add(conn, uuid, name, record))
    location = f"{context_of(request).base_url}/resource_providers/{uuid}/inventories/{name}"
    return placement_json(
        request, _one(record, generation), 201, cache=True, headers={"Location": location}
    )


async def update_inventory(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "update")
    uuid, name = request.path_params["uuid"], request.path_params["resource_class"]
    body = await read_json(request, schemas.UPDATE)
    record = _checked(request, uuid, {name: body})[name]
    generation = await svc.write(
        lambda conn: inventories.update_one(
            conn, uuid, name, record, body["resource_provider_generation"]
        )
    )
    return placement_json(request, _one(record, generation), cache=True)


async def delete_inventory(svc: Placement, request: Request) -> Response:
    authorize(svc, request, _RULE + "delete")
    uuid, name = request.path_params["uuid"], request.path_params["resource_class"]
    await svc.write(lambda conn: inventories.delete_one(conn, uuid, name))
    return empty_response(204)
