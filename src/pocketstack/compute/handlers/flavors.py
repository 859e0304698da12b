"""Compute handlers: flavors (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = [
    "create_flavor",
    "delete_flavor",
    "list_flavors",
    "list_flavors_detail",
    "show_flavor",
    "update_flavor",
]


async def create_flavor(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def delete_flavor(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_flavors(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_flavors_detail(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_flavor(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def update_flavor(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
