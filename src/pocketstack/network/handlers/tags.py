"""/v2.0/<resources>/{id}/tags[/{tag}] (standard-attr-tag): read, replace, add, remove.

Reading needs the resource's ``get_`` rule, changing its tags the ``update_`` rule.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.network.handlers.base import authorize, viewer
from pocketstack.network.objects import networks, ports, security_groups, subnets, tags
from pocketstack.network.objects.common import Viewer
from pocketstack.network.objects.errors import HTTPBadRequest, TagNotFound
from pocketstack.network.schemas.networks import TAGS_BODY
from pocketstack.network.service import Network as NetworkService

__all__ = ["handlers_for"]


_Getter = Callable[[AsyncConnection, Viewer, str], Awaitable[Any]]

# collection in the URL -> (tags kind, singular for the policy rules, getter)
_RESOURCES: dict[str, tuple[str, str, _Getter]] = {
    "networks": ("networks", "network", networks.get),
    "subnets": ("subnets", "subnet", subnets.get),
    "ports": ("ports", "port", ports.get),
    "security-groups": ("security_groups", "security_group", security_groups.get),
}

TagHandler = Callable[[NetworkService, Request], Awaitable[Response]]


def _tag(request: Request) -> str:
    tag = str(request.path_params["tag"])
    if "," in tag or len(tag) > 255:
        raise HTTPBadRequest(f"Invalid input for tags. Reason: '{tag}' is not a valid tag.")
    return tag


def handlers_for(collection: str) -> dict[str, dict[str, TagHandler]]:
    """The handlers of ``/<collection>/{id}/tags`` and ``.../tags/{tag}``, by method."""
    kind, singular, get = _RESOURCES[collection]

    async def _resource(
        svc: NetworkService, request: Request, conn: AsyncConnection, write: bool
    ) -> Any:
        found = await get(conn, viewer(svc, request), request.path_params["id"])
        action = "update" if write else "get"
        authorize(svc, request, f"{action}_{singular}", {"project_id": found.project_id})
        return found

    async def list_tags(svc: NetworkService, request: Request) -> Response:
        async with svc.reading() as conn:
            found = await _resource(svc, request, conn, False)
        return json_response({"tags": list(found.standard.tags)})

    async def check_tag(svc: NetworkService, request: Request) -> Response:
        tag = _tag(request)
        async with svc.reading() as conn:
            found = await _resource(svc, request, conn, False)
        if tag not in found.standard.tags:
            raise TagNotFound(tag=tag, resource=kind, resource_id=found.id)
        return empty_response(204)

    async def replace_tags(svc: NetworkService, request: Request) -> Response:
        names = _read_tags(await request.body())
        async with svc.writing() as conn:
            found = await _resource(svc, request, conn, True)
            await tags.replace(conn, kind, found.id, names)
        return json_response({"tags": sorted(dict.fromkeys(names))})

    async def add_tag(svc: NetworkService, request: Request) -> Response:
        tag = _tag(request)
        async with svc.writing() as conn:
            found = await _resource(svc, request, conn, True)
            await tags.add(conn, kind, found.id, tag)
        return empty_response(201)

    async def remove_tags(svc: NetworkService, request: Request) -> Response:
        async with svc.writing() as conn:
            found = await _resource(svc, request, conn, True)
            await tags.replace(conn, kind, found.id, [])
        return empty_response(204)

    async def remove_tag(svc: NetworkService, request: Request) -> Response:
        tag = _tag(request)
        async with svc.writing() as conn:
            found = await _resource(svc, request, conn, True)
            await tags.remove(conn, kind, found.id, tag)
        return empty_response(204)

    return {
        "tags": {"GET": list_tags, "PUT": replace_tags, "DELETE": remove_tags},
        "tag": {"GET": check_tag, "PUT": add_tag, "DELETE": remove_tag},
    }


def _read_tags(raw: bytes) -> list[str]:
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        raise HTTPBadRequest("Malformed request body") from None
    errors = TAGS_BODY.errors(body)
    if errors or not isinstance(body, dict):
        raise HTTPBadRequest(errors[0] if errors else "Resource body required")
    return list(body["tags"])
