"""/resource_providers: list (filters per microversion), create, show, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.context import context_of
from pocketstack.common.schema import read_json
from pocketstack.placement.handlers import provider_query as qs
from pocketstack.placement.handlers.base import authorize, placement_json, version, want
from pocketstack.placement.objects import resource_providers as providers
from pocketstack.placement.objects.resource_providers import Provider, ProviderFilters
from pocketstack.placement.schemas import resource_providers as schemas
from pocketstack.placement.service import Placement

__all__ = [
    "create_resource_provider",
    "delete_resource_provider",
    "get_resource_provider",
    "list_resource_providers",
    "provider_path",
    "update_resource_provider",
]


def provider_path(request: Request, uuid: str) -> str:
    """The provider's URL path under the service's mount point, as links carry it."""
    return f"{request.scope.get('root_path', '')}/resource_providers/{uuid}"


def _serializer(request: Request) -> Callable[[Provider], dict[str, Any]]:
    """Turns providers into bodies; the version checks are made once, not per provider."""
    rels = ["inventories", "usages"]
    rels += ["aggregates"] if want(request, (1, 1)) else []
    rels += ["traits"] if want(request, (1, 6)) else []
    rels += ["allocations"] if want(request, (1, 11)) else []
    nested = want(request, (1, 14))

    def serialize(rp: Provider) -> dict[str, Any]:
        url = provider_path(request, rp.uuid)
        body: dict[str, Any] = {
            "uuid": rp.uuid,
            "name": rp.name,
            "generation": rp.generation,
            "links": [
                {"rel": "self", "href": url},
                *({"rel": rel, "href": f"{url}/{rel}"} for rel in rels),
            ],
        }
        if nested:
            body["parent_provider_uuid"] = rp.parent_provider_uuid
            body["root_provider_uuid"] = rp.root_provider_uuid
        return body

    return serialize


def _filters(request: Request) -> ProviderFilters:
    params = request.query_params
    member_of, forbidden_aggregates = qs.member_of(request)
    required, forbidden_traits = qs.required_traits(request)
    return ProviderFilters(
        name=params.get("name"),
        uuid=params.get("uuid"),
        in_tree=params.get("in_tree"),
        member_of=member_of,
        forbidden_aggregates=forbidden_aggregates,
        resources=qs.resources(params["resources"]) if "resources" in params else {},
        required_traits=required,
        forbidden_traits=forbidden_traits,
    )


async def list_resource_providers(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:list")
    qs.validate_query(request, schemas.list_query(version(request)))
    wanted = _filters(request)
    async with svc.reading() as conn:
        found = await providers.list_(conn, wanted)
    serialize = _serializer(request)
    newest = max((rp.updated_at for rp in found), default=None)
    return placement_json(
        request, {"resource_providers": [serialize(rp) for rp in found]}, last_modified=newest
    )


async def create_resource_provider(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:create")
    nested = want(request, (1, 14))
    body = await read_json(request, schemas.CREATE_1_14 if nested else schemas.CREATE)
    async with svc.writing() as conn:
        rp = await providers.create(
            conn,
            name=body["name"],
            uuid=body.get("uuid"),
            parent_uuid=body.get("parent_provider_uuid"),
        )
    location = {"location": f"{context_of(request).base_url}/resource_providers/{rp.uuid}"}
    if not want(request, (1, 20)):
        return empty_response(201, location)
    return placement_json(
        request, _serializer(request)(rp), headers=location, last_modified=rp.updated_at, cache=True
    )


async def get_resource_provider(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:show")
    async with svc.reading() as conn:
        rp = await providers.get(conn, request.path_params["uuid"])
    return placement_json(request, _serializer(request)(rp), last_modified=rp.updated_at)


async def update_resource_provider(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:update")
    nested = want(request, (1, 14))
    body = await read_json(request, schemas.UPDATE_1_14 if nested else schemas.UPDATE)
    async with svc.writing() as conn:
        rp = await providers.update(
            conn,
            request.path_params["uuid"],
            name=body["name"],
            parent_uuid=body.get("parent_provider_uuid", providers.UNCHANGED),
            allow_reparenting=want(request, (1, 37)),
        )
    return placement_json(
        request, _serializer(request)(rp), last_modified=rp.updated_at, cache=True
    )


async def delete_resource_provider(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:delete")
    async with svc.writing() as conn:
        await providers.delete(conn, request.path_params["uuid"])
    return empty_response(204)
