"""POST /volumes/{id}/action: os-extend (available volumes) and os-reset_status (admin)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json, validate
from pocketstack.volume.handlers.base import authorize, visible_project
from pocketstack.volume.objects import volumes
from pocketstack.volume.objects.errors import InvalidVolume
from pocketstack.volume.objects.rows import Volume
from pocketstack.volume.schemas import volumes as schemas
from pocketstack.volume.service import VolumeService

__all__ = ["volume_action"]


async def volume_action(svc: VolumeService, request: Request) -> Response:
    body: dict[str, Any] = await read_json(request, schemas.ACTION)
    [name] = body
    action = _ACTIONS.get(name)
    if action is None:
        raise ApiError(400, f"There is no such action: {name}")
    async with svc.reading() as conn:
        volume = await volumes.get(
            conn, request.path_params["volume_id"], visible_project(context_of(request))
        )
    return await action(svc, request, volume, body)


async def _extend(
    svc: VolumeService, request: Request, volume: Volume, body: dict[str, Any]
) -> Response:
    """``extending`` with the new size; the reconciler grows the file, then ``available``."""
    authorize(svc, request, "volume:extend", volume.project_id)
    validate(schemas.EXTEND, body)
    new_size = int(str(body["os-extend"]["new_size"]))
    if new_size <= volume.size:
        raise ApiError(
            400,
            "Invalid input received: New size for extend must be greater "
            f"than current size. (current: {volume.size}, "
            f"extended: {new_size}).",
        )
    async with svc.writing() as conn:
        if not await volumes.move(conn, volume.id, ["available"], "extending", size=new_size):
            current = (await volumes.get(conn, volume.id, None)).status
            raise InvalidVolume(
                f"Volume {volume.id} status must be 'available' to extend, "
                f"but current status is: {current}."
            )
    svc.nudge(volume.id)
    return empty_response(202)


async def _reset_status(
    svc: VolumeService, request: Request, volume: Volume, body: dict[str, Any]
) -> Response:
    """Admin: force a status (a stuck or failed volume); the reconciler acts on it."""
    authorize(svc, request, "volume_extension:volume_admin_actions:reset_status", volume.project_id)
    validate(schemas.RESET_STATUS, body)
    status = body["os-reset_status"].get("status")
    if status is not None:
        async with svc.writing() as conn:
            await volumes.move(conn, volume.id, [volume.status], status, status_reason=None)
        svc.nudge(volume.id)
    return empty_response(202)


_ACTIONS = {"os-extend": _extend, "os-reset_status": _reset_status}
