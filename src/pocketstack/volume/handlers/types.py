"""/types: list and show for everyone (public types), create and delete for admins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import RequestContext
from pocketstack.common.schema import read_json
from pocketstack.volume.handlers.base import authorize, parse_bool
from pocketstack.volume.objects import types
from pocketstack.volume.objects.rows import VolumeType
from pocketstack.volume.schemas import types as schemas
from pocketstack.volume.service import VolumeService

__all__ = ["create_type", "delete_type", "get_type", "list_types"]


def _serialize(svc: VolumeService, ctx: RequestContext, vtype: VolumeType) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": vtype.id,
        "name": vtype.name,
        "description": vtype.description,
        "is_public": vtype.is_public,
        "os-volume-type-access:is_public": vtype.is_public,
        "extra_specs": dict(vtype.extra_specs),
    }
    creds = ctx.authenticated.credentials()
    if svc.enforcer.check("volume_extension:access_types_qos_specs_id", {}, creds):
        body["qos_specs_id"] = None
    return body


async def list_types(svc: VolumeService, request: Request) -> Response:
    ctx = authorize(svc, request, "volume_extension:type_get_all", None)
    raw = request.query_params.get("is_public")
    is_public = None if raw is None or raw.lower() == "none" else parse_bool(raw, "is_public")
    async with svc.reading() as conn:
        found = await types.list_(conn, admin=ctx.authenticated.is_admin, is_public=is_public)
    return json_response({"volume_types": [_serialize(svc, ctx, t) for t in found]})


async def get_type(svc: VolumeService, request: Request) -> Response:
    ctx = authorize(svc, request, "volume_extension:type_get", None)
    async with svc.reading() as conn:
        found = await types.find(
            conn, request.path_params["type_id"], admin=ctx.authenticated.is_admin
        )
    return json_response({"volume_type": _serialize(svc, ctx, found)})


async def create_type(svc: VolumeService, request: Request) -> Response:
    ctx = authorize(svc, request, "volume_extension:type_create", None)
    spec: dict[str, Any] = (await read_json(request, schemas.CREATE))["volume_type"]
    async with svc.writing() as conn:
        made = await types.create(
            conn,
            name=spec["name"].strip(),
            description=spec.get("description"),
            is_public=parse_bool(spec.get("os-volume-type-access:is_public", True), "is_public"),
            extra_specs=dict(spec.get("extra_specs") or {}),
        )
    return json_response({"volume_type": _serialize(svc, ctx, made)})


async def delete_type(svc: VolumeService, request: Request) -> Response:
    authorize(svc, request, "volume_extension:type_delete", None)
    async with svc.writing() as conn:
        await types.delete(conn, request.path_params["type_id"])
    return empty_response(202)
