"""What every placement handler shares: policy, microversion checks, query params, errors."""

from __future__ import annotations

import datetime
import email.utils
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.placement import errors as codes
from pocketstack.placement.objects.errors import PlacementError
from pocketstack.placement.service import Placement

__all__ = [
    "PlacementHandler",
    "authorize",
    "bind",
    "cache_headers",
    "placement_json",
    "query_single",
    "require",
    "version",
    "want",
]

PlacementHandler = Callable[[Placement, Request], Awaitable[Response]]


def bind(svc: Placement, handler: PlacementHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, domain errors mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(svc, request)
        except PlacementError as error:
            raise ApiError(error.status, str(error), code=error.code) from None

    return endpoint


def authorize(svc: Placement, request: Request, rule: str) -> RequestContext:
    ctx = context_of(request)
    if not svc.enforcer.check(rule, {}, ctx.authenticated.credentials()):
        raise ApiError(403, f"Policy does not allow {rule} to be performed.",
                       code=codes.DEFAULT)
    return ctx


def version(request: Request) -> tuple[int, int]:
    negotiated = context_of(request).version
    return negotiated if negotiated is not None else (1, 0)


def want(request: Request, minimum: tuple[int, int]) -> bool:
    """True when the request's microversion is at least ``minimum``."""
    return version(request) >= minimum


def require(request: Request, minimum: tuple[int, int]) -> None:
    """404 below ``minimum``, as upstream answers a route that did not exist yet."""
    if not want(request, minimum):
        raise ApiError(404, "The resource could not be found.", code=codes.DEFAULT)


def query_single(request: Request, name: str) -> str | None:
    """A query parameter that may appear at most once (400 duplicate_key otherwise)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"Query parameter {name!r} may only be given once.",
                       code=codes.ILLEGAL_DUPLICATE_QUERYPARAM)
    return values[0] if values else None


def _http_date(moment: datetime.datetime | None) -> str:
    stamp = (moment or datetime.datetime.now(datetime.UTC).replace(tzinfo=None))
    return email.utils.format_datetime(stamp.replace(tzinfo=datetime.UTC), usegmt=True)


def cache_headers(request: Request,
                  last_modified: datetime.datetime | None = None) -> dict[str, str]:
    """From 1.15: ``last-modified`` (``None``: now) and ``cache-control: no-cache``."""
    if not want(request, (1, 15)):
        return {}
    return {"last-modified": _http_date(last_modified), "cache-control": "no-cache"}


def placement_json(request: Request, body: Any, status: int = 200, *,
                   last_modified: datetime.datetime | None = None,
                   headers: dict[str, str] | None = None,
                   cache: bool | None = None) -> Response:
    """A JSON response; from 1.15 GETs carry ``last-modified`` and ``cache-control``.

    ``cache=True`` adds them to a PUT/POST answer too (upstream does where it has a body).
    """
    sent = dict(headers or {})
    if request.method in ("GET", "HEAD") if cache is None else cache:
        sent.update(cache_headers(request, last_modified))
    return json_response(body, status, sent)
