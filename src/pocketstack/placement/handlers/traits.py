"""PLACEHOLDER: being written (replace this whole module)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.placement.service import Placement


async def list_traits(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def get_trait(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def put_trait(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def delete_trait(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def list_provider_traits(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def update_provider_traits(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")


async def delete_provider_traits(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")
