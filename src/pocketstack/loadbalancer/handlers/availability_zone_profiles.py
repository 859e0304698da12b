"""/lbaas/availabilityzoneprofiles: list, create, show, update, delete (admins only).

The collection's links key is ``availability_zone_profile_links`` (singular, sic).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.loadbalancer.handlers.base import authorize, body_of, list_response
from pocketstack.loadbalancer.objects import availability_zones as zones
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import availability_zones as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["create_availability_zone_profile", "delete_availability_zone_profile",
           "get_availability_zone_profile", "list_availability_zone_profiles",
           "update_availability_zone_profile"]

_FILTERS = ("id", "name", "provider_name", "availability_zone_data")
_KEY = "availability_zone_profile"


def _view(profile: Record) -> dict[str, Any]:
    return {"id": profile["id"], "name": profile["name"] or "",
            "provider_name": profile["provider_name"],
            "availability_zone_data": profile["availability_zone_data"]}


async def list_availability_zone_profiles(svc: LoadBalancerService,
                                          request: Request) -> Response:
    authorize(svc, request, "availability-zone-profile", "get_all", None)
    async with svc.reading() as conn:
        records = await zones.list_profiles(conn)
    return list_response(request, records, plural="availability_zone_profiles",
                         filterable=_FILTERS, view=_view,
                         links_key="availability_zone_profile_links")


async def create_availability_zone_profile(svc: LoadBalancerService,
                                           request: Request) -> Response:
    authorize(svc, request, "availability-zone-profile", "post", None)
    spec = await body_of(request, _KEY, schemas.PROFILE_CREATE)
    async with svc.writing() as conn:
        profile = await zones.create_profile(conn, spec)
    return json_response({_KEY: _view(profile)}, 201)


async def get_availability_zone_profile(svc: LoadBalancerService,
                                        request: Request) -> Response:
    authorize(svc, request, "availability-zone-profile", "get_one", None)
    async with svc.reading() as conn:
        profile = await zones.get_profile(conn, request.path_params["azp_id"])
    return json_response({_KEY: _view(profile)})


async def update_availability_zone_profile(svc: LoadBalancerService,
                                           request: Request) -> Response:
    authorize(svc, request, "availability-zone-profile", "put", None)
    changes = await body_of(request, _KEY, schemas.PROFILE_UPDATE)
    async with svc.writing() as conn:
        profile = await zones.update_profile(conn, request.path_params["azp_id"], changes)
    return json_response({_KEY: _view(profile)})


async def delete_availability_zone_profile(svc: LoadBalancerService,
                                           request: Request) -> Response:
    authorize(svc, request, "availability-zone-profile", "delete", None)
    async with svc.writing() as conn:
        await zones.delete_profile(conn, request.path_params["azp_id"])
    return empty_response(204)
