"""``/v2/schemas/{image,images,member,members}``: the JSON schemas Glance publishes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.image.schemas.image import IMAGE_DOCUMENT, IMAGES_DOCUMENT
from pocketstack.image.schemas.member import MEMBER_DOCUMENT, MEMBERS_DOCUMENT
from pocketstack.image.service import ImageService

__all__ = ["image_schema", "images_schema", "member_schema", "members_schema"]


async def image_schema(svc: ImageService, request: Request) -> Response:
    return json_response(IMAGE_DOCUMENT)


async def images_schema(svc: ImageService, request: Request) -> Response:
    return json_response(IMAGES_DOCUMENT)


async def member_schema(svc: ImageService, request: Request) -> Response:
    return json_response(MEMBER_DOCUMENT)


async def members_schema(svc: ImageService, request: Request) -> Response:
    return json_response(MEMBERS_DOCUMENT)
