"""/volumes: list (summary and detail), create, show, update, delete."""

from __future__ import annotations

import ast
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.volume.handlers import volume_view as view
from pocketstack.volume.handlers.base import (
    authorize,
    parse_bool,
    query_int,
    visible_project,
    want,
)
from pocketstack.volume.objects import types, volumes
from pocketstack.volume.objects.rows import Volume
from pocketstack.volume.schemas import volumes as schemas
from pocketstack.volume.service import VolumeService

__all__ = [
    "create_volume",
    "delete_volume",
    "get_volume",
    "list_volumes",
    "list_volumes_detail",
    "update_volume",
]

AVAILABILITY_ZONE = "nova"
_FILTERS = ("name", "status", "availability_zone", "size", "id")


def _sort(request: Request) -> tuple[tuple[str, str], ...]:
    """``sort=key:dir,key`` or the older ``sort_key``/``sort_dir``; 400 on a bad direction."""
    params = request.query_params
    if "sort" in params:
        pairs = [item.partition(":") for item in params["sort"].split(",") if item]
        found = tuple((key.strip(), (d or "desc").strip().lower()) for key, _, d in pairs)
    else:
        found = ((params.get("sort_key", "created_at"), params.get("sort_dir", "desc").lower()),)
    for _, direction in found:
        if direction not in ("asc", "desc"):
            raise ApiError(400, f"Invalid input received: Invalid sort direction {direction}.")
    return found


def _list_query(request: Request, ctx: RequestContext) -> volumes.ListQuery:
    params = request.query_params
    auth = ctx.authenticated
    every = auth.is_admin and parse_bool(params.get("all_tenants", "0"), "all_tenants")
    project = params.get("project_id") if every else auth.project_id or ""
    filters: dict[str, Any] = {k: params[k] for k in _FILTERS if k in params}
    if "bootable" in params:
        filters["bootable"] = parse_bool(params["bootable"], "bootable")
    if "size" in filters:
        filters["size"] = query_int(request, "size")
    metadata: dict[str, str] = {}
    if "metadata" in params:
        try:
            parsed = ast.literal_eval(params["metadata"])
        except (ValueError, SyntaxError):
            parsed = None
        if not isinstance(parsed, dict):
            raise ApiError(400, "Invalid input received: metadata must be a dict.")
        metadata = {str(k): str(v) for k, v in parsed.items()}
    return volumes.ListQuery(
        project_id=project,
        filters=filters,
        metadata=metadata,
        sort=_sort(request),
        limit=query_int(request, "limit"),
        marker=params.get("marker"),
    )


async def _list(svc: VolumeService, request: Request, *, detailed: bool) -> Response:
    ctx = authorize(svc, request, "volume:get_all", context_of(request).project_id)
    query = _list_query(request, ctx)
    async with svc.reading() as conn:
        found = await volumes.list_(conn, query)
    items = [view.detail(svc, request, ctx, v) if detailed else view.summary(ctx, v) for v in found]
    body: dict[str, Any] = {"volumes": items}
    if query.limit and len(found) == query.limit:
        path = "volumes/detail" if detailed else "volumes"
        following = urlencode({**request.query_params, "marker": found[-1].id})
        body["volumes_links"] = [
            {
                "rel": "next",
                "href": (f"{ctx.base_url}/v3/{ctx.authenticated.project_id}/{path}?{following}"),
            }
        ]
    if want(request, (3, 45)) and parse_bool(
        request.query_params.get("with_count", "0"), "with_count"
    ):
        async with svc.reading() as conn:
            total = await volumes.list_(
                conn, volumes.ListQuery(query.project_id, query.filters, query.metadata)
            )
        body["count"] = len(total)
    return json_response(body)


async def list_volumes(svc: VolumeService, request: Request) -> Response:
    return await _list(svc, request, detailed=False)


async def list_volumes_detail(svc: VolumeService, request: Request) -> Response:
    return await _list(svc, request, detailed=True)


async def _visible_volume(
    svc: VolumeService, request: Request, rule: str
) -> tuple[RequestContext, Volume]:
    """The volume of the URL if the caller may see it (404 otherwise), then ``rule``."""
    async with svc.reading() as conn:
        volume = await volumes.get(
            conn, request.path_params["volume_id"], visible_project(context_of(request))
        )
    return authorize(svc, request, rule, volume.project_id), volume


async def get_volume(svc: VolumeService, request: Request) -> Response:
    ctx, volume = await _visible_volume(svc, request, "volume:get")
    return json_response({"volume": view.detail(svc, request, ctx, volume)})


def _text(spec: dict[str, Any], key: str, legacy: str) -> str | None:
    value = spec.get(key, spec.get(legacy))
    return value.strip() if isinstance(value, str) else None


def _size(value: object) -> int:
    if value is None:
        raise ApiError(400, "Invalid input received: Size must be specified.")
    size = int(str(value))
    if size < 1 or size > schemas.MAX_INT:
        raise ApiError(
            400,
            f"Invalid input received: Volume size '{value}' must be an integer and greater than 0.",
        )
    return size


def _refuse_sources(spec: dict[str, Any]) -> None:
    """Volumes start empty here: no snapshots, backups or groups exist, no image copies."""
    missing = {
        "snapshot_id": "Snapshot",
        "consistencygroup_id": "ConsistencyGroup",
        "group_id": "Group",
        "backup_id": "Backup",
    }
    for key, noun in missing.items():
        if spec.get(key):
            raise ApiError(404, f"{noun} {spec[key]} could not be found.")
    for key, what in (
        ("source_volid", "another volume"),
        ("imageRef", "an image"),
        ("image_id", "an image"),
    ):
        if spec.get(key):
            raise ApiError(
                400,
                f"Invalid input received: Creating a volume from {what} "
                "is not supported by this cloud.",
            )
    if spec.get("multiattach") not in (None, False, "false", "False", "0", "no", "off", "n", "f"):
        raise ApiError(
            400, "Invalid input received: Multiattach volumes are not supported by this cloud."
        )


async def create_volume(svc: VolumeService, request: Request) -> Response:
    ctx = authorize(svc, request, "volume:create", context_of(request).project_id)
    checker = schemas.CREATE_V353 if want(request, (3, 53)) else schemas.CREATE
    spec: dict[str, Any] = (await read_json(request, checker))["volume"]
    size = _size(spec.get("size"))
    _refuse_sources(spec)
    zone = spec.get("availability_zone") or AVAILABILITY_ZONE
    if zone != AVAILABILITY_ZONE:
        raise ApiError(400, f"Availability zone '{zone}' is invalid.")
    auth = ctx.authenticated
    async with svc.writing() as conn:
        vtype = await types.find(
            conn, spec.get("volume_type") or types.DEFAULT_TYPE, admin=auth.is_admin
        )
        volume = await volumes.create(
            conn,
            project_id=auth.project_id or "",
            user_id=auth.user_id,
            name=_text(spec, "name", "display_name"),
            description=_text(spec, "description", "display_description"),
            size=size,
            volume_type=vtype,
            availability_zone=zone,
            metadata=spec.get("metadata") or {},
        )
    svc.nudge(volume.id)
    return json_response({"volume": view.detail(svc, request, ctx, volume)}, 202)


async def update_volume(svc: VolumeService, request: Request) -> Response:
    ctx, volume = await _visible_volume(svc, request, "volume:update")
    checker = schemas.UPDATE_V353 if want(request, (3, 53)) else schemas.UPDATE
    spec: dict[str, Any] = (await read_json(request, checker))["volume"]
    values: dict[str, Any] = {}
    for key, legacy in (("name", "display_name"), ("description", "display_description")):
        if key in spec or legacy in spec:
            values[key] = _text(spec, key, legacy)
    if "metadata" in spec:
        values["metadata"] = dict(spec["metadata"])
    async with svc.writing() as conn:
        updated = await volumes.update(conn, volume, values)
    return json_response({"volume": view.detail(svc, request, ctx, updated)})


async def delete_volume(svc: VolumeService, request: Request) -> Response:
    _, volume = await _visible_volume(svc, request, "volume:delete")
    force = want(request, (3, 23)) and parse_bool(
        request.query_params.get("force", "false"), "force"
    )
    parse_bool(request.query_params.get("cascade", "false"), "cascade")  # no snapshots here
    if force:
        authorize(
            svc, request, "volume_extension:volume_admin_actions:force_delete", volume.project_id
        )
    async with svc.writing() as conn:
        locked = await volumes.lock(conn, volume.id, None)
        await volumes.begin_delete(conn, locked, force=force)
    svc.nudge(volume.id)
    return empty_response(202)
