"""Version discovery: GET / answers 300 with every version, GET /v3 the one version."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.identity.service import Identity

__all__ = ["root", "v3"]


def _version(base: str) -> dict[str, Any]:
    return {
        "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{base}/v3/"}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.identity-v3+json"}],
    }


async def root(svc: Identity, request: Request) -> Response:
    base = context_of(request).base_url
    return json_response({"versions": {"values": [_version(base)]}}, 300,
                         {"Location": f"{base}/v3/"})


async def v3(svc: Identity, request: Request) -> Response:
    return json_response({"version": _version(context_of(request).base_url)})
