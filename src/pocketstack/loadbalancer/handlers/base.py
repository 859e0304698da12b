"""What every load-balancer handler shares: binding, policy, scoping, bodies, list pages."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema, read_json
from pocketstack.loadbalancer.objects.errors import Invalid, LbError
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.objects.listing import paginate
from pocketstack.loadbalancer.policies import rule
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["LbHandler", "authorize", "bind", "body_of", "is_admin", "list_response",
           "visible_project"]

LbHandler = Callable[[LoadBalancerService, Request], Awaitable[Response]]


def bind(svc: LoadBalancerService, handler: LbHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, domain errors mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        if accept and not any(t in accept for t in ("application/json", "*/*", "application/*")):
            raise ApiError(406, "Only application/json responses are available.")
        try:
            return await handler(svc, request)
        except LbError as error:
            raise ApiError(error.status, error.message) from None

    return endpoint


def authorize(svc: LoadBalancerService, request: Request, resource: str, action: str,
              project_id: str | None) -> RequestContext:
    """403 unless the rule ``os_load-balancer_api:<resource>:<action>`` allows the caller."""
    ctx = context_of(request)
    target = {"project_id": project_id if project_id is not None else ctx.project_id}
    if not svc.enforcer.check(rule(resource, action), target, ctx.authenticated.credentials()):
        raise ApiError(403, "Policy does not allow this request to be performed.")
    return ctx


def is_admin(svc: LoadBalancerService, ctx: RequestContext) -> bool:
    return svc.enforcer.check("context_is_admin", {}, ctx.authenticated.credentials())


def visible_project(svc: LoadBalancerService, request: Request) -> str | None:
    """Whose objects a lookup may find: any project's for an admin (None), else the token's
    project only (another project's object is a 404)."""
    ctx = context_of(request)
    return None if is_admin(svc, ctx) else (ctx.authenticated.project_id or "")


async def body_of(request: Request, key: str, checker: Schema) -> dict[str, Any]:
    """The object under ``key`` of a JSON body validated by ``checker`` (400 otherwise)."""
    try:
        document = await read_json(request, checker)
    except ApiError as error:
        raise ApiError(400, error.message) from None
    value = document.get(key) if isinstance(document, dict) else None
    if not isinstance(value, dict):
        raise Invalid(f"Invalid input for field/attribute {key}. Value: 'None'. Mandatory field "
                      "missing.")
    return value


def list_response(request: Request, records: Iterable[Record], *, plural: str,
                  filterable: Iterable[str], view: Callable[[Record], dict[str, Any]],
                  links_key: str | None = None) -> Response:
    """One page of a collection in Octavia's envelope, ``fields`` applied."""
    ctx = context_of(request)
    url = f"{ctx.base_url}{request.url.path.removeprefix(request.scope.get('root_path', ''))}"
    page = paginate(records, list(request.query_params.multi_items()), filterable=filterable,
                    url=url)
    items = [view(r) for r in page.items]
    if page.fields:
        items = [{k: v for k, v in item.items() if k in page.fields} for item in items]
    return json_response({plural: items, links_key or f"{plural}_links": page.links})
