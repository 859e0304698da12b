"""``/`` and ``/v1``: Barbican's version documents, served without a token.

The root answers 300 with ``{"versions": {"values": [...]}}``, the form Barbican gives a
client that asks for no microversion (or 1.0); keystoneauth finds ``v1`` there by its
``self`` link, and python-barbicanclient reads ``status: stable`` on ``/v1`` as "1.0 only".
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.secrets.service import KeyManager

__all__ = ["version_v1", "versions"]


def _v1(request: Request) -> dict[str, Any]:
    return {
        "id": "v1",
        "status": "stable",
        "links": [
            {"rel": "self", "href": f"{context_of(request).base_url}/v1/"},
            {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.key-manager-v1+json"}
        ],
    }


async def versions(svc: KeyManager, request: Request) -> Response:
    return json_response({"versions": {"values": [_v1(request)]}}, 300)


async def version_v1(svc: KeyManager, request: Request) -> Response:
    return json_response({"version": _v1(request)})
