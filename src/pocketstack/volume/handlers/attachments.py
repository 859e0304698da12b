"""/attachments (3.27+): the attach flow Nova drives, and its reads.

create (reserve; with a connector also connect) -> update with the host's connector
(``attaching``, connection_info) -> action os-complete (3.44: ``attached``, volume
``in-use``) -> delete (the volume's status follows the attachments left).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.common.schema import read_json
from pocketstack.volume.handlers.base import (
    authorize,
    iso,
    parse_bool,
    require,
    visible_project,
    want,
)
from pocketstack.volume.objects import attachments, volumes
from pocketstack.volume.objects.rows import Attachment
from pocketstack.volume.schemas import attachments as schemas
from pocketstack.volume.service import VolumeService

__all__ = [
    "complete_attachment",
    "create_attachment",
    "delete_attachment",
    "get_attachment",
    "list_attachments",
    "list_attachments_detail",
    "update_attachment",
]

NEW_ATTACH, COMPLETION, MODE_ARG = (3, 27), (3, 44), (3, 54)


def _summary(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "status": attachment.attach_status,
        "instance": attachment.instance_uuid,
        "volume_id": attachment.volume_id,
    }


def _detail(attachment: Attachment) -> dict[str, Any]:
    return {
        **_summary(attachment),
        "attached_at": iso(attachment.attach_time) or "",
        "detached_at": "",
        "attach_mode": attachment.attach_mode,
        "connection_info": attachment.connection_info,
    }


async def _list(svc: VolumeService, request: Request, *, detailed: bool) -> Response:
    require(request, NEW_ATTACH)
    ctx = authorize(svc, request, "volume:attachment_get", context_of(request).project_id)
    auth = ctx.authenticated
    every = auth.is_admin and parse_bool(
        request.query_params.get("all_tenants", "0"), "all_tenants"
    )
    async with svc.reading() as conn:
        found = await attachments.list_(
            conn, None if every else auth.project_id or "", dict(request.query_params)
        )
    serialize = _detail if detailed else _summary
    return json_response({"attachments": [serialize(a) for a in found]})


async def list_attachments(svc: VolumeService, request: Request) -> Response:
    return await _list(svc, request, detailed=False)


async def list_attachments_detail(svc: VolumeService, request: Request) -> Response:
    return await _list(svc, request, detailed=True)


async def _visible(svc: VolumeService, request: Request, rule: str) -> Attachment:
    async with svc.reading() as conn:
        found = await attachments.get(
            conn, request.path_params["attachment_id"], visible_project(context_of(request))
        )
    authorize(svc, request, rule, found.project_id)
    return found


async def get_attachment(svc: VolumeService, request: Request) -> Response:
    require(request, NEW_ATTACH)
    return json_response(
        {"attachment": _detail(await _visible(svc, request, "volume:attachment_get"))}
    )


async def create_attachment(svc: VolumeService, request: Request) -> Response:
    require(request, NEW_ATTACH)
    checker = schemas.CREATE_V354 if want(request, MODE_ARG) else schemas.CREATE
    spec: dict[str, Any] = (await read_json(request, checker))["attachment"]
    scope = visible_project(context_of(request))
    async with svc.reading() as conn:
        volume = await volumes.get(conn, spec["volume_uuid"], scope)
    authorize(svc, request, "volume:attachment_create", volume.project_id)
    async with svc.writing() as conn:
        made = await attachments.reserve(
            conn,
            volume.id,
            scope,
            instance_uuid=spec.get("instance_uuid"),
            mode=spec.get("mode", "null"),
        )
        if spec.get("connector"):
            made = await attachments.connect(
                conn,
                made.id,
                scope,
                spec["connector"],
                svc.backend.connection_info(volume.id, made.id, spec.get("mode") or "rw"),
            )
    return json_response({"attachment": _detail(made)})


async def update_attachment(svc: VolumeService, request: Request) -> Response:
    require(request, NEW_ATTACH)
    found = await _visible(svc, request, "volume:attachment_update")
    connector: dict[str, Any] = (await read_json(request, schemas.UPDATE))["attachment"][
        "connector"
    ]
    mode = found.attach_mode if found.attach_mode != "null" else connector.get("mode") or "rw"
    info = svc.backend.connection_info(found.volume_id, found.id, str(mode))
    async with svc.writing() as conn:
        updated = await attachments.connect(conn, found.id, None, connector, info)
    return json_response({"attachment": _detail(updated)})


async def complete_attachment(svc: VolumeService, request: Request) -> Response:
    require(request, COMPLETION)
    found = await _visible(svc, request, "volume:attachment_complete")
    await read_json(request, schemas.COMPLETE)
    async with svc.writing() as conn:
        await attachments.complete(conn, found.id, None)
    return empty_response(204)


async def delete_attachment(svc: VolumeService, request: Request) -> Response:
    require(request, NEW_ATTACH)
    found = await _visible(svc, request, "volume:attachment_delete")
    async with svc.writing() as conn:
        left = await attachments.delete(conn, found.id, None)
    return json_response({"attachments": [_summary(a) for a in left]})
