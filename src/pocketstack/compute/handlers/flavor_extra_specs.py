"""Compute handlers: flavor_extra_specs (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = [
    "create_extra_specs",
    "delete_extra_spec",
    "list_extra_specs",
    "show_extra_spec",
    "update_extra_spec",
]


async def create_extra_specs(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def delete_extra_spec(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_extra_specs(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_extra_spec(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def update_extra_spec(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
