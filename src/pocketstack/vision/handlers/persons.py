"""/v1/galleries/{id}/persons[/{person_id}]: the known people of a gallery."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.vision.handlers.base import find_gallery, next_link, paging, read_body
from pocketstack.vision.handlers.views import person_view
from pocketstack.vision.objects import galleries, persons
from pocketstack.vision.schemas import persons as schemas
from pocketstack.vision.service import Vision

__all__ = ["create_person", "delete_person", "get_person", "list_persons", "update_person"]


async def list_persons(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "persons:get")
    marker, limit = paging(request)
    async with svc.reading() as conn:
        found = await persons.list_(conn, gallery.id, marker=marker, limit=limit)
        counts = await persons.face_counts(conn, [p.id for p in found])
    return json_response({"persons": [person_view(p, counts.get(p.id, 0)) for p in found],
                          **next_link(request, "persons", found, limit)})


async def create_person(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "persons:post")
    body = (await read_body(request, schemas.NEW_PERSON))["person"]
    async with svc.writing() as conn:
        person = await persons.create(conn, gallery.id, body["name"], body.get("metadata", {}))
    location = f"{context_of(request).base_url}/v1/galleries/{gallery.id}/persons/{person.id}"
    return json_response({"person": person_view(person, 0)}, 201, {"Location": location})


async def get_person(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "person:get")
    async with svc.reading() as conn:
        person = await persons.get(conn, gallery.id, request.path_params["person_id"])
        counts = await persons.face_counts(conn, [person.id])
    return json_response({"person": person_view(person, counts.get(person.id, 0))})


async def update_person(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "person:put")
    changes = (await read_body(request, schemas.UPDATE_PERSON))["person"]
    async with svc.writing() as conn:
        person = await persons.update(conn, gallery.id, request.path_params["person_id"],
                                      changes)
    return json_response({"person": person_view(person)})


async def delete_person(svc: Vision, request: Request) -> Response:
    gallery = await find_gallery(svc, request, "person:delete")
    async with svc.writing() as conn:
        removed = await persons.delete(conn, gallery.id, request.path_params["person_id"])
        generation = await galleries.bump(conn, gallery.id)
    svc.indexes.remove(gallery.id, removed, generation)
    return empty_response(204)
