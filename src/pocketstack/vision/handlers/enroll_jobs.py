"""/v1/galleries/{id}/enroll-jobs[/{job_id}]: bulk enroll, as a recorded job.

The request carries every person and their images (base64 in JSON). Each image is
decoded and checked before anything is written (a bad one is a 400 naming it); then the
whole job is recorded in one transaction and the answer is 202. The enroll reconciler
carries it out, one person per transaction, and resumes it after a restart.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.vision.handlers.base import find_gallery, gallery_of_this_model, parse_body
from pocketstack.vision.handlers.uploads import decode, read_limited
from pocketstack.vision.objects import jobs
from pocketstack.vision.objects.errors import BadRequest, NotFound
from pocketstack.vision.objects.jobs import Job, NewItem
from pocketstack.vision.schemas import persons as schemas
from pocketstack.vision.service import Vision

__all__ = ["create_enroll_job", "get_enroll_job"]


def _serialize(request: Request, job: Job) -> dict[str, Any]:
    counts = {s: sum(1 for i in job.items if i.status == s)
              for s in ("pending", "enrolled", "failed")}
    return {
        "id": job.id,
        "gallery_id": job.gallery_id,
        "status": job.status,
        "status_reason": job.status_reason,
        "total": len(job.items),
        **counts,
        "items": [{"position": i.position, "person_id": i.person_id, "name": i.name,
                   "status": i.status, "faces": i.faces, "error": i.error}
                  for i in job.items],
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
        "links": [{"rel": "self", "href":
                   f"{context_of(request).base_url}/v1/galleries/{job.gallery_id}"
                   f"/enroll-jobs/{job.id}"}],
    }


async def _images(svc: Vision, position: int, encoded: list[str]) -> list[bytes]:
    images = []
    for k, text in enumerate(encoded):
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(f"items[{position}].images[{k}] is not base64.") from None
        try:
            await decode(svc, data)
        except ValueError as error:
            raise type(error)(f"items[{position}].images[{k}]: {error}") from None
        images.append(data)
    return images


async def create_enroll_job(svc: Vision, request: Request) -> Response:
    gallery = await gallery_of_this_model(svc, request, "enroll_jobs:post")
    raw = await read_limited(request, svc.settings.vision.max_bulk_bytes)
    body = parse_body(request, raw, schemas.NEW_ENROLL_JOB)
    items = [NewItem(item.get("person_id"), item.get("name"), item.get("metadata", {}),
                     await _images(svc, n, item["images"]))
             for n, item in enumerate(body["items"])]
    async with svc.writing() as conn:
        job_id = await jobs.create(conn, gallery.project_id, gallery.id, items)
        job = await jobs.get(conn, job_id)
    svc.nudge(job_id)
    return json_response({"enroll_job": _serialize(request, job)}, 202,
                         {"Location": _serialize(request, job)["links"][0]["href"]})


async def get_enroll_job(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "enroll_job:get")
    async with svc.reading() as conn:
        job = await jobs.get(conn, request.path_params["job_id"])
    if job.gallery_id != gallery.id:
        raise NotFound(f"Enroll job {job.id} could not be found.")
    return json_response({"enroll_job": _serialize(request, job)})
