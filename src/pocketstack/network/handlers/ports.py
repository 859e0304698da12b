"""/v2.0/ports: list (by device, network, fixed IP...), create with IPAM, show, update, delete.

Binding details (host, profile, VIF type and details) are shown to admin only, as Neutron's
default policy has it; the VNIC type to everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.network.handlers.base import (
    allowed,
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
from pocketstack.network.objects import networks, port_checks, ports
from pocketstack.network.objects.ports import Port
from pocketstack.network.schemas import ports as schemas
from pocketstack.network.service import Network as NetworkService

__all__ = ["create_port", "delete_port", "list_ports", "show_port", "update_port"]

_BINDING = ("binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details")


def _serializer(svc: NetworkService, request: Request) -> Callable[[Port], dict[str, Any]]:
    """Turns ports into bodies; which binding details the caller sees is decided once."""
    shown = {name for name in _BINDING if allowed(svc, request, f"get_port:{name}")}

    def serialize(port: Port) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": port.id,
            "name": port.name,
            "network_id": port.network_id,
            "mac_address": port.mac_address,
            "admin_state_up": port.admin_state_up,
            "status": port.status,
            "device_id": port.device_id,
            "device_owner": port.device_owner,
            "fixed_ips": [
                {"subnet_id": f.subnet_id, "ip_address": f.ip_address} for f in port.fixed_ips
            ],
            "security_groups": list(port.security_groups),
            "port_security_enabled": port.port_security_enabled,
            "allowed_address_pairs": [dict(pair) for pair in port.allowed_address_pairs],
            "binding:vnic_type": port.binding_vnic_type,
            "binding:host_id": port.binding_host_id,
            "binding:profile": port.binding_profile,
            "binding:vif_type": port_checks.vif_type(port.binding_host_id),
            "binding:vif_details": port_checks.vif_details(port.binding_host_id),
            "ip_allocation": "immediate",
            "qos_policy_id": None,
            "qos_network_policy_id": None,
            "resource_request": None,
            **standard_fields(port.project_id, port.standard),
        }
        for name in _BINDING:
            if name not in shown:
                del body[name]
        return body

    return serialize


def _check_attributes(
    svc: NetworkService,
    request: Request,
    action: str,
    attrs: Mapping[str, Any],
    target: Mapping[str, Any],
) -> None:
    """The attributes Neutron's policy guards beyond the action itself."""
    guarded = []
    if str(attrs.get("device_owner", "")).startswith("network:"):
        guarded.append("device_owner")
    if "mac_address" in attrs:
        guarded.append("mac_address")
    if any("ip_address" in entry for entry in attrs.get("fixed_ips") or ()):
        guarded.append("fixed_ips:ip_address")
    guarded += [name for name in ("binding:host_id", "binding:profile") if attrs.get(name)]
    for name in guarded:
        authorize(svc, request, f"{action}:{name}", target)


async def list_ports(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_port")
    query = list_query(request)
    async with svc.reading() as conn:
        found = await ports.list_(conn, viewer(svc, request), query)
    return list_response(request, "ports", query, found, _serializer(svc, request), lambda p: p.id)


async def create_port(svc: NetworkService, request: Request) -> Response:
    items, bulk = await read_bodies(request, "port", "ports", schemas.CREATE)
    who = viewer(svc, request)

    async def work(conn: AsyncConnection) -> list[Port]:  # a bulk create: all or nothing
        made = []
        for attrs in items:
            net = await networks.get(conn, who, attrs["network_id"])
            owner = {"network:project_id": net.project_id}
            project = owner_project(svc, request, attrs, "create_port", owner)
            _check_attributes(svc, request, "create_port", attrs, {"project_id": project, **owner})
            made.append(await ports.create(conn, who, net, project, attrs))
        return made

    made = await svc.write(work)  # run again if another port took the same address or MAC
    serialize = _serializer(svc, request)
    return created("port", "ports", [serialize(port) for port in made], bulk)


async def show_port(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_port")
    async with svc.reading() as conn:
        port = await ports.get(conn, viewer(svc, request), request.path_params["id"])
    return respond(request, "port", _serializer(svc, request)(port))


async def update_port(svc: NetworkService, request: Request) -> Response:
    attrs = await read_body(request, "port", schemas.UPDATE)
    who = viewer(svc, request)

    async def work(conn: AsyncConnection) -> Port:
        port = await ports.get(conn, who, request.path_params["id"])
        target = {
            "project_id": port.project_id,
            "network:project_id": await networks.owner(conn, port.network_id),
        }
        authorize(svc, request, "update_port", target)
        _check_attributes(svc, request, "update_port", attrs, target)
        return await ports.update(conn, who, port.id, attrs)

    port = await svc.write(work)
    return respond(request, "port", _serializer(svc, request)(port))


async def delete_port(svc: NetworkService, request: Request) -> Response:
    who = viewer(svc, request)
    async with svc.writing() as conn:
        port = await ports.get(conn, who, request.path_params["id"])
        authorize(svc, request, "delete_port", {"project_id": port.project_id})
        await ports.delete(conn, who, port.id)
    return empty_response(204)
