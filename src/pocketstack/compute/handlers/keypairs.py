"""Compute handlers: keypairs (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["create_keypair", "delete_keypair", "list_keypairs", "show_keypair"]


async def create_keypair(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def delete_keypair(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_keypairs(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_keypair(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
