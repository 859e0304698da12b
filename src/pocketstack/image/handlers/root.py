"""``GET /`` (300 Multiple Choices) and ``GET /versions`` (200): Glance's version document,
to any caller. Every v2.x entry points at the same ``/v2/``; there are no microversions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.image.service import ImageService

__all__ = ["CURRENT", "list_versions", "multiple_choices", "versions_document"]

CURRENT = 17  # v2.17 is Glance's current version; v2.0 to v2.16 are SUPPORTED


def versions_document(base_url: str) -> dict[str, Any]:
    href = f"{base_url}/v2/"
    return {
        "versions": [
            {
                "id": f"v2.{minor}",
                "status": "CURRENT" if minor == CURRENT else "SUPPORTED",
                "links": [{"rel": "self", "href": href}],
            }
            for minor in range(CURRENT, -1, -1)
        ]
    }


async def multiple_choices(svc: ImageService, request: Request) -> Response:
    return json_response(versions_document(context_of(request).base_url), 300)


async def list_versions(svc: ImageService, request: Request) -> Response:
    return json_response(versions_document(context_of(request).base_url))
