"""/lbaas/availabilityzones: list, create, show, update, delete (admins write, anyone reads).

Zones are keyed by name and have no id; for paging the name is the marker.
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

__all__ = ["create_availability_zone", "delete_availability_zone", "get_availability_zone",
           "list_availability_zones", "update_availability_zone"]

_FILTERS = ("name", "description", "enabled", "availability_zone_profile_id")


def _view(zone: Record) -> dict[str, Any]:
    return {"name": zone["name"], "description": zone["description"] or "",
            "enabled": zone["enabled"],
            "availability_zone_profile_id": zone["availability_zone_profile_id"]}


async def list_availability_zones(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "availability-zone", "get_all", None)
    async with svc.reading() as conn:
        records = [{**z, "id": z["name"]} for z in await zones.list_zones(conn)]
    return list_response(request, records, plural="availability_zones", filterable=_FILTERS,
                         view=_view)


async def create_availability_zone(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "availability-zone", "post", None)
    spec = await body_of(request, "availability_zone", schemas.ZONE_CREATE)
    async with svc.writing() as conn:
        zone = await zones.create_zone(conn, spec)
    return json_response({"availability_zone": _view(zone)}, 201)


async def get_availability_zone(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "availability-zone", "get_one", None)
    async with svc.reading() as conn:
        zone = await zones.get_zone(conn, request.path_params["az_name"])
    return json_response({"availability_zone": _view(zone)})


async def update_availability_zone(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "availability-zone", "put", None)
    changes = await body_of(request, "availability_zone", schemas.ZONE_UPDATE)
    async with svc.writing() as conn:
        zone = await zones.update_zone(conn, request.path_params["az_name"], changes)
    return json_response({"availability_zone": _view(zone)})


async def delete_availability_zone(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "availability-zone", "delete", None)
    async with svc.writing() as conn:
        await zones.delete_zone(conn, request.path_params["az_name"])
    return empty_response(204)
