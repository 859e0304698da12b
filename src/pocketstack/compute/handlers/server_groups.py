"""Compute handlers: server_groups (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["create_server_group", "delete_server_group", "list_server_groups", "show_server_group"]


async def create_server_group(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def delete_server_group(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_server_groups(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_server_group(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
