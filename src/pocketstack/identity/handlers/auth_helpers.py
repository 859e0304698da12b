"""/v3/auth/catalog, /v3/auth/projects, /v3/auth/domains, /v3/auth/system."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.identity.handlers.base import collection
from pocketstack.identity.objects import domains, projects
from pocketstack.identity.service import Identity

__all__ = ["auth_catalog", "auth_domains", "auth_projects", "auth_system"]


def _links(request: Request) -> dict[str, object]:
    ctx = context_of(request)
    return {"self": f"{ctx.base_url}/v3{request.url.path.split('/v3', 1)[-1]}",
            "previous": None, "next": None}


async def auth_catalog(svc: Identity, request: Request) -> Response:
    return json_response({"catalog": svc.view.snapshot.catalog, "links": _links(request)})


async def auth_projects(svc: Identity, request: Request) -> Response:
    ctx = context_of(request)
    user_id = ctx.authenticated.user_id
    snapshot = svc.view.snapshot
    async with svc.reading() as conn:
        every = await projects.list_(conn, {"enabled": "true"})
    mine = [p for p in every if snapshot.project_roles(user_id, snapshot.projects[p["id"]])]
    return json_response(collection(ctx, request, "projects", "projects", mine))


async def auth_domains(svc: Identity, request: Request) -> Response:
    ctx = context_of(request)
    user_id = ctx.authenticated.user_id
    snapshot = svc.view.snapshot
    async with svc.reading() as conn:
        every = await domains.list_(conn, {"enabled": "true"})
    mine = [d for d in every if snapshot.domain_roles(user_id, d["id"])]
    return json_response(collection(ctx, request, "domains", "domains", mine))


async def auth_system(svc: Identity, request: Request) -> Response:
    user_id = context_of(request).authenticated.user_id
    system = [{"all": True}] if svc.view.snapshot.system_roles(user_id) else []
    return json_response({"system": system, "links": _links(request)})
