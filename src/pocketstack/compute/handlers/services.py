"""Compute handlers: services (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["delete_service", "list_services", "update_service"]


async def delete_service(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_services(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def update_service(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
