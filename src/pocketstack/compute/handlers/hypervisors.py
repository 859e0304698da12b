"""Compute handlers: hypervisors (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["list_hypervisors", "list_hypervisors_detail", "show_hypervisor", "show_statistics"]


async def list_hypervisors(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_hypervisors_detail(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_hypervisor(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_statistics(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
