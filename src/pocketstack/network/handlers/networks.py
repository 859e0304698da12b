"""/v2.0/networks: list (filters, fields, sort, pages), create, show, update, delete."""

from __future__ import annotations

from collections.abc import Mapping
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
from pocketstack.network.objects import networks
from pocketstack.network.objects.networks import AVAILABILITY_ZONES, Network
from pocketstack.network.schemas import networks as schemas
from pocketstack.network.service import Network as NetworkService

__all__ = [
    "create_network",
    "delete_network",
    "list_networks",
    "serialize_network",
    "show_network",
    "update_network",
]

_ADMIN_ATTRIBUTES = ("shared", "router:external")


def serialize_network(net: Network) -> dict[str, Any]:
    return {
        "id": net.id,
        "name": net.name,
        "status": net.status,
        "admin_state_up": net.admin_state_up,
        "shared": net.shared,
        "router:external": net.external,
        "mtu": net.mtu,
        "subnets": list(net.subnets),
        "availability_zone_hints": list(net.availability_zone_hints),
        "availability_zones": list(AVAILABILITY_ZONES),
        "port_security_enabled": net.port_security_enabled,
        "ipv4_address_scope": None,
        "ipv6_address_scope": None,
        "l2_adjacency": True,
        "qos_policy_id": None,
        **standard_fields(net.project_id, net.standard),
    }


def _check_attributes(
    svc: NetworkService,
    request: Request,
    action: str,
    attrs: Mapping[str, Any],
    target: Mapping[str, Any],
    current: Network | None = None,
) -> None:
    """Setting ``shared`` or ``router:external`` to anything but what it is needs admin."""
    for name in _ADMIN_ATTRIBUTES:
        if name not in attrs:
            continue
        now = (
            False if current is None else (current.shared if name == "shared" else current.external)
        )
        if attrs[name] != now:
            authorize(svc, request, f"{action}:{name}", target)


async def list_networks(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_network")
    query = list_query(request)
    async with svc.reading() as conn:
        found = await networks.list_(conn, viewer(svc, request), query)
    return list_response(request, "networks", query, found, serialize_network, lambda n: n.id)


async def create_network(svc: NetworkService, request: Request) -> Response:
    items, bulk = await read_bodies(request, "network", "networks", schemas.CREATE)
    who = viewer(svc, request)
    async with svc.writing() as conn:  # a bulk create is all or nothing
        made = []
        for attrs in items:
            project = owner_project(svc, request, attrs, "create_network")
            _check_attributes(svc, request, "create_network", attrs, {"project_id": project})
            made.append(serialize_network(await networks.create(conn, who, project, attrs)))
    return created("network", "networks", made, bulk)


async def show_network(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_network")
    async with svc.reading() as conn:
        net = await networks.get(conn, viewer(svc, request), request.path_params["id"])
    return respond(request, "network", serialize_network(net))


async def update_network(svc: NetworkService, request: Request) -> Response:
    attrs = await read_body(request, "network", schemas.UPDATE)
    who = viewer(svc, request)
    async with svc.writing() as conn:
        net = await networks.get(conn, who, request.path_params["id"])
        target = {"project_id": net.project_id}
        authorize(svc, request, "update_network", target)
        _check_attributes(svc, request, "update_network", attrs, target, net)
        net = await networks.update(conn, who, net.id, attrs)
    return respond(request, "network", serialize_network(net))


async def delete_network(svc: NetworkService, request: Request) -> Response:
    who = viewer(svc, request)
    async with svc.writing() as conn:
        net = await networks.get(conn, who, request.path_params["id"])
        authorize(svc, request, "delete_network", {"project_id": net.project_id})
        await networks.delete(conn, who, net.id)
    return empty_response(204)
