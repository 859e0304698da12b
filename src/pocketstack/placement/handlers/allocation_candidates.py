"""PLACEHOLDER: being written (replace this whole module)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.placement.service import Placement


async def list_allocation_candidates(svc: Placement, request: Request) -> Response:
    raise ApiError(501, "not implemented yet")
