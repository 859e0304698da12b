"""``/`` and ``/v1``: the version documents, served without a token."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.vision.service import Vision

__all__ = ["version_v1", "versions"]


def _v1(request: Request) -> dict[str, Any]:
    return {
        "id": "v1",
        "status": "CURRENT",
        "links": [{"rel": "self", "href": f"{context_of(request).base_url}/v1/"}],
    }


async def versions(svc: Vision, request: Request) -> Response:
    return json_response({"versions": [_v1(request)]})


async def version_v1(svc: Vision, request: Request) -> Response:
    return json_response({"version": _v1(request)})
