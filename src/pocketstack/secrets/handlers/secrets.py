"""/v1/secrets and /v1/secrets/{id}: store (in one step, or metadata then ``PUT``), list,
show metadata, delete. Payloads never appear here: they are read from ``/payload``."""

from __future__ import annotations

import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.secrets.handlers import payloads as payload_handlers
from pocketstack.secrets.handlers.base import (
    authorize,
    authorize_on,
    find_secret,
    iso,
    page_links,
    paging,
    read_body,
)
from pocketstack.secrets.objects import payloads, secrets
from pocketstack.secrets.objects.errors import BadRequest
from pocketstack.secrets.objects.secrets import NewSecret, Secret, SecretFilters
from pocketstack.secrets.schemas import secrets as schemas
from pocketstack.secrets.service import KeyManager

__all__ = [
    "create_secret",
    "delete_secret",
    "get_secret",
    "list_secrets",
    "put_secret",
    "secret_ref",
]

_FILTERS = ("name", "alg", "mode", "bits", "secret_type")


def secret_ref(request: Request, secret_id: str) -> str:
    return f"{context_of(request).base_url}/v1/secrets/{secret_id}"


def _serialize(request: Request, secret: Secret) -> dict[str, Any]:
    body: dict[str, Any] = {
        "secret_ref": secret_ref(request, secret.id),
        "name": secret.name,
        "secret_type": secret.secret_type,
        "algorithm": secret.algorithm,
        "bit_length": secret.bit_length,
        "mode": secret.mode,
        "expiration": iso(secret.expiration),
        "status": "ACTIVE",
        "created": iso(secret.created_at),
        "updated": iso(secret.updated_at),
        "creator_id": secret.creator_id,
    }
    if secret.content_type is not None:
        body["content_types"] = {"default": secret.content_type}
    return body


def _expiration(text: str | None) -> datetime.datetime | None:
    """An ISO 8601 time in the future, as naive UTC; blank means none."""
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest("Invalid date for 'expiration'") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    if moment <= secrets.now():
        raise BadRequest("'expiration' is before current time")
    return moment


def _new_secret(body: dict[str, Any]) -> NewSecret:
    """Barbican's rules beyond the schema, in its order; nothing is written before them."""
    expiration = _expiration(body.get("expiration"))
    payload = None
    if "payload" in body:
        payload = payloads.from_json(
            body["payload"], body.get("payload_content_type"), body.get("payload_content_encoding")
        )
    elif body.get("payload_content_type") is not None:
        raise BadRequest("payload must be provided when payload_content_type is specified")
    if body.get("transport_key_needed") == "true":
        raise BadRequest("Transport keys are not supported; send the payload over TLS.")
    return NewSecret(
        name=body.get("name"),
        secret_type=body.get("secret_type") or "opaque",
        algorithm=body.get("algorithm"),
        bit_length=body.get("bit_length"),
        mode=body.get("mode"),
        expiration=expiration,
        payload=payload,
    )


async def list_secrets(svc: KeyManager, request: Request) -> Response:
    ctx = authorize(svc, request, "secrets:get", "Secret(s) retrieval")
    offset, limit = paging(request)
    query = request.query_params
    bits = query.get("bits", "")  # a bad ``bits`` is no filter, as upstream
    filters = SecretFilters(
        name=query.get("name") or None,
        algorithm=query.get("alg") or None,
        mode=query.get("mode") or None,
        secret_type=query.get("secret_type") or None,
        bit_length=int(bits) if bits.isdigit() else None,
    )
    async with svc.reading() as conn:
        found, total = await secrets.list_(
            conn, str(ctx.project_id), filters, offset=offset, limit=limit
        )
    body: dict[str, Any] = {"secrets": [_serialize(request, s) for s in found], "total": total}
    if found:
        kept = {name: query[name] for name in _FILTERS if query.get(name)}
        body.update(page_links(f"{ctx.base_url}/v1/secrets", offset, limit, total, kept))
    return json_response(body)


async def create_secret(svc: KeyManager, request: Request) -> Response:
    ctx = authorize(svc, request, "secrets:post", "Secret creation")
    new = _new_secret(await read_body(request, schemas.NEW_SECRET, "Secret"))
    async with svc.writing() as conn:
        secret = await secrets.create(
            conn,
            svc.cipher,
            project_id=str(ctx.project_id),
            creator_id=ctx.authenticated.user_id,
            new=new,
        )
    ref = secret_ref(request, secret.id)
    return json_response({"secret_ref": ref}, 201, {"Location": ref})


def _wants_metadata(accept: str | None) -> bool:
    """JSON unless ``Accept`` names something else (Barbican's deprecated payload read)."""
    if not accept or not accept.strip():
        return True
    media = {item.split(";")[0].strip().lower() for item in accept.split(",")}
    return bool(media & {"application/json", "*/*"})


async def get_secret(svc: KeyManager, request: Request) -> Response:
    secret = await find_secret(svc, request, "secret:get", "Secret retrieval")
    if _wants_metadata(request.headers.get("accept")):
        return json_response(_serialize(request, secret))
    authorize_on(
        svc,
        request,
        "secret",
        secret.project_id,
        "secret:decrypt",
        payload_handlers.OPERATION,
        secrets.SECRET_NOT_FOUND,
    )
    return await payload_handlers.serve_payload(svc, request, secret)


async def put_secret(svc: KeyManager, request: Request) -> Response:
    """The second step of a two-step upload: the raw payload, typed by ``Content-Type``."""
    secret = await find_secret(svc, request, "secret:put", "Secret update")
    payload = payloads.from_upload(
        await request.body(),
        request.headers.get("content-type"),
        request.headers.get("content-encoding"),
    )
    async with svc.writing() as conn:
        await secrets.store_payload(conn, svc.cipher, secret.id, payload)
    return empty_response(204)


async def delete_secret(svc: KeyManager, request: Request) -> Response:
    secret = await find_secret(svc, request, "secret:delete", "Secret deletion")
    async with svc.writing() as conn:
        await secrets.delete(conn, secret.id)
    return empty_response(204)
