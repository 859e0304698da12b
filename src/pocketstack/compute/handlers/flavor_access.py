"""Compute handlers: flavor_access (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["flavor_action", "list_flavor_access"]


async def flavor_action(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_flavor_access(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
