"""Compute handlers: availability_zones (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["list_zones", "list_zones_detail"]


async def list_zones(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_zones_detail(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
