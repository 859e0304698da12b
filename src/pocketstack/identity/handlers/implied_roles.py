"""Implied roles: /v3/roles/{prior}/implies[/{implied}] and /v3/role_inferences."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import RequestContext
from pocketstack.identity.handlers.base import authorize, link
from pocketstack.identity.objects import roles
from pocketstack.identity.objects.errors import NotFound
from pocketstack.identity.service import Identity

__all__ = ["check_implied", "create_implied", "delete_implied", "list_implied",
           "list_inferences"]


def _role_ref(ctx: RequestContext, svc: Identity, ident: str) -> dict[str, Any]:
    return {"id": ident, "name": svc.view.snapshot.roles.get(ident, ""),
            "links": {"self": link(ctx, f"roles/{ident}")}}


def _rule(ctx: RequestContext, svc: Identity, prior: str, implied: list[str]
          ) -> dict[str, Any]:
    return {"prior_role": _role_ref(ctx, svc, prior),
            "implies": [_role_ref(ctx, svc, i) for i in implied]}


async def create_implied(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:create_implied_role")
    prior, implied = request.path_params["prior"], request.path_params["implied"]
    async with svc.writing() as conn:
        await roles.add_implied(conn, prior, implied)
    body = {"role_inference": {"prior_role": _role_ref(ctx, svc, prior),
                               "implies": _role_ref(ctx, svc, implied)},
            "links": {"self": link(ctx, f"roles/{prior}/implies/{implied}")}}
    return json_response(body, 201)


async def check_implied(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:get_implied_role")
    prior, implied = request.path_params["prior"], request.path_params["implied"]
    async with svc.reading() as conn:
        found = await roles.list_implied(conn, prior)
    if (prior, implied) not in found:
        raise NotFound("implied role", f"{prior} implies {implied}")
    body = {"role_inference": {"prior_role": _role_ref(ctx, svc, prior),
                               "implies": _role_ref(ctx, svc, implied)}}
    return json_response(body, 200) if request.method == "GET" else empty_response(204)


async def delete_implied(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:delete_implied_role")
    async with svc.writing() as conn:
        await roles.remove_implied(conn, request.path_params["prior"],
                                   request.path_params["implied"])
    return empty_response(204)


async def list_implied(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_implied_roles")
    prior = request.path_params["prior"]
    async with svc.reading() as conn:
        await roles.get(conn, prior)
        found = await roles.list_implied(conn, prior)
    return json_response({"role_inference": _rule(ctx, svc, prior, [i for _, i in found]),
                          "links": {"self": link(ctx, f"roles/{prior}/implies")}})


async def list_inferences(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_role_inference_rules")
    async with svc.reading() as conn:
        found = await roles.list_implied(conn)
    by_prior: dict[str, list[str]] = {}
    for prior, implied in found:
        by_prior.setdefault(prior, []).append(implied)
    return json_response({"role_inferences": [_rule(ctx, svc, p, i) for p, i in by_prior.items()],
                          "links": {"self": link(ctx, "role_inferences")}})
