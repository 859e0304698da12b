"""Role grants to users on projects, domains and the system (PUT/HEAD/DELETE, and lists)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.identity.handlers.base import authorize, collection
from pocketstack.identity.objects import assignments
from pocketstack.identity.objects.assignments import Grant
from pocketstack.identity.service import Identity

__all__ = ["check_grant", "create_grant", "list_grants", "revoke_grant"]



def _grant(request: Request) -> Grant:
    params, path = request.path_params, request.url.path
    if "/v3/system/" in path:
        kind, target = "UserSystem", "all"
    else:
        kind = "UserProject" if "/v3/projects/" in path else "UserDomain"
        target = params["target"]
    inherited = "/OS-INHERIT/" in path
    return Grant(kind, params["user"], target, params.get("role", ""), inherited)


async def create_grant(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:create_grant")
    async with svc.writing() as conn:
        await assignments.grant(conn, _grant(request))
    return empty_response(204)


async def check_grant(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:check_grant")
    async with svc.reading() as conn:
        await assignments.check(conn, _grant(request))
    return empty_response(204)


async def revoke_grant(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:revoke_grant")
    async with svc.writing() as conn:
        await assignments.revoke(conn, _grant(request))
    return empty_response(204)


async def list_grants(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_grants")
    g = _grant(request)
    async with svc.reading() as conn:
        found = await assignments.roles_of(conn, g.type, g.actor_id, g.target_id, g.inherited)
    return json_response(collection(ctx, request, "roles", "roles", found))
