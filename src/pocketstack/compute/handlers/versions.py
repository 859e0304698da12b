"""Compute handlers: versions (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["list_versions", "redirect_v21", "show_v2", "show_v21"]


async def list_versions(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def redirect_v21(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_v2(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_v21(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
