"""/v2.0/security-groups: list and show (making the caller's default group on first use),
create, update, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
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
from pocketstack.network.handlers.security_group_rules import serialize_rule
from pocketstack.network.objects import security_groups
from pocketstack.network.objects.common import Viewer
from pocketstack.network.objects.security_groups import SecurityGroup
from pocketstack.network.schemas import security_groups as schemas
from pocketstack.network.service import Network as NetworkService

__all__ = [
    "create_security_group",
    "delete_security_group",
    "ensure_default_group",
    "list_security_groups",
    "show_security_group",
    "update_security_group",
]


def serialize_group(group: SecurityGroup) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "stateful": group.stateful,
        "shared": False,
        "security_group_rules": [serialize_rule(rule) for rule in group.rules],
        **standard_fields(group.project_id, group.standard),
    }


async def ensure_default_group(svc: NetworkService, who: Viewer) -> None:
    """The caller's project gets its default group the first time it looks (as Neutron)."""
    if not who.project_id:
        return
    async with svc.reading() as conn:
        found = await security_groups.default_group_id(conn, who.project_id)
    if found is None:
        await svc.write(lambda conn: security_groups.ensure_default(conn, who.project_id))


async def list_security_groups(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_security_group")
    query = list_query(request)
    who = viewer(svc, request)
    await ensure_default_group(svc, who)
    async with svc.reading() as conn:
        found = await security_groups.list_(conn, who, query)
    return list_response(request, "security_groups", query, found, serialize_group, lambda g: g.id)


async def create_security_group(svc: NetworkService, request: Request) -> Response:
    items, bulk = await read_bodies(request, "security_group", "security_groups", schemas.CREATE)
    projects = [owner_project(svc, request, attrs, "create_security_group") for attrs in items]
    who = viewer(svc, request)

    async def work(conn: AsyncConnection) -> list[SecurityGroup]:
        return [
            await security_groups.create(conn, who, project, attrs)
            for project, attrs in zip(projects, items, strict=True)
        ]

    made = await svc.write(work)  # run again if the default group was made meanwhile
    return created("security_group", "security_groups", [serialize_group(g) for g in made], bulk)


async def show_security_group(svc: NetworkService, request: Request) -> Response:
    authorize(svc, request, "get_security_group")
    who = viewer(svc, request)
    await ensure_default_group(svc, who)
    async with svc.reading() as conn:
        group = await security_groups.get(conn, who, request.path_params["id"])
    return respond(request, "security_group", serialize_group(group))


async def update_security_group(svc: NetworkService, request: Request) -> Response:
    attrs = await read_body(request, "security_group", schemas.UPDATE)
    who = viewer(svc, request)
    async with svc.writing() as conn:
        group = await security_groups.get(conn, who, request.path_params["id"])
        authorize(svc, request, "update_security_group", {"project_id": group.project_id})
        group = await security_groups.update(conn, who, group.id, attrs)
    return respond(request, "security_group", serialize_group(group))


async def delete_security_group(svc: NetworkService, request: Request) -> Response:
    who = viewer(svc, request)
    async with svc.writing() as conn:
        group = await security_groups.get(conn, who, request.path_params["id"])
        authorize(svc, request, "delete_security_group", {"project_id": group.project_id})
        await security_groups.delete(conn, who, group.id)
    return empty_response(204)
