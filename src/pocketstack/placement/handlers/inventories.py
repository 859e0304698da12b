"""PLACEHOLDER: being written (replace this whole module)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.placement.service import Placement


async def get_inventories(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def create_inventory(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def set_inventories(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def delete_inventories(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def get_inventory(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def update_inventory(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def delete_inventory(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")
