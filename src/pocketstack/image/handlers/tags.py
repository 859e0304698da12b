"""``/v2/images/{image_id}/tags/{tag}``: add (idempotent) and remove one tag."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.errors import ApiError
from pocketstack.image.handlers.base import allowed, image_target, viewer
from pocketstack.image.objects import images
from pocketstack.image.service import ImageService

__all__ = ["add_tag", "delete_tag"]


async def add_tag(svc: ImageService, request: Request) -> Response:
    image_id, tag = request.path_params["image_id"], request.path_params["tag"]
    if len(tag) > 255:
        raise ApiError(
            400,
            "Could not update image: Provided object does not match schema "
            "'image': tag is longer than 255 characters",
        )
    async with svc.writing() as conn:
        before = await images.get(conn, image_id, viewer(request), for_update=True)
        if not allowed(svc, request, "modify_image", image_target(before)):
            raise ApiError(403, f"Not allowed to update tags for image {image_id}.")
        after = before.copy()
        if tag not in after.tags:
            after.tags.append(tag)
        await images.save(conn, before, after)
    return empty_response(204)


async def delete_tag(svc: ImageService, request: Request) -> Response:
    image_id, tag = request.path_params["image_id"], request.path_params["tag"]
    async with svc.writing() as conn:
        before = await images.get(conn, image_id, viewer(request), for_update=True)
        if not allowed(svc, request, "modify_image", image_target(before)):
            raise ApiError(403, f"Not allowed to delete tags for image {image_id}.")
        if tag not in before.tags:
            raise ApiError(404, f"Tag {tag} not found.")
        after = before.copy()
        after.tags.remove(tag)
        await images.save(conn, before, after)
    return empty_response(204)
