"""``/v2/images/{image_id}/members[/{member_id}]``: the owner offers a ``shared`` image to
other projects; each member project accepts or rejects it. The owner sees every member, a
member sees only itself; anyone else gets 404, as from Glance."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.image.handlers.base import allowed, image_target, isotime, viewer
from pocketstack.image.objects import images, members
from pocketstack.image.objects.images import Image
from pocketstack.image.objects.members import Member
from pocketstack.image.service import ImageService

__all__ = ["add_member", "delete_member", "list_members", "show_member", "update_member"]


def _serialize(member: Member) -> dict[str, Any]:
    return {
        "created_at": isotime(member.created_at),
        "image_id": member.image_id,
        "member_id": member.member_id,
        "schema": "/v2/schemas/member",
        "status": member.status,
        "updated_at": isotime(member.updated_at),
    }


async def _image(conn: AsyncConnection, request: Request, *, lock: bool = False) -> Image:
    return await images.get(conn, request.path_params["image_id"], viewer(request), for_update=lock)


def _member_target(image: Image, member_id: str) -> dict[str, Any]:
    return image_target(image, member_id)


async def _field(request: Request, name: str, form: str) -> Any:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, f'Expected a {name} in the form: {{"{name}": "{form}"}}')
    return body.get(name)


async def add_member(svc: ImageService, request: Request) -> Response:
    member_id = await _field(request, "member", "image_id")
    if member_id is None:
        raise ApiError(400, "Member to be added not specified")
    if not member_id or not isinstance(member_id, str) or len(member_id) > 255:
        raise ApiError(
            400,
            "Member can't be empty"
            if not member_id
            else "Member must be a project id of at most 255 characters",
        )
    async with svc.writing() as conn:
        image = await _image(conn, request, lock=True)
        if image.visibility != "shared" or not allowed(
            svc, request, "add_member", image_target(image)
        ):
            raise ApiError(403, f"Not allowed to create members for image {image.id}.")
        member = await members.add(conn, image.id, member_id)
    return json_response(_serialize(member))


async def list_members(svc: ImageService, request: Request) -> Response:
    who = viewer(request)
    async with svc.reading() as conn:
        image = await _image(conn, request)
        found = await members.list_(conn, image.id)
    if image.visibility != "shared":
        raise ApiError(
            403,
            f"Not allowed to list members for image {image.id}: Only shared images have members.",
        )
    mine = who.project_id if any(m.member_id == who.project_id for m in found) else None
    if not allowed(svc, request, "get_members", image_target(image, mine)):
        raise ApiError(
            403,
            f"Not allowed to list members for image {image.id}: You are not "
            f"authorized to complete get_members action.",
        )
    shown = [
        m for m in found if allowed(svc, request, "get_member", _member_target(image, m.member_id))
    ]
    return json_response(
        {"members": [_serialize(m) for m in shown], "schema": "/v2/schemas/members"}
    )


async def show_member(svc: ImageService, request: Request) -> Response:
    member_id = request.path_params["member_id"]
    async with svc.reading() as conn:
        image = await _image(conn, request)
        member = await members.find(conn, image.id, member_id)
    if (
        image.visibility != "shared"
        or member is None
        or not allowed(svc, request, "get_member", _member_target(image, member_id))
    ):
        raise ApiError(404, f"{member_id} not found in the member list of the image {image.id}.")
    return json_response(_serialize(member))


async def update_member(svc: ImageService, request: Request) -> Response:
    status = await _field(request, "status", "status")
    if status is None:
        raise ApiError(400, "Status not specified")
    member_id = request.path_params["member_id"]
    async with svc.writing() as conn:
        image = await _image(conn, request, lock=True)
        refused = ApiError(403, f"Not allowed to update members for image {image.id}.")
        if image.visibility != "shared":
            raise refused
        await members.get(conn, image.id, member_id)
        if not allowed(svc, request, "modify_member", _member_target(image, member_id)):
            raise refused
        if status not in members.STATUSES:
            raise ApiError(
                400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".'
            )
        member = await members.set_status(conn, image.id, member_id, status)
    return json_response(_serialize(member))


async def delete_member(svc: ImageService, request: Request) -> Response:
    member_id = request.path_params["member_id"]
    async with svc.writing() as conn:
        image = await _image(conn, request, lock=True)
        refused = ApiError(403, f"Not allowed to delete members for image {image.id}.")
        if image.visibility != "shared":
            raise refused
        await members.get(conn, image.id, member_id)
        if not allowed(svc, request, "delete_member", image_target(image)):
            raise refused
        await members.remove(conn, image.id, member_id)
    return empty_response(204)
