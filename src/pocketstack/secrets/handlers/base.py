"""What every key-manager handler shares: policy and isolation, JSON bodies, paging, errors."""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.context import RequestContext, context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema
from pocketstack.secrets.crypto import UnreadablePayload
from pocketstack.secrets.objects import secrets
from pocketstack.secrets.objects.errors import NotFound, SecretsError
from pocketstack.secrets.objects.secrets import Secret
from pocketstack.secrets.service import KeyManager

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "SecretsHandler",
    "authorize",
    "authorize_on",
    "bind",
    "find_secret",
    "iso",
    "page_links",
    "paging",
    "read_body",
]

SecretsHandler = Callable[[KeyManager, Request], Awaitable[Response]]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100

log = logging.getLogger("pocketstack.secrets")


def bind(svc: KeyManager, handler: SecretsHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, domain errors mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(svc, request)
        except SecretsError as error:
            raise ApiError(error.status, str(error)) from None
        except UnreadablePayload as error:
            log.error("%s %s: %s", request.method, request.url.path, error)
            raise ApiError(
                500, "Secret payload retrieval failure seen - please contact site administrator."
            ) from None

    return endpoint


def _denied(operation: str) -> ApiError:
    return ApiError(
        403, f"{operation} attempt not allowed - please review your user/project privileges"
    )


def authorize(svc: KeyManager, request: Request, rule: str, operation: str) -> RequestContext:
    """A collection call: it always acts in the caller's project, so needs a project scope."""
    ctx = context_of(request)
    auth = ctx.authenticated
    if auth.project_id is None or not svc.enforcer.check(rule, {}, auth.credentials()):
        raise _denied(operation)
    return ctx


def authorize_on(
    svc: KeyManager,
    request: Request,
    kind: str,
    project_id: str,
    rule: str,
    operation: str,
    missing: str,
) -> RequestContext:
    """A call on one resource of ``project_id``: 404 (``missing``) when the caller may not
    know it exists, 403 when they may see it but not do ``rule`` to it."""
    ctx = context_of(request)
    credentials = ctx.authenticated.credentials()
    target = {"target": {kind: {"project_id": project_id}}}
    if not svc.enforcer.check(f"{kind}_visible", target, credentials):
        raise NotFound(missing)
    if not svc.enforcer.check(rule, target, credentials):
        raise _denied(operation)
    return ctx


async def find_secret(svc: KeyManager, request: Request, rule: str, operation: str) -> Secret:
    """The secret named in the path, when the caller may do ``rule`` to it."""
    async with svc.reading() as conn:
        secret = await secrets.get(conn, request.path_params["secret_id"])
    authorize_on(
        svc, request, "secret", secret.project_id, rule, operation, secrets.SECRET_NOT_FOUND
    )
    return secret


def _strip(value: Any) -> Any:
    """Barbican trims every string of a JSON body, however deep."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_strip(item) for item in value]
    if isinstance(value, dict):
        return {key: _strip(item) for key, item in value.items()}
    return value


async def read_body(request: Request, checker: Schema, schema_name: str) -> dict[str, Any]:
    """The JSON body: 415 for another content type, 400 when malformed or off-schema."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if raw and content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(
            415, "Unexpected content type. Expected content types are: ['application/json']"
        )
    try:
        body = _strip(orjson.loads(raw))
    except orjson.JSONDecodeError:
        raise ApiError(400, "Malformed JSON") from None
    errors = checker.errors(body)
    if errors:
        raise ApiError(400, f"Provided object does not match schema '{schema_name}': {errors[0]}")
    assert isinstance(body, dict)  # the schemas require an object
    return body


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def paging(request: Request) -> tuple[int, int]:
    """``offset`` and ``limit`` cleaned as Barbican does: never an error, always in range."""
    offset = _integer(request.query_params.get("offset")) or 0
    limit = _integer(request.query_params.get("limit"))
    limit = DEFAULT_LIMIT if limit is None else limit
    return max(offset, 0), min(max(limit, 1), MAX_LIMIT)


def page_links(
    url: str, offset: int, limit: int, total: int, params: Mapping[str, str]
) -> dict[str, str]:
    """``previous`` when not on the first page, ``next`` when more follow (with the filters)."""

    def at(start: int) -> str:
        return f"{url}?{urlencode({**params, 'limit': limit, 'offset': start})}"

    links: dict[str, str] = {}
    if offset > 0:
        links["previous"] = at(max(0, offset - limit))
    if total > offset + limit:
        links["next"] = at(offset + limit)
    return links


def iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
