"""What every image handler shares: the bound service, the caller, policy, Glance's views."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.image.objects.errors import ImageError
from pocketstack.image.objects.images import Image, Viewer
from pocketstack.image.service import ImageService

__all__ = [
    "ImageHandler",
    "allowed",
    "authorize",
    "bind",
    "image_target",
    "isotime",
    "viewer",
]

ImageHandler = Callable[[ImageService, Request], Awaitable[Response]]


def bind(svc: ImageService, handler: ImageHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, domain errors mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(svc, request)
        except ImageError as error:
            raise ApiError(error.status, str(error)) from None

    return endpoint


def viewer(request: Request) -> Viewer:
    auth = context_of(request).authenticated
    return Viewer(project_id=auth.project_id, is_admin=auth.is_admin)


def image_target(image: Image, member_id: str | None = None) -> dict[str, Any]:
    """The policy target of an image: its owner, and the caller's project if a member."""
    return {"project_id": image.owner, "member_id": member_id}


def allowed(
    svc: ImageService, request: Request, rule: str, target: dict[str, Any] | None = None
) -> bool:
    credentials = context_of(request).authenticated.credentials()
    return svc.enforcer.check(rule, target or {}, credentials)


def authorize(
    svc: ImageService,
    request: Request,
    rule: str,
    target: dict[str, Any] | None = None,
    *,
    message: str | None = None,
) -> None:
    if not allowed(svc, request, rule, target):
        raise ApiError(403, message or f"You are not authorized to complete {rule} action.")


def isotime(moment: datetime.datetime) -> str:
    """Glance's timestamps: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
