"""The face recognition service's one route table: path -> {METHOD: handler}."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.vision.handlers import (
    analysis,
    enroll_jobs,
    faces,
    galleries,
    identify,
    persons,
    root,
)
from pocketstack.vision.handlers.base import VisionHandler, bind
from pocketstack.vision.service import Vision

__all__ = ["IMAGE_ROUTES", "build_routes", "takes_images"]

_GALLERY = "/v1/galleries/{gallery_id}"
_PERSON = _GALLERY + "/persons/{person_id}"

# Requests whose bodies carry images (their own limits, [vision] max_*_bytes, apply
# instead of [api] max_request_body_size).
IMAGE_ROUTES = ("/v1/detect", "/v1/embed", "/v1/verify", "/identify", "/faces", "/enroll-jobs")


def takes_images(method: str, path: str) -> bool:
    return method == "POST" and path.rstrip("/").endswith(IMAGE_ROUTES)


def build_routes(svc: Vision) -> list[Route]:
    def b(table: Mapping[str, VisionHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    return [
        Route("/", b({"GET": root.versions}), public=True),
        Route("/v1", b({"GET": root.version_v1}), public=True),
        Route("/v1/detect", b({"POST": analysis.detect})),
        Route("/v1/embed", b({"POST": analysis.embed})),
        Route("/v1/verify", b({"POST": analysis.verify})),
        Route("/v1/galleries",
              b({"GET": galleries.list_galleries, "POST": galleries.create_gallery})),
        Route(_GALLERY, b({"GET": galleries.get_gallery, "PUT": galleries.update_gallery,
                           "DELETE": galleries.delete_gallery})),
        Route(_GALLERY + "/identify", b({"POST": identify.identify})),
        Route(_GALLERY + "/persons",
              b({"GET": persons.list_persons, "POST": persons.create_person})),
        Route(_PERSON, b({"GET": persons.get_person, "PUT": persons.update_person,
                          "DELETE": persons.delete_person})),
        Route(_PERSON + "/faces", b({"GET": faces.list_faces, "POST": faces.enroll_faces})),
        Route(_PERSON + "/faces/{face_id}", b({"DELETE": faces.delete_face})),
        Route(_GALLERY + "/enroll-jobs", b({"POST": enroll_jobs.create_enroll_job})),
        Route(_GALLERY + "/enroll-jobs/{job_id}", b({"GET": enroll_jobs.get_enroll_job})),
    ]
