"""/v1/containers and /v1/containers/{id}: named groups of secret references (a TLS
certificate with its key and chain, an RSA key pair, or anything generic)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import RequestContext, context_of
from pocketstack.secrets.handlers.base import (
    authorize,
    authorize_on,
    iso,
    page_links,
    paging,
    read_body,
)
from pocketstack.secrets.handlers.secrets import secret_ref
from pocketstack.secrets.objects import containers
from pocketstack.secrets.objects.containers import Container, ContainerRef
from pocketstack.secrets.objects.errors import BadRequest
from pocketstack.secrets.schemas import containers as schemas
from pocketstack.secrets.service import KeyManager

__all__ = ["create_container", "delete_container", "get_container", "list_containers"]


def _container_ref(request: Request, container_id: str) -> str:
    return f"{context_of(request).base_url}/v1/containers/{container_id}"


def _serialize(request: Request, container: Container) -> dict[str, Any]:
    return {
        "container_ref": _container_ref(request, container.id),
        "name": container.name,
        "type": container.type,
        "status": "ACTIVE",
        "secret_refs": [
            {"name": ref.name, "secret_ref": secret_ref(request, ref.secret_id)}
            for ref in container.refs
        ],
        "consumers": [],
        "created": iso(container.created_at),
        "updated": iso(container.updated_at),
        "creator_id": container.creator_id,
    }


def _secret_id(ctx: RequestContext, ref: str) -> str:
    """The secret id at the end of a ref, which must point at this key manager."""
    if not ref.startswith(f"{ctx.base_url}/"):
        raise BadRequest("Secret_ref does not match the configured hostname, please try again")
    return ref.rstrip("/").rsplit("/", 1)[-1]


async def _find(svc: KeyManager, request: Request, rule: str, operation: str) -> Container:
    async with svc.reading() as conn:
        container = await containers.get(conn, request.path_params["container_id"])
    authorize_on(
        svc,
        request,
        "container",
        container.project_id,
        rule,
        operation,
        containers.CONTAINER_NOT_FOUND,
    )
    return container


async def list_containers(svc: KeyManager, request: Request) -> Response:
    ctx = authorize(svc, request, "containers:get", "Containers(s) retrieval")
    offset, limit = paging(request)
    name, kind = request.query_params.get("name") or None, request.query_params.get("type")
    async with svc.reading() as conn:
        found, total = await containers.list_(
            conn,
            str(ctx.project_id),
            name=name,
            container_type=kind or None,
            offset=offset,
            limit=limit,
        )
    body: dict[str, Any] = {"containers": [_serialize(request, c) for c in found], "total": total}
    if found:
        kept = {key: value for key, value in (("name", name), ("type", kind)) if value}
        body.update(page_links(f"{ctx.base_url}/v1/containers", offset, limit, total, kept))
    return json_response(body)


async def create_container(svc: KeyManager, request: Request) -> Response:
    ctx = authorize(svc, request, "containers:post", "Container creation")
    body = await read_body(request, schemas.NEW_CONTAINER, "Container")
    refs = [
        ContainerRef(item.get("name"), _secret_id(ctx, item["secret_ref"]))
        for item in body.get("secret_refs") or []
    ]
    containers.check_names(body["type"], refs)
    async with svc.writing() as conn:
        container = await containers.create(
            conn,
            project_id=str(ctx.project_id),
            creator_id=ctx.authenticated.user_id,
            name=body.get("name"),
            container_type=body["type"],
            refs=refs,
        )
    ref = _container_ref(request, container.id)
    return json_response({"container_ref": ref}, 201, {"Location": ref})


async def get_container(svc: KeyManager, request: Request) -> Response:
    container = await _find(svc, request, "container:get", "Container retrieval")
    return json_response(_serialize(request, container))


async def delete_container(svc: KeyManager, request: Request) -> Response:
    container = await _find(svc, request, "container:delete", "Container deletion")
    async with svc.writing() as conn:
        await containers.delete(conn, container.id)
    return empty_response(204)
