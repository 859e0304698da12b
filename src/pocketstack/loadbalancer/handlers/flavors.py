"""/lbaas/flavors: list, create, show, update, delete (admins write, anyone reads)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.loadbalancer.handlers.base import authorize, body_of, list_response
from pocketstack.loadbalancer.objects import flavors
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import flavors as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_flavor", "delete_flavor", "get_flavor", "list_flavors", "update_flavor"]

_FILTERS = ("id", "name", "description", "enabled", "flavor_profile_id")


def _view(flavor: Record) -> dict[str, Any]:
    return {"id": flavor["id"], "name": flavor["name"] or "",
            "description": flavor["description"] or "", "enabled": flavor["enabled"],
            "flavor_profile_id": flavor["flavor_profile_id"]}


async def list_flavors(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor", "get_all", None)
    async with svc.reading() as conn:
        records = await flavors.list_flavors(conn)
    return list_response(request, records, plural="flavors", filterable=_FILTERS, view=_view)


async def create_flavor(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor", "post", None)
    spec = await body_of(request, "flavor", schemas.FLAVOR_CREATE)
    async with svc.writing() as conn:
        flavor = await flavors.create_flavor(conn, spec)
    return json_response({"flavor": _view(flavor)}, 201)


async def get_flavor(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor", "get_one", None)
    async with svc.reading() as conn:
        flavor = await flavors.get_flavor(conn, request.path_params["flavor_id"])
    return json_response({"flavor": _view(flavor)})


async def update_flavor(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor", "put", None)
    changes = await body_of(request, "flavor", schemas.FLAVOR_UPDATE)
    async with svc.writing() as conn:
        flavor = await flavors.update_flavor(conn, request.path_params["flavor_id"], changes)
    return json_response({"flavor": _view(flavor)})


async def delete_flavor(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor", "delete", None)
    async with svc.writing() as conn:
        await flavors.delete_flavor(conn, request.path_params["flavor_id"])
    return empty_response(204)
