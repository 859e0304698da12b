"""/traits and /resource_providers/{uuid}/traits (from 1.6)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.placement.handlers.base import (
    authorize,
    cache_headers,
    placement_json,
    require,
)
from pocketstack.placement.handlers.provider_query import validate_query
from pocketstack.placement.objects import traits
from pocketstack.placement.objects.traits import TraitFilters
from pocketstack.placement.schemas import traits as schemas
from pocketstack.placement.service import Placement

__all__ = [
    "delete_provider_traits",
    "delete_trait",
    "get_trait",
    "list_provider_traits",
    "list_traits",
    "put_trait",
    "update_provider_traits",
]


def _filters(request: Request) -> TraitFilters:
    """``name=in:A,B`` or ``name=startswith:PREFIX``; ``associated=true|false``."""
    params = request.query_params
    names: frozenset[str] | None = None
    prefix: str | None = None
    if "name" in params:
        op, sep, value = params["name"].partition(":")
        if not sep:
            raise ApiError(
                400,
                "Badly formatted name parameter. Expected name query string "
                "parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. "
                f'Got: "{params["name"]}"',
            )
        if op == "in":
            names = frozenset(value.split(","))
        elif op == "startswith":
            prefix = value
    associated = params.get("associated")
    if associated is not None and associated.lower() not in ("true", "false"):
        raise ApiError(400, 'The query parameter "associated" only accepts "true" or "false"')
    return TraitFilters(
        names=names,
        prefix=prefix,
        associated=None if associated is None else associated.lower() == "true",
    )


async def list_traits(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:traits:list")
    require(request, (1, 6))
    validate_query(request, schemas.LIST_QUERY)
    wanted = _filters(request)
    async with svc.reading() as conn:
        found = await traits.list_(conn, wanted)
    return placement_json(request, {"traits": found.names}, last_modified=found.last_modified)


async def get_trait(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:traits:show")
    require(request, (1, 6))
    async with svc.reading() as conn:
        found = await traits.get(conn, request.path_params["name"])
    return empty_response(204, cache_headers(request, found.last_modified))


async def put_trait(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:traits:update")
    require(request, (1, 6))
    name = request.path_params["name"]
    if schemas.CUSTOM_TRAIT.errors(name):
        raise ApiError(
            400,
            "The trait is invalid. A valid trait must be no longer than 255 "
            'characters, start with the prefix "CUSTOM_" and use following '
            'characters: "A"-"Z", "0"-"9" and "_"',
        )
    async with svc.writing() as conn:
        found, created = await traits.ensure(conn, name)
    headers = {
        "location": f"{context_of(request).base_url}/traits/{name}",
        **cache_headers(request, found.last_modified),
    }
    return empty_response(201 if created else 204, headers)


async def delete_trait(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:traits:delete")
    require(request, (1, 6))
    async with svc.writing() as conn:
        await traits.delete(conn, request.path_params["name"])
    return empty_response(204)


async def list_provider_traits(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:traits:list")
    require(request, (1, 6))
    async with svc.reading() as conn:
        found = await traits.list_for_provider(conn, request.path_params["uuid"])
    return placement_json(
        request,
        {"traits": found.names, "resource_provider_generation": found.generation},
        last_modified=found.last_modified,
    )


async def update_provider_traits(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:traits:update")
    require(request, (1, 6))
    body = await read_json(request, schemas.PROVIDER_TRAITS)
    async with svc.writing() as conn:
        found = await traits.set_for_provider(
            conn, request.path_params["uuid"], body["traits"], body["resource_provider_generation"]
        )
    return placement_json(
        request,
        {"traits": found.names, "resource_provider_generation": found.generation},
        last_modified=found.last_modified,
        cache=True,
    )


async def delete_provider_traits(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:traits:delete")
    require(request, (1, 6))
    async with svc.writing() as conn:
        await traits.clear_for_provider(conn, request.path_params["uuid"])
    return empty_response(204)
