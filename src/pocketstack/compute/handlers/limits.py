"""Compute handlers: limits (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["show_limits"]


async def show_limits(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
