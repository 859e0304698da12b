"""Images out of a request: raw bytes (``image/*`` or ``application/octet-stream``) or
``multipart/form-data`` file parts, read up to a byte limit (413 beyond it), decoded and
checked by :func:`decode_image` (400 for anything that is not a sound image)."""

from __future__ import annotations

import asyncio

from starlette.datastructures import UploadFile
from starlette.requests import Request

from pocketstack.common.asgi import Message
from pocketstack.common.errors import ApiError
from pocketstack.vision.pipeline import Image, decode_image
from pocketstack.vision.service import Vision

__all__ = ["MULTIPART_OVERHEAD", "decode", "image_limit", "read_images", "read_limited"]

MULTIPART_OVERHEAD = 64 << 10  # boundaries and part headers beyond the images' bytes


def image_limit(svc: Vision, images: int) -> int:
    """The bytes a request carrying ``images`` images may have."""
    return svc.settings.vision.max_image_bytes * images + MULTIPART_OVERHEAD


async def read_limited(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise ApiError(413, f"Request is too large. The limit is {limit} bytes.",
                       code="vision.too_large")
    chunks, seen = [], 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise ApiError(413, f"Request is too large. The limit is {limit} bytes.",
                           code="vision.too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _parts(request: Request, raw: bytes, max_part: int) -> list[tuple[str, bytes]]:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    again = Request(request.scope, replay)
    form = await again.form(max_files=1000, max_fields=1000, max_part_size=max_part)
    found = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            found.append((name, await value.read()))
    await form.close()
    return found


async def read_images(request: Request, limit: int, max_part: int) -> list[tuple[str, bytes]]:
    """The request's images as (field name, bytes): one unnamed for a raw body."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await read_limited(request, limit)
    if media == "multipart/form-data":
        parts = await _parts(request, raw, max_part)
        if not parts:
            raise ApiError(400, "The form has no image file.", code="vision.bad_image")
        return parts
    if media.startswith("image/") or media == "application/octet-stream":
        return [("image", raw)]
    raise ApiError(415, "Send the image as raw bytes (image/* or application/octet-stream) "
                        "or as multipart/form-data.", code="vision.unsupported_media_type")


async def decode(svc: Vision, data: bytes) -> Image:
    """The image's pixels, decoded in a worker thread (a large JPEG takes a while)."""
    config = svc.settings.vision
    return await asyncio.to_thread(decode_image, data, max_bytes=config.max_image_bytes,
                                   max_pixels=config.max_image_pixels)
