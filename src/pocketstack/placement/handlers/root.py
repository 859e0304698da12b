"""GET /: the version document, to any caller and any version header."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.placement.microversion import VERSION_RANGE
from pocketstack.placement.service import Placement

__all__ = ["home"]


async def home(svc: Placement, request: Request) -> Response:
    return json_response({"versions": [{
        "id": "v1.0",
        "max_version": VERSION_RANGE.format(VERSION_RANGE.maximum),
        "min_version": VERSION_RANGE.format(VERSION_RANGE.minimum),
        "status": "CURRENT",
        "links": [{"rel": "self", "href": ""}],
    }]})
