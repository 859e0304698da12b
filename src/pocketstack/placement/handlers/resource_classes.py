"""/resource_classes (from 1.2): list, create, show, delete; PUT renames before 1.7 and
creates idempotently from 1.7."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.placement.handlers.base import authorize, placement_json, require, want
from pocketstack.placement.objects import resource_classes as classes
from pocketstack.placement.objects.resource_classes import ResourceClass
from pocketstack.placement.schemas import resource_classes as schemas
from pocketstack.placement.service import Placement

__all__ = [
    "create_resource_class",
    "delete_resource_class",
    "get_resource_class",
    "list_resource_classes",
    "update_resource_class",
]


def _serialize(request: Request, rc: ResourceClass) -> dict[str, Any]:
    href = f"{request.scope.get('root_path', '')}/resource_classes/{rc.name}"
    return {"name": rc.name, "links": [{"rel": "self", "href": href}]}


def _location(request: Request, name: str) -> dict[str, str]:
    return {"location": f"{context_of(request).base_url}/resource_classes/{name}"}


async def list_resource_classes(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_classes:list")
    require(request, (1, 2))
    async with svc.reading() as conn:
        found = await classes.list_(conn)
    newest = max((rc.updated_at for rc in found), default=None)
    return placement_json(
        request,
        {"resource_classes": [_serialize(request, rc) for rc in found]},
        last_modified=newest,
    )


async def create_resource_class(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_classes:create")
    require(request, (1, 2))
    name = (await read_json(request, schemas.NAME_BODY))["name"]
    async with svc.writing() as conn:
        await classes.create(conn, name)
    return empty_response(201, _location(request, name))


async def get_resource_class(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_classes:show")
    require(request, (1, 2))
    async with svc.reading() as conn:
        rc = await classes.get(conn, request.path_params["name"])
    return placement_json(request, _serialize(request, rc), last_modified=rc.updated_at)


async def update_resource_class(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_classes:update")
    require(request, (1, 2))
    if want(request, (1, 7)):
        return await _ensure_resource_class(svc, request)
    return await _rename_resource_class(svc, request)


async def _rename_resource_class(svc: Placement, request: Request) -> Response:
    """1.2-1.6: PUT {"name": "CUSTOM_NEW"} renames a custom class."""
    new_name = (await read_json(request, schemas.NAME_BODY))["name"]
    async with svc.writing() as conn:
        rc = await classes.rename(conn, request.path_params["name"], new_name)
    return placement_json(request, _serialize(request, rc))


async def _ensure_resource_class(svc: Placement, request: Request) -> Response:
    """1.7+: PUT creates the custom class (201) or confirms it exists (204); no body."""
    name = request.path_params["name"]
    errors = schemas.NAME_BODY.errors({"name": name})
    if errors:
        raise ApiError(400, f"JSON does not validate: {errors[0]}")
    async with svc.writing() as conn:
        _, created = await classes.ensure(conn, name)
    return empty_response(201 if created else 204, _location(request, name))


async def delete_resource_class(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_classes:delete")
    require(request, (1, 2))
    async with svc.writing() as conn:
        await classes.delete(conn, request.path_params["name"])
    return empty_response(204)
