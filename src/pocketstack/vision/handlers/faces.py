"""/v1/galleries/{id}/persons/{person_id}/faces[/{face_id}]: enroll one or many images of a
person (the subject of each: see ``subject_of``), list and remove their faces.

Every image is decoded and must show a face before anything is written; then the faces
are stored in one transaction, and only after it commits do they join the gallery's index.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.vision.handlers.base import find_gallery, gallery_of_this_model
from pocketstack.vision.handlers.uploads import decode, read_images
from pocketstack.vision.objects import faces, galleries, persons
from pocketstack.vision.objects.errors import BadRequest
from pocketstack.vision.objects.faces import EnrolledFace
from pocketstack.vision.pipeline import Face, Image, Pipeline, Vectors
from pocketstack.vision.service import Vision

__all__ = ["delete_face", "enroll_faces", "list_faces"]


def _serialize(face: EnrolledFace) -> dict[str, Any]:
    x, y, w, h = face.box
    return {"id": face.id, "person_id": face.person_id, "score": face.score,
            "box": {"x": x, "y": y, "width": w, "height": h},
            "created_at": face.created_at.isoformat()}


def _subjects(pipeline: Pipeline, images: list[tuple[str, Image]]) -> list[Any]:
    found = []
    for name, image in images:
        face = pipeline.subject(image)
        if face is None:
            raise BadRequest(f"No face was found in {name}; nothing was enrolled.")
        found.append((face[0], face[1][0]))
    return found


async def enroll_faces(svc: Vision, request: Request) -> Response:
    gallery = await gallery_of_this_model(svc, request, "faces:post")
    person_id = request.path_params["person_id"]
    async with svc.reading() as conn:
        await persons.get(conn, gallery.id, person_id)
    limit = svc.settings.vision.max_bulk_bytes
    parts = await read_images(request, limit, svc.settings.vision.max_image_bytes)
    images = [(name, await decode(svc, data)) for name, data in parts]
    found: list[tuple[Face, Any]] = await svc.run(lambda p: _subjects(p, images))
    async with svc.writing() as conn:
        await persons.get(conn, gallery.id, person_id)  # not deleted meanwhile
        made = await faces.add(conn, gallery.id, person_id, found)
        generation = await galleries.bump(conn, gallery.id)
    await svc.indexes.add(gallery.id, [f.id for f in made], [person_id] * len(made),
                          _stack([vector for _, vector in found]), generation)
    return json_response({"faces": [_serialize(face) for face in made]}, 201)


def _stack(vectors: list[Any]) -> Vectors:
    return np.stack(vectors).astype(np.float32)


async def list_faces(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "faces:get")
    async with svc.reading() as conn:
        person = await persons.get(conn, gallery.id, request.path_params["person_id"])
        found = await faces.list_for_person(conn, person.id)
    return json_response({"faces": [_serialize(face) for face in found]})


async def delete_face(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "face:delete")
    face_id = request.path_params["face_id"]
    async with svc.writing() as conn:
        person = await persons.get(conn, gallery.id, request.path_params["person_id"])
        await faces.delete(conn, person.id, face_id)
        generation = await galleries.bump(conn, gallery.id)
    svc.indexes.remove(gallery.id, [face_id], generation)
    return empty_response(204)
