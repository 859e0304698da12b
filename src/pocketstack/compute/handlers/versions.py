"""The version documents (unauthenticated, outside microversion control): ``/``, ``/v2/``,
``/v2.1/``, and ``/v2.1`` redirecting to ``/v2.1/``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.compute.microversion import VERSION_RANGE
from pocketstack.compute.service import Compute

__all__ = ["list_versions", "redirect_v21", "show_v2", "show_v21"]

_MEDIA = "application/vnd.openstack.compute+json;version="
_MAX = f"{VERSION_RANGE.maximum[0]}.{VERSION_RANGE.maximum[1]}"
_MIN = f"{VERSION_RANGE.minimum[0]}.{VERSION_RANGE.minimum[1]}"


def _v20(base: str) -> dict[str, Any]:
    return {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
            "updated": "2025-07-04T12:00:00Z",
            "links": [{"rel": "self", "href": f"{base}/v2/"}]}


def _v21(base: str) -> dict[str, Any]:
    return {"id": "v2.1", "status": "CURRENT", "version": _MAX, "min_version": _MIN,
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{base}/v2.1/"}]}


def _detailed(version: dict[str, Any], media: str) -> dict[str, Any]:
    links = [*version["links"], {"rel": "describedby", "type": "text/html",
                                 "href": "http://docs.openstack.org/"}]
    return {"version": {**version, "links": links, "media-types": [
        {"base": "application/json", "type": _MEDIA + media}]}}


async def list_versions(svc: Compute, request: Request) -> Response:
    base = context_of(request).base_url
    return json_response({"versions": [_v20(base), _v21(base)]})


async def redirect_v21(svc: Compute, request: Request) -> Response:
    """``/v2.1`` → 302 to ``/v2.1/`` (the route table ignores the trailing slash, so the
    slashed path arrives here too)."""
    if request.scope["path"].endswith("/"):
        return await show_v21(svc, request)
    return RedirectResponse(context_of(request).base_url + "/v2.1/", status_code=302)


async def show_v2(svc: Compute, request: Request) -> Response:
    return json_response(_detailed(_v20(context_of(request).base_url), "2"))


async def show_v21(svc: Compute, request: Request) -> Response:
    return json_response(_detailed(_v21(context_of(request).base_url), "2.1"))
