"""/v2.0/subnets: list, create (IPAM checks), show, update, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.network.handlers.base import (
    authorize,
    created,
    owner_project,
    read_bodies,
    read_body,
    respond,
    standard_fields,
    viewer,
)
from pocketstack.network.handlers.listing import list_query, list_response
from pocketstack.network.objects import networks, subnets
from pocketstack.network.objects.subnets import Subnet
from pocketstack.network.schemas import subnets as schemas
from pocketstack.network.service import Network as NetworkService

__all__ = [
    "create_subnet",
    "delete_subnet",
    "list_subnets",
    "serialize_subnet",
    "show_subnet",
    "update_subnet",
]


def serialize_subnet(subnet: Subnet) -> dict[str, Any]:
    return {
        "id": subnet.id,
        "name": subnet.name,
        "network_id": subnet.network_id,
        "ip_version": subnet.ip_version,
        "cidr": subnet.cidr,
        "gateway_ip": subnet.gateway_ip,
        "allocation_pools": [{"start": a, "end": b} for a, b in subnet.allocation_pools],
        "enable_dhcp": subnet.enable_dhcp,
        "dns_nameservers": list(subnet.dns_nameservers),
        "host_routes": [dict(route) for route in subnet.host_routes],
        "ipv6_ra_mode": subnet.ipv6_ra_mode,
        "ipv6_address_mode": subnet.ipv6_address_mode,
        "subnetpool_id": None,
        "segment_id": None,
        "service_types": [],
        "dns_publish_fixed_ip": False,
        **standard_fields(subnet.project_id, subnet.standard),
    }


async def list_subnets(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_subnet")
    query = list_query(request)
    async with svc.reading() as conn:
        found = await subnets.list_(conn, viewer(svc, request), query)
    return list_response(request, "subnets", query, found, serialize_subnet, lambda s: s.id)


async def create_subnet(svc: NetworkService, request: Request) -> Response:
    items, bulk = await read_bodies(request, "subnet", "subnets", schemas.CREATE)
    who = viewer(svc, request)
    async with svc.writing() as conn:  # a bulk create is all or nothing
        made = []
        for attrs in items:
            net = await networks.get(conn, who, attrs["network_id"])
            owner = {"network:project_id": net.project_id}
            project = owner_project(svc, request, attrs, "create_subnet", owner)
            made.append(serialize_subnet(await subnets.create(conn, who, net.id, project, attrs)))
    return created("subnet", "subnets", made, bulk)


async def show_subnet(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_subnet")
    async with svc.reading() as conn:
        subnet = await subnets.get(conn, viewer(svc, request), request.path_params["id"])
    return respond(request, "subnet", serialize_subnet(subnet))


async def update_subnet(svc: NetworkService, request: Request) -> Response:
    attrs = await read_body(request, "subnet", schemas.UPDATE)
    who = viewer(svc, request)
    async with svc.writing() as conn:
        subnet = await subnets.get(conn, who, request.path_params["id"])
        authorize(
            svc,
            request,
            "update_subnet",
            {
                "project_id": subnet.project_id,
                "network:project_id": await networks.owner(conn, subnet.network_id),
            },
        )
        subnet = await subnets.update(conn, who, subnet.id, attrs)
    return respond(request, "subnet", serialize_subnet(subnet))


async def delete_subnet(svc: NetworkService, request: Request) -> Response:
    who = viewer(svc, request)
    async with svc.writing() as conn:
        subnet = await subnets.get(conn, who, request.path_params["id"])
        authorize(
            svc,
            request,
            "delete_subnet",
            {
                "project_id": subnet.project_id,
                "network:project_id": await networks.owner(conn, subnet.network_id),
            },
        )
        await subnets.delete(conn, who, subnet.id)
    return empty_response(204)
