"""The version documents: ``GET /`` (the versions) and ``GET /v2.0/`` (the resources)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.network.service import Network

__all__ = ["resources", "versions"]

_RESOURCES = (("network", "networks"), ("subnet", "subnets"), ("port", "ports"))


async def versions(svc: Network, request: Request) -> Response:
    base = context_of(request).base_url
    return json_response(
        {
            "versions": [
                {
                    "id": "v2.0",
                    "status": "CURRENT",
                    "links": [{"rel": "self", "href": f"{base}/v2.0/"}],
                }
            ]
        }
    )


async def resources(svc: Network, request: Request) -> Response:
    base = context_of(request).base_url
    return json_response(
        {
            "resources": [
                {
                    "name": name,
                    "collection": plural,
                    "links": [{"rel": "self", "href": f"{base}/v2.0/{plural}"}],
                }
                for name, plural in _RESOURCES
            ]
        }
    )
