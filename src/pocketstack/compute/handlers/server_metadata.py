"""Compute handlers: server_metadata (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = [
    "delete_metadata_item",
    "list_metadata",
    "replace_metadata",
    "set_metadata_item",
    "show_metadata_item",
    "update_metadata",
]


async def delete_metadata_item(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_metadata(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def replace_metadata(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def set_metadata_item(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_metadata_item(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def update_metadata(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
