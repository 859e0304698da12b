"""/volumes/{id}/metadata: show, merge (POST), replace (PUT); one key: show, set, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.volume.handlers.base import authorize, visible_project
from pocketstack.volume.objects import volumes
from pocketstack.volume.objects.rows import Volume
from pocketstack.volume.schemas import volumes as schemas
from pocketstack.volume.service import VolumeService

__all__ = [
    "delete_metadata_item",
    "get_metadata",
    "get_metadata_item",
    "merge_metadata",
    "replace_metadata",
    "set_metadata_item",
]


async def _volume(svc: VolumeService, request: Request, rule: str) -> Volume:
    async with svc.reading() as conn:
        volume = await volumes.get(
            conn, request.path_params["volume_id"], visible_project(context_of(request))
        )
    authorize(svc, request, rule, volume.project_id)
    return volume


async def _write(
    svc: VolumeService, volume: Volume, change: Callable[[dict[str, str]], dict[str, str]]
) -> dict[str, str]:
    """Apply ``change`` to the metadata under the volume's row lock (no lost update)."""
    async with svc.writing() as conn:
        locked = await volumes.lock(conn, volume.id, None)
        metadata = change(dict(locked.metadata))
        return dict((await volumes.update(conn, locked, {"metadata": metadata})).metadata)


async def get_metadata(svc: VolumeService, request: Request) -> Response:
    volume = await _volume(svc, request, "volume:get_volume_metadata")
    return json_response({"metadata": volume.metadata})


async def merge_metadata(svc: VolumeService, request: Request) -> Response:
    volume = await _volume(svc, request, "volume:update_volume_metadata")
    body: dict[str, Any] = await read_json(request, schemas.METADATA)
    merged = await _write(svc, volume, lambda old: {**old, **body["metadata"]})
    return json_response({"metadata": merged})


async def replace_metadata(svc: VolumeService, request: Request) -> Response:
    volume = await _volume(svc, request, "volume:update_volume_metadata")
    body: dict[str, Any] = await read_json(request, schemas.METADATA)
    return json_response({"metadata": await _write(svc, volume, lambda _: dict(body["metadata"]))})


def _key(request: Request, volume: Volume) -> str:
    key = str(request.path_params["key"])
    if key not in volume.metadata:
        raise ApiError(404, f"Volume {volume.id} has no metadata with key {key}.")
    return key


async def get_metadata_item(svc: VolumeService, request: Request) -> Response:
    volume = await _volume(svc, request, "volume:get_volume_metadata")
    key = _key(request, volume)
    return json_response({"meta": {key: volume.metadata[key]}})


async def set_metadata_item(svc: VolumeService, request: Request) -> Response:
    volume = await _volume(svc, request, "volume:update_volume_metadata")
    body: dict[str, Any] = await read_json(request, schemas.METADATA_ITEM)
    key = str(request.path_params["key"])
    if key not in body["meta"]:
        raise ApiError(400, "Request body and URI mismatch")
    await _write(svc, volume, lambda old: {**old, key: body["meta"][key]})
    return json_response({"meta": {key: body["meta"][key]}})


async def delete_metadata_item(svc: VolumeService, request: Request) -> Response:
    volume = await _volume(svc, request, "volume:delete_volume_metadata")
    key = _key(request, volume)
    await _write(svc, volume, lambda old: {k: v for k, v in old.items() if k != key})
    return empty_response(200)
