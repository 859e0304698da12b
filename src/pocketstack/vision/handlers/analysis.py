"""/v1/detect, /v1/embed, /v1/verify: the pipeline on uploaded images, nothing stored."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.vision.handlers.base import authorize
from pocketstack.vision.handlers.uploads import decode, image_limit, read_images
from pocketstack.vision.handlers.views import face_view, vector_view
from pocketstack.vision.objects.errors import BadRequest
from pocketstack.vision.pipeline import Face, Image, Pipeline, Vectors
from pocketstack.vision.pipeline.stages import distances
from pocketstack.vision.service import Vision

__all__ = ["detect", "embed", "verify"]


async def detect(svc: Vision, request: Request) -> Response:
    authorize(svc, request, "face:detect")
    [(_, data)] = (await read_images(request, image_limit(svc, 1), image_limit(svc, 1)))[:1]
    image = await decode(svc, data)
    found = await svc.run(lambda p: p.detect(image))
    height, width = image.shape[:2]
    return json_response({"image": {"width": width, "height": height},
                          "faces": [face_view(face) for face in found]})


async def embed(svc: Vision, request: Request) -> Response:
    authorize(svc, request, "face:embed")
    [(_, data)] = (await read_images(request, image_limit(svc, 1), image_limit(svc, 1)))[:1]
    image = await decode(svc, data)
    found, vectors = await svc.run(lambda p: p.analyze(image))
    if not found:
        raise BadRequest("No face was found in the image.")
    pipeline = await svc.pipeline()
    return json_response({
        "model": pipeline.embedder.name,
        "faces": [{**face_view(face), "embedding": vector_view(vectors, i)}
                  for i, face in enumerate(found)],
    })


def _one_face(pipeline: Pipeline, image: Image, which: str) -> tuple[Face, Vectors]:
    found = pipeline.subject(image)
    if found is None:
        raise BadRequest(f"No face was found in {which}.")
    return found


async def verify(svc: Vision, request: Request) -> Response:
    """Two images (form fields ``image_a`` and ``image_b``): are their faces one person?"""
    authorize(svc, request, "face:verify")
    parts = dict(await read_images(request, image_limit(svc, 2), image_limit(svc, 1)))
    if set(parts) != {"image_a", "image_b"}:
        raise BadRequest("Send two files in a multipart form, named image_a and image_b.")
    first, second = await decode(svc, parts["image_a"]), await decode(svc, parts["image_b"])
    (face_a, a), (face_b, b) = await svc.run(
        lambda p: (_one_face(p, first, "image_a"), _one_face(p, second, "image_b")))
    pipeline = await svc.pipeline()
    distance = float(distances(a, b)[0, 0])
    return json_response({
        "distance": round(distance, 4),
        "threshold": pipeline.threshold,
        "same_person": distance < pipeline.threshold,
        "model": pipeline.embedder.name,
        "faces": {"image_a": face_view(face_a), "image_b": face_view(face_b)},
    })
