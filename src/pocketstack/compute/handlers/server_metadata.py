"""/servers/{id}/metadata and /metadata/{key}: the instance's metadata column.

Writes read and write the row in one cell transaction (the writer engine serializes them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.server_delete import check_locked
from pocketstack.compute.handlers.servers import find_server
from pocketstack.compute.objects import instances, quotas
from pocketstack.compute.schemas import servers as schemas
from pocketstack.compute.service import Compute

__all__ = [
    "delete_metadata_item",
    "list_metadata",
    "replace_metadata",
    "set_metadata_item",
    "show_metadata_item",
    "update_metadata",
]

_RULE = "os_compute_api:server-metadata:"
Change = Callable[[dict[str, str]], dict[str, str]]


async def _read(svc: Compute, request: Request, rule: str) -> dict[str, str]:
    _, found = await find_server(svc, request, request.path_params["server_id"], _RULE + rule)
    return dict(found.instance["metadata"])


async def _write(svc: Compute, request: Request, rule: str, change: Change) -> dict[str, str]:
    """Apply ``change`` to the current metadata in the instance's cell; the new metadata."""
    server_id = request.path_params["server_id"]
    ctx, found = await find_server(svc, request, server_id, _RULE + rule)
    check_locked(ctx, found)
    if found.cell is None:
        raise ApiError(409, f"Cannot 'update metadata' instance {server_id} while it is in "
                            "vm_state building")
    async with svc.reading() as api:
        allowed = (await quotas.project_limits(api, svc.settings.quota, found.instance[
            "project_id"]))["metadata_items"]
    async with found.cell.writing() as conn:
        current = await instances.get_instance(conn, server_id)
        new = change(dict(current["metadata"]))
        if 0 <= allowed < len(new):
            raise ApiError(403, f"Maximum number of metadata items exceeds {allowed}")
        await instances.update_instance(conn, server_id, {"metadata": new})
    return new


def _key(request: Request, metadata: dict[str, str]) -> str:
    key = str(request.path_params["key"])
    if key not in metadata:
        raise ApiError(404, "Metadata item was not found")
    return key


async def list_metadata(svc: Compute, request: Request) -> Response:
    return json_response({"metadata": await _read(svc, request, "index")})


async def show_metadata_item(svc: Compute, request: Request) -> Response:
    metadata = await _read(svc, request, "show")
    key = _key(request, metadata)
    return json_response({"meta": {key: metadata[key]}})


async def update_metadata(svc: Compute, request: Request) -> Response:
    given: dict[str, str] = (await read_json(request, schemas.METADATA))["metadata"]
    new = await _write(svc, request, "create", lambda old: {**old, **given})
    return json_response({"metadata": new})


async def replace_metadata(svc: Compute, request: Request) -> Response:
    given: dict[str, str] = (await read_json(request, schemas.METADATA))["metadata"]
    await _write(svc, request, "update_all", lambda old: dict(given))
    return json_response({"metadata": given})


async def set_metadata_item(svc: Compute, request: Request) -> Response:
    meta: dict[str, Any] = (await read_json(request, schemas.METADATA_ITEM))["meta"]
    key = str(request.path_params["key"])
    if list(meta) != [key]:
        raise ApiError(400, "Request body and URI mismatch")
    await _write(svc, request, "update", lambda old: {**old, key: meta[key]})
    return json_response({"meta": meta})


async def delete_metadata_item(svc: Compute, request: Request) -> Response:
    def drop(old: dict[str, str]) -> dict[str, str]:
        _key(request, old)
        return {k: v for k, v in old.items() if k != request.path_params["key"]}

    await _write(svc, request, "delete", drop)
    return empty_response(204)
