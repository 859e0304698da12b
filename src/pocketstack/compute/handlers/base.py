"""What every compute handler shares: binding, policy, microversions, links, errors."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.compute.objects.flavors import FlavorNotFound
from pocketstack.compute.objects.instances import InstanceNotFound
from pocketstack.compute.objects.server_list import CellUnreachable
from pocketstack.compute.service import Compute

__all__ = [
    "ComputeHandler",
    "authorize",
    "bind",
    "cell_failure",
    "links",
    "require",
    "version",
    "want",
]

ComputeHandler = Callable[[Compute, Request], Awaitable[Response]]

# What Nova answers when a cell it needs does not (a NovaException surfacing as a 500).
_CELL_FAILURE = ("Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ "
                 "and attach the Nova API log if possible.\n"
                 "<class 'nova.exception.NovaException'>")


def cell_failure() -> ApiError:
    """Nova's 500 for a request that needed a cell that is down."""
    return ApiError(500, _CELL_FAILURE)


def bind(svc: Compute, handler: ComputeHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, the URL's project checked (Nova's 400),
    domain errors mapped to Nova faults."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        in_path = request.path_params.get("project_id")
        auth = context_of(request).auth
        if in_path is not None and auth is not None and auth.project_id != in_path:
            raise ApiError(
                400,
                f"Malformed request URL: URL's project_id '{in_path}' doesn't "
                f"match Context's project_id '{auth.project_id}'",
            )
        try:
            return await handler(svc, request)
        except (InstanceNotFound, FlavorNotFound) as error:
            raise ApiError(404, str(error)) from None
        except CellUnreachable:  # an API that needs the instance, its cell down (§2.5)
            raise cell_failure() from None

    return endpoint


def authorize(
    svc: Compute, request: Request, rule: str, target: Mapping[str, Any] | None = None
) -> RequestContext:
    """403 in Nova's words unless ``rule`` allows the caller on ``target`` (by default the
    caller's own project)."""
    ctx = context_of(request)
    auth = ctx.authenticated
    target = (
        target if target is not None else {"project_id": auth.project_id, "user_id": auth.user_id}
    )
    if not svc.enforcer.check(rule, target, auth.credentials()):
        raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")
    return ctx


def version(request: Request) -> tuple[int, int]:
    negotiated = context_of(request).version
    return negotiated if negotiated is not None else (2, 1)


def want(request: Request, minimum: tuple[int, int]) -> bool:
    """True when the request's microversion is at least ``minimum``."""
    return version(request) >= minimum


def require(request: Request, minimum: tuple[int, int]) -> None:
    """404 below ``minimum``: the route does not exist at the requested version."""
    if not want(request, minimum):
        raise ApiError(404, "The resource could not be found.")


def links(request: Request, collection: str, item_id: str) -> list[dict[str, str]]:
    """``self`` (versioned) and ``bookmark`` (unversioned) links, with the URL's project id
    segment when the request had one."""
    base = context_of(request).base_url  # the mount point, e.g. http://host/compute
    project = request.path_params.get("project_id")
    tail = f"{project}/{collection}/{item_id}" if project else f"{collection}/{item_id}"
    return [
        {"rel": "self", "href": f"{base}/v2.1/{tail}"},
        {"rel": "bookmark", "href": f"{base}/{tail}"},
    ]
