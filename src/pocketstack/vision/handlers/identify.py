"""/v1/galleries/{id}/identify: for each face in an image, the nearest known people.

Each face gets up to ``limit`` candidates (query parameter, default 3), nearest first, with
their Euclidean distance; ``person`` is the nearest when it is under the gallery's threshold,
else null (unknown). An image without a face answers an empty list; a gallery without
faces is a 409 (nothing to identify against).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.errors import ApiError
from pocketstack.vision.handlers.base import gallery_of_this_model
from pocketstack.vision.handlers.uploads import decode, image_limit, read_images
from pocketstack.vision.handlers.views import face_view
from pocketstack.vision.indexes import PersonMatch
from pocketstack.vision.objects import persons
from pocketstack.vision.objects.persons import Person
from pocketstack.vision.service import Vision

__all__ = ["identify"]

MAX_CANDIDATES = 20


def _candidates(request: Request) -> int:
    text = request.query_params.get("limit", "3")
    if not text.isdigit() or not 1 <= int(text) <= MAX_CANDIDATES:
        raise ApiError(400, f"limit must be an integer from 1 to {MAX_CANDIDATES}.",
                       code="vision.bad_request")
    return int(text)


def _match(match: PersonMatch, people: dict[str, Person]) -> dict[str, Any]:
    person = people.get(match.person_id)
    return {"person_id": match.person_id, "name": person.name if person else None,
            "face_id": match.face_id, "distance": round(match.distance, 4)}


async def identify(svc: Vision, request: Request) -> Response:
    gallery = await gallery_of_this_model(svc, request, "gallery:identify")
    candidates = _candidates(request)
    await svc.fresh_index(gallery.id, gallery.generation)
    if svc.indexes.size(gallery.id) == 0:
        raise ApiError(409, "The gallery has no enrolled faces to identify against.",
                       code="vision.empty_gallery")
    [(_, data)] = (await read_images(request, image_limit(svc, 1), image_limit(svc, 1)))[:1]
    image = await decode(svc, data)
    found, vectors = await svc.run(lambda p: p.analyze(image))
    threshold = gallery.threshold or (await svc.pipeline()).threshold
    matches = svc.indexes.identify(gallery.id, vectors, candidates)
    async with svc.reading() as conn:
        people = await persons.get_many(conn, [m.person_id for ms in matches for m in ms])
    answers = []
    for face, nearest in zip(found, matches, strict=True):
        shown = [_match(m, people) for m in nearest]
        known = shown[0] if shown and nearest[0].distance < threshold else None
        answers.append({**face_view(face), "person": known, "candidates": shown})
    return json_response({"gallery_id": gallery.id, "threshold": threshold, "faces": answers})
