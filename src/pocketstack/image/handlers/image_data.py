"""``/v2/images/{image_id}/file``: upload (``PUT``, streamed to the store) and download
(``GET``, streamed back, one ``Range`` at a time)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from pocketstack.common.asgi import empty_response
from pocketstack.common.errors import ApiError
from pocketstack.image.drivers.store import DataNotFound, IncompleteData
from pocketstack.image.handlers.base import authorize, image_target, viewer
from pocketstack.image.objects import images, uploads
from pocketstack.image.service import ImageService

__all__ = ["download_image_data", "parse_range", "upload_image_data"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The single byte range ``(first, last)`` a ``Range`` header asks of ``size`` bytes."""
    if header is None:
        return None
    if "," in header:
        raise ApiError(
            400,
            "Requests with multiple ranges are not supported in Glance. You "
            "may make multiple single-range requests instead.",
        )
    found = _RANGE.match(header.strip().replace(" ", ""))
    if found is None or found.groups() == ("", ""):
        raise ApiError(416, "Invalid Range header.", headers={"Content-Range": f"bytes */{size}"})
    first, last = found.groups()
    if first == "":  # a suffix: the last N bytes
        if int(last) == 0:
            raise ApiError(
                416, "Invalid Range header.", headers={"Content-Range": f"bytes */{size}"}
            )
        return max(size - int(last), 0), size - 1
    start, end = int(first), (int(last) if last else size - 1)
    if end < start:
        raise ApiError(416, "Invalid Range header.", headers={"Content-Range": f"bytes */{size}"})
    if start >= size:
        raise ApiError(
            416,
            f"Invalid start position in Range header. Start position MUST be in "
            f"the inclusive range [0, {size - 1}].",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, min(end, size - 1)


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ApiError(400, f"Invalid Content-Length: {raw!r}")
    return int(raw)


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise IncompleteData("The client went away before the image data was complete.") from None


async def upload_image_data(svc: ImageService, request: Request) -> Response:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/octet-stream":
        raise ApiError(415, f"Invalid content type {media or None}")
    expected = _content_length(request)
    if expected is not None and expected > svc.size_cap:
        raise ApiError(
            413,
            f"The incoming image is too large: {expected} bytes is more than "
            f"the limit of {svc.size_cap} bytes.",
        )
    async with svc.writing() as conn:
        image = await images.get(
            conn, request.path_params["image_id"], viewer(request), for_update=True
        )
        authorize(svc, request, "upload_image", image_target(image))
        await uploads.begin(conn, image)
    await uploads.receive(
        svc.writing, svc.store, image, _body(request), expected_size=expected, limit=svc.size_cap
    )
    return empty_response(204)


async def download_image_data(svc: ImageService, request: Request) -> Response:
    async with svc.reading() as conn:
        image = await images.get(conn, request.path_params["image_id"], viewer(request))
    authorize(svc, request, "download_image", image_target(image))
    if image.location is None or image.size is None:
        return empty_response(204)  # no data (yet): Glance answers 204 No Content
    wanted = parse_range(request.headers.get("range"), image.size)
    first, last = wanted or (0, image.size - 1)
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(last - first + 1)}
    if image.checksum:
        headers["Content-MD5"] = image.checksum
    if wanted is not None:
        headers["Content-Range"] = f"bytes {first}-{last}/{image.size}"
    status = 200 if wanted is None else 206
    if request.method == "HEAD":
        return Response(b"", status, headers)
    try:
        data = await svc.store.get(image.location, offset=first, length=last - first + 1)
    except DataNotFound:
        return empty_response(204)
    return StreamingResponse(data, status, headers)
