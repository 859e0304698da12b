"""Compute handlers: instance_actions (placeholder: answers 501 until implemented)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.errors import ApiError
from pocketstack.compute.service import Compute

__all__ = ["list_actions", "show_action"]


async def list_actions(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")


async def show_action(svc: Compute, request: Request) -> Response:
    raise ApiError(501, "Not implemented yet.")
