"""``/v2/images`` and ``/v2/images/{image_id}``: list, create, show, update (JSON patch),
delete. Images are bare objects; extra properties are top-level keys."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.auth import AuthInfo
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.image.handlers import json_patch
from pocketstack.image.handlers.base import authorize, image_target, isotime, viewer
from pocketstack.image.handlers.image_query import links, parse_query
from pocketstack.image.objects import image_list, images
from pocketstack.image.objects.images import Image
from pocketstack.image.schemas import image as schema
from pocketstack.image.service import ImageService

__all__ = [
    "create_image",
    "delete_image",
    "list_images",
    "serialize_image",
    "show_image",
    "update_image",
]

_ATTRIBUTES = (
    "name",
    "disk_format",
    "container_format",
    "visibility",
    "size",
    "virtual_size",
    "status",
    "checksum",
    "protected",
    "min_ram",
    "min_disk",
    "owner",
    "os_hidden",
    "os_hash_algo",
    "os_hash_value",
)


def serialize_image(image: Image) -> dict[str, Any]:
    view: dict[str, Any] = dict(image.properties)
    view.update({name: getattr(image, name) for name in _ATTRIBUTES})
    href = f"/v2/images/{image.id}"
    view.update(
        id=image.id,
        created_at=isotime(image.created_at),
        updated_at=isotime(image.updated_at),
        tags=list(image.tags),
        self=href,
        file=f"{href}/file",
        schema="/v2/schemas/image",
    )
    return view


def _new_image(body: Any, auth: AuthInfo) -> Image:
    """The image a create body asks for, refused as Glance refuses it (400/403)."""
    for key in schema.DISALLOWED:
        if isinstance(body, dict) and key in body:
            raise ApiError(403, f"Attribute '{key}' is read-only.")
    schema.check(body)
    extra = {k: v for k, v in body.items() if k not in schema.BASE}
    for key in extra:
        if len(key) > 255:
            raise ApiError(400, "Custom property should not be greater than 255 characters.")
        if schema.is_reserved(key):
            raise ApiError(403, f"Attribute '{key}' is reserved.")
    for key in (*schema.CREATE_READ_ONLY, "locations"):
        if key in body:
            raise ApiError(403, f"Attribute '{key}' is read-only.")
    base = {k: body[k] for k in schema.SETTABLE if k in body}
    base["id"] = base.get("id") or str(uuid.uuid4())
    base.setdefault("owner", auth.project_id)
    base["tags"] = list(dict.fromkeys(base.get("tags", [])))
    return Image(**base, properties=extra)


def _authorize_visibility(
    svc: ImageService, request: Request, visibility: str, target: dict[str, Any]
) -> None:
    if visibility == "public":
        authorize(svc, request, "publicize_image", target)
    elif visibility == "community":
        authorize(svc, request, "communitize_image", target)


async def list_images(svc: ImageService, request: Request) -> Response:
    authorize(svc, request, "get_images")
    query = parse_query(request.query_params)
    async with svc.reading() as conn:
        page = await image_list.list_images(conn, viewer(request), query)
    return json_response(
        {
            "images": [serialize_image(i) for i in page.images],
            **links(request.query_params, page.next_marker),
            "schema": "/v2/schemas/images",
        }
    )


async def create_image(svc: ImageService, request: Request) -> Response:
    ctx = context_of(request)
    image = _new_image(await read_json(request), ctx.authenticated)
    target = image_target(image)
    authorize(svc, request, "add_image", target)
    _authorize_visibility(svc, request, image.visibility, target)
    async with svc.writing() as conn:
        await images.create(conn, image)
    return json_response(
        serialize_image(image), 201, {"Location": f"{ctx.base_url}/v2/images/{image.id}"}
    )


async def show_image(svc: ImageService, request: Request) -> Response:
    authorize(svc, request, "get_image")
    async with svc.reading() as conn:
        image = await images.get(conn, request.path_params["image_id"], viewer(request))
    return json_response(serialize_image(image))


async def update_image(svc: ImageService, request: Request) -> Response:
    draft = json_patch.draft_of(request.headers.get("content-type"))
    changes = json_patch.parse(await read_json(request), draft)
    who = viewer(request)
    async with svc.writing() as conn:
        before = await images.get(conn, request.path_params["image_id"], who, for_update=True)
        target = image_target(before)
        after = before.copy()
        for change in changes:
            if change.name == "owner" and change.op == "replace" and not who.is_admin:
                raise ApiError(403, "Owner can't be updated by non admin.")
            if change.name == "visibility" and change.op != "remove":
                _authorize_visibility(svc, request, change.value, target)
            authorize(svc, request, "modify_image", target)
            json_patch.apply(after, change)
        after = await images.save(conn, before, after)
    return json_response(serialize_image(after))


async def delete_image(svc: ImageService, request: Request) -> Response:
    async with svc.writing() as conn:
        image = await images.get(
            conn, request.path_params["image_id"], viewer(request), for_update=True
        )
        authorize(svc, request, "delete_image", image_target(image))
        if image.protected:
            raise ApiError(403, f"Image {image.id} is protected and cannot be deleted.")
        await images.delete(conn, image)
    if image.location is not None:
        await svc.store.delete(image.location)
    return empty_response(204)
