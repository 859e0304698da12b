"""/lbaas/flavorprofiles: list, create, show, update, delete (admins only).

The collection's links key is ``flavorprofile_links`` (singular, as Octavia spells it).
"""

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

__all__ = ["create_flavor_profile", "delete_flavor_profile", "get_flavor_profile",
           "list_flavor_profiles", "update_flavor_profile"]

_FILTERS = ("id", "name", "provider_name", "flavor_data")


def _view(profile: Record) -> dict[str, Any]:
    return {"id": profile["id"], "name": profile["name"] or "",
            "provider_name": profile["provider_name"], "flavor_data": profile["flavor_data"]}


async def list_flavor_profiles(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor-profile", "get_all", None)
    async with svc.reading() as conn:
        records = await flavors.list_profiles(conn)
    return list_response(request, records, plural="flavorprofiles", filterable=_FILTERS,
                         view=_view, links_key="flavorprofile_links")


async def create_flavor_profile(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor-profile", "post", None)
    spec = await body_of(request, "flavorprofile", schemas.PROFILE_CREATE)
    async with svc.writing() as conn:
        profile = await flavors.create_profile(conn, spec)
    return json_response({"flavorprofile": _view(profile)}, 201)


async def get_flavor_profile(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor-profile", "get_one", None)
    async with svc.reading() as conn:
        profile = await flavors.get_profile(conn, request.path_params["flavorprofile_id"])
    return json_response({"flavorprofile": _view(profile)})


async def update_flavor_profile(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor-profile", "put", None)
    changes = await body_of(request, "flavorprofile", schemas.PROFILE_UPDATE)
    async with svc.writing() as conn:
        profile = await flavors.update_profile(conn, request.path_params["flavorprofile_id"],
                                               changes)
    return json_response({"flavorprofile": _view(profile)})


async def delete_flavor_profile(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "flavor-profile", "delete", None)
    async with svc.writing() as conn:
        await flavors.delete_profile(conn, request.path_params["flavorprofile_id"])
    return empty_response(204)
