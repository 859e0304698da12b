"""What every volume handler shares: policy, microversions, scoping, links, errors."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.volume.objects.errors import VolumeError
from pocketstack.volume.service import VolumeService

__all__ = [
    "VolumeHandler",
    "authorize",
    "bind",
    "iso",
    "parse_bool",
    "query_int",
    "require",
    "version",
    "visible_project",
    "want",
]

VolumeHandler = Callable[[VolumeService, Request], Awaitable[Response]]

_TRUE = {"1", "t", "true", "on", "y", "yes"}
_FALSE = {"0", "f", "false", "off", "n", "no"}


def bind(svc: VolumeService, handler: VolumeHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, the URL's project checked, domain errors
    mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        in_path = request.path_params.get("project_id")
        auth = context_of(request).auth
        if in_path is not None and auth is not None and auth.project_id != in_path:
            raise ApiError(400, "Malformed request url")
        try:
            return await handler(svc, request)
        except VolumeError as error:
            raise ApiError(error.status, str(error)) from None

    return endpoint


def authorize(
    svc: VolumeService, request: Request, rule: str, project_id: str | None
) -> RequestContext:
    """403 unless ``rule`` allows the caller on a resource of ``project_id``."""
    ctx = context_of(request)
    target = {"project_id": project_id}
    if not svc.enforcer.check(rule, target, ctx.authenticated.credentials()):
        raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")
    return ctx


def visible_project(ctx: RequestContext) -> str | None:
    """Whose resources a lookup may find: any project's for an admin (None), else only the
    token's project (another project's volume is 404, never 403)."""
    auth = ctx.authenticated
    return None if auth.is_admin else (auth.project_id or "")


def version(request: Request) -> tuple[int, int]:
    negotiated = context_of(request).version
    return negotiated if negotiated is not None else (3, 0)


def want(request: Request, minimum: tuple[int, int]) -> bool:
    """True when the request's microversion is at least ``minimum``."""
    return version(request) >= minimum


def require(request: Request, minimum: tuple[int, int]) -> None:
    """404 below ``minimum``, as Cinder answers a method its version does not have."""
    if not want(request, minimum):
        major, minor = version(request)
        raise ApiError(404, f"API version {major}.{minor} is not supported on this method.")


def iso(moment: datetime.datetime | None) -> str | None:
    """Cinder's timestamps: ISO 8601 with microseconds and no zone (UTC)."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse_bool(value: str | bool | None, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ApiError(400, f"Invalid input received: {name} must be a boolean, not {value!r}.")


def query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise ApiError(400, f"Invalid input received: {name} must be a non-negative integer.")
    return int(raw)
