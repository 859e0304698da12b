"""``GET /`` (the version list) and ``GET /v2``, ``/v2.0`` (the bare string "v2")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["CURRENT", "list_versions", "show_v2"]

# The highest API minor we implement (2.25: PROMETHEUS listeners; later minors — additional
# VIPs, HSTS shapes, vNIC types — are advertised only once implemented).
CURRENT = 25
_UPDATED = {0: "2016-12-11T00:00:00Z", 25: "2021-10-02T00:00:00Z"}


async def list_versions(svc: LoadBalancerService, request: Request) -> Response:
    base = context_of(request).base_url
    versions = [{"id": f"v2.{minor}", "status": "CURRENT" if minor == CURRENT else "SUPPORTED",
                 "updated": _UPDATED.get(minor, "2020-01-01T00:00:00Z"),
                 "links": [{"href": f"{base}/v2", "rel": "self"}]}
                for minor in range(CURRENT + 1)]
    return json_response({"versions": versions})


async def show_v2(svc: LoadBalancerService, request: Request) -> Response:
    return json_response("v2")
