"""What every identity handler shares: policy, links, collections, domain-error mapping."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.identity.objects.errors import (
    Conflict,
    Forbidden,
    IdentityError,
    Invalid,
    NotFound,
    Unauthorized,
)
from pocketstack.identity.service import Identity

__all__ = [
    "IdentityHandler", "authorize", "bind", "collection", "entity", "filters", "iso", "link",
    "parse_iso",
]

IdentityHandler = Callable[[Identity, Request], Awaitable[Response]]

_STATUS: dict[type[IdentityError], int] = {NotFound: 404, Conflict: 409, Forbidden: 403,
                                           Invalid: 400, Unauthorized: 401}


def bind(svc: Identity, handler: IdentityHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry for a handler: the service bound in, domain errors mapped."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(svc, request)
        except IdentityError as error:
            status = _STATUS.get(type(error), 400)
            headers = {}
            if status == 401:
                headers["WWW-Authenticate"] = f'Keystone uri="{context_of(request).base_url}"'
            raise ApiError(status, str(error), headers=headers) from None

    return endpoint


def authorize(svc: Identity, request: Request, rule: str,
              target: Mapping[str, Any] | None = None) -> RequestContext:
    ctx = context_of(request)
    auth = ctx.authenticated
    if not svc.enforcer.check(rule, target or {}, auth.credentials()):
        raise ApiError(403, f"You are not authorized to perform the requested action: {rule}.")
    return ctx


def link(ctx: RequestContext, path: str) -> str:
    return f"{ctx.base_url}/v3/{path}"


def entity(ctx: RequestContext, coll: str, data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "links": {"self": link(ctx, f"{coll}/{data['id']}")}}


def collection(ctx: RequestContext, request: Request, key: str, coll: str,
               items: list[dict[str, Any]]) -> dict[str, Any]:
    self_url = f"{ctx.base_url}{request.url.path[len(request.scope.get('root_path', '')):]}"
    return {key: [entity(ctx, coll, item) for item in items],
            "links": {"self": self_url, "previous": None, "next": None}}


def filters(request: Request, *names: str) -> dict[str, str | None]:
    return {name: request.query_params.get(name) for name in names}


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    moment = datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> float:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid timestamp: {text}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()
