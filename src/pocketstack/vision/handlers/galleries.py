"""/v1/galleries and /v1/galleries/{id}: a project's galleries of known people."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.vision.handlers.base import (
    authorize,
    find_gallery,
    next_link,
    paging,
    read_body,
)
from pocketstack.vision.objects import galleries
from pocketstack.vision.objects.galleries import Gallery
from pocketstack.vision.schemas import galleries as schemas
from pocketstack.vision.service import Vision

__all__ = ["create_gallery", "delete_gallery", "get_gallery", "list_galleries",
           "update_gallery"]


def _serialize(svc: Vision, gallery: Gallery, default_threshold: float) -> dict[str, Any]:
    return {
        "id": gallery.id,
        "project_id": gallery.project_id,
        "name": gallery.name,
        "description": gallery.description,
        "threshold": gallery.threshold if gallery.threshold is not None else default_threshold,
        "model": gallery.model,
        "faces": svc.indexes.size(gallery.id),
        "created_at": gallery.created_at.isoformat(),
        "updated_at": gallery.updated_at.isoformat(),
    }


async def list_galleries(svc: Vision, request: Request) -> Response:
    ctx = authorize(svc, request, "galleries:get")
    marker, limit = paging(request)
    async with svc.reading() as conn:
        found = await galleries.list_(conn, str(ctx.project_id), marker=marker, limit=limit)
    default = (await svc.pipeline()).threshold
    return json_response({"galleries": [_serialize(svc, g, default) for g in found],
                          **next_link(request, "galleries", found, limit)})


async def create_gallery(svc: Vision, request: Request) -> Response:
    ctx = authorize(svc, request, "galleries:post")
    body = (await read_body(request, schemas.NEW_GALLERY))["gallery"]
    pipeline = await svc.pipeline()
    async with svc.writing() as conn:
        gallery = await galleries.create(
            conn, project_id=str(ctx.project_id), name=body["name"],
            description=body.get("description"), threshold=body.get("threshold"),
            model=pipeline.embedder.name,
        )
    svc.indexes.create(gallery.id)
    location = f"{ctx.base_url}/v1/galleries/{gallery.id}"
    return json_response({"gallery": _serialize(svc, gallery, pipeline.threshold)}, 201,
                         {"Location": location})


async def get_gallery(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "gallery:get")
    await svc.fresh_index(gallery.id, gallery.generation)
    default = (await svc.pipeline()).threshold
    return json_response({"gallery": _serialize(svc, gallery, default)})


async def update_gallery(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "gallery:put")
    changes = (await read_body(request, schemas.UPDATE_GALLERY))["gallery"]
    async with svc.writing() as conn:
        gallery = await galleries.update(conn, gallery.id, changes)
    default = (await svc.pipeline()).threshold
    return json_response({"gallery": _serialize(svc, gallery, default)})


async def delete_gallery(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "gallery:delete")
    async with svc.writing() as conn:
        await galleries.delete(conn, gallery.id)
    svc.indexes.drop(gallery.id)
    return empty_response(204)
