"""/v2.0/security-group-rules: list, create (in a group the caller may change), show, delete.

Rules are immutable: there is no update, as in Neutron.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.network.handlers.base import (
    authorize,
    read_body,
    respond,
    standard_fields,
    viewer,
)
from pocketstack.network.handlers.listing import list_query, list_response
from pocketstack.network.objects import security_group_rules as rules
from pocketstack.network.objects import security_groups
from pocketstack.network.objects.security_group_rules import Rule
from pocketstack.network.schemas import security_groups as schemas
from pocketstack.network.service import Network as NetworkService

__all__ = [
    "create_security_group_rule",
    "delete_security_group_rule",
    "list_security_group_rules",
    "serialize_rule",
    "show_security_group_rule",
]


def serialize_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "security_group_id": rule.security_group_id,
        "direction": rule.direction,
        "ethertype": rule.ethertype,
        "protocol": rule.protocol,
        "port_range_min": rule.port_range_min,
        "port_range_max": rule.port_range_max,
        "remote_ip_prefix": rule.remote_ip_prefix,
        "normalized_cidr": rule.remote_ip_prefix,
        "remote_group_id": rule.remote_group_id,
        "remote_address_group_id": None,
        "belongs_to_default_sg": rule.belongs_to_default_sg,
        **standard_fields(rule.project_id, rule.standard, tagged=False),
    }


async def list_security_group_rules(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_security_group_rule")
    query = list_query(request)
    async with svc.reading() as conn:
        found = await rules.list_(conn, viewer(svc, request), query)
    return list_response(
        request, "security_group_rules", query, found, serialize_rule, lambda r: r.id
    )


async def create_security_group_rule(svc: NetworkService, request: Request) -> Response:
    attrs = await read_body(request, "security_group_rule", schemas.CREATE_RULE)
    who = viewer(svc, request)
    async with svc.writing() as conn:
        group = await security_groups.get(conn, who, attrs["security_group_id"])
        authorize(svc, request, "create_security_group_rule", {"project_id": group.project_id})
        rule = await rules.create(conn, who, group.project_id, attrs)
    return respond(request, "security_group_rule", serialize_rule(rule), 201)


async def show_security_group_rule(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_security_group_rule")
    async with svc.reading() as conn:
        rule = await rules.get(conn, viewer(svc, request), request.path_params["id"])
    return respond(request, "security_group_rule", serialize_rule(rule))


async def delete_security_group_rule(svc: NetworkService, request: Request) -> Response:
    who = viewer(svc, request)
    async with svc.writing() as conn:
        rule = await rules.get(conn, who, request.path_params["id"])
        authorize(svc, request, "delete_security_group_rule", {"project_id": rule.project_id})
        await rules.delete(conn, who, rule.id)
    return empty_response(204)
