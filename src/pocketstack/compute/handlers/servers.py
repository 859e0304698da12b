"""Compute handlers: servers (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = [
    "create_server",
    "delete_server",
    "list_servers",
    "list_servers_detail",
    "show_server",
    "update_server",
]


async def create_server(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def delete_server(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_servers(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_servers_detail(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_server(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def update_server(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
