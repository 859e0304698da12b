"""What every face recognition handler shares: binding, policy and isolation, JSON bodies,
paging, and the domain errors mapped to HTTP."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema
from pocketstack.vision.objects import galleries
from pocketstack.vision.objects.errors import Conflict, NotFound, VisionError
from pocketstack.vision.objects.galleries import Gallery
from pocketstack.vision.pipeline import BadImage, ImageTooLarge
from pocketstack.vision.service import Vision

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "VisionHandler",
    "authorize",
    "bind",
    "find_gallery",
    "gallery_of_this_model",
    "iso",
    "next_link",
    "paging",
    "parse_body",
    "read_body",
]

VisionHandler = Callable[[Vision, Request], Awaitable[Response]]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def bind(svc: Vision, handler: VisionHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, domain errors mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(svc, request)
        except VisionError as error:
            raise ApiError(error.status, str(error), code=error.code) from None
        except ImageTooLarge as error:
            raise ApiError(413, str(error), code="vision.too_large") from None
        except BadImage as error:
            raise ApiError(400, str(error), code="vision.bad_image") from None

    return endpoint


def _denied(rule: str) -> ApiError:
    return ApiError(403, f"Policy does not allow {rule} to be performed.", code="vision.forbidden")


def authorize(svc: Vision, request: Request, rule: str) -> RequestContext:
    """A call that acts in the caller's project (which it must be scoped to)."""
    ctx = context_of(request)
    auth = ctx.authenticated
    if auth.project_id is None or not svc.enforcer.check(rule, {}, auth.credentials()):
        raise _denied(rule)
    return ctx


async def find_gallery(svc: Vision, request: Request, rule: str) -> Gallery:
    """The gallery in the path when the caller may do ``rule`` to it; another project's
    gallery is a 404, as if it did not exist."""
    gallery_id = request.path_params["gallery_id"]
    async with svc.reading() as conn:
        gallery = await galleries.get(conn, gallery_id)
    credentials = context_of(request).authenticated.credentials()
    target = {"target": {"gallery": {"project_id": gallery.project_id}}}
    if not svc.enforcer.check("gallery_visible", target, credentials):
        raise NotFound(f"Gallery {gallery_id} could not be found.")
    if not svc.enforcer.check(rule, target, credentials):
        raise _denied(rule)
    return gallery


async def gallery_of_this_model(svc: Vision, request: Request, rule: str) -> Gallery:
    """:func:`find_gallery` for a call that adds or compares embeddings: the gallery's must
    come from the network this service runs (with or without mirrored faces: those are
    comparable), else a 409, not answers from vectors of another model."""
    gallery = await find_gallery(svc, request, rule)
    running = (await svc.pipeline()).embedder.name
    if gallery.model.split("+")[0] != running.split("+")[0]:
        raise Conflict(
            f"Gallery {gallery.id} holds embeddings of the model {gallery.model}; this service "
            f"runs {running}. Enroll its people in a new gallery."
        )
    return gallery


async def read_body(request: Request, checker: Schema) -> dict[str, Any]:
    """The JSON body: 415 for another content type, 400 when malformed or off-schema."""
    return parse_body(request, await request.body(), checker)


def parse_body(request: Request, raw: bytes, checker: Schema) -> dict[str, Any]:
    """``raw`` as the JSON body of ``request``, checked against ``checker``."""
    content_type = request.headers.get("content-type", "")
    if raw and content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "Expected application/json.", code="vision.unsupported_media_type")
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise ApiError(400, "Malformed JSON.", code="vision.bad_request") from None
    errors = checker.errors(body)
    if errors:
        raise ApiError(400, f"Invalid body: {errors[0]}", code="vision.bad_request")
    assert isinstance(body, dict)  # the schemas require an object
    return body


def paging(request: Request) -> tuple[str | None, int]:
    """``marker`` and ``limit`` (1..MAX_LIMIT, default DEFAULT_LIMIT); a bad limit is a 400."""
    text = request.query_params.get("limit")
    limit = DEFAULT_LIMIT
    if text is not None:
        if not text.isdigit() or int(text) < 1:
            raise ApiError(400, "limit must be a positive integer.", code="vision.bad_request")
        limit = min(int(text), MAX_LIMIT)
    return request.query_params.get("marker") or None, limit


def next_link(request: Request, collection: str, items: list[Any], limit: int) -> dict[str, Any]:
    """``<collection>_links`` with a ``next`` link when the page is full."""
    if len(items) < limit:
        return {}
    url = f"{context_of(request).base_url}{request.url.path[len(request.scope['root_path']):]}"
    return {f"{collection}_links": [
        {"rel": "next", "href": f"{url}?limit={limit}&marker={items[-1].id}"}]}


def iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
