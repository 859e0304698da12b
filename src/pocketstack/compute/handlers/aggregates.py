"""Compute handlers: aggregates (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = [
    "aggregate_action",
    "create_aggregate",
    "delete_aggregate",
    "list_aggregates",
    "show_aggregate",
    "update_aggregate",
]


async def aggregate_action(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def create_aggregate(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def delete_aggregate(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def list_aggregates(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_aggregate(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def update_aggregate(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
