"""The version documents: GET / (300, every version) and GET /v3 (200), without a token."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.volume.microversion import VERSION_RANGE
from pocketstack.volume.service import VolumeService

__all__ = ["list_versions", "show_v3"]

UPDATED = "2023-08-31T00:00:00Z"


def _v3(request: Request) -> dict[str, Any]:
    base = context_of(request).base_url
    return {
        "id": "v3.0",
        "status": "CURRENT",
        "version": VERSION_RANGE.format(VERSION_RANGE.maximum),
        "min_version": VERSION_RANGE.format(VERSION_RANGE.minimum),
        "updated": UPDATED,
        "links": [
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
            {"rel": "self", "href": f"{base}/v3/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}
        ],
    }


async def list_versions(svc: VolumeService, request: Request) -> Response:
    """Cinder answers its root with 300 Multiple Choices."""
    return json_response({"versions": [_v3(request)]}, 300)


async def show_v3(svc: VolumeService, request: Request) -> Response:
    return json_response({"versions": [_v3(request)]})
