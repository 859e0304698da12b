"""What every network handler shares: the caller, policy, request bodies, answers, fields.

Every answer is Neutron's: resources wrapped in their singular or plural key, timestamps as
``2024-01-01T00:00:00Z``, ``tenant_id`` beside ``project_id``, ``?fields=`` selecting keys.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import Schema
from pocketstack.network.objects.common import Standard, Viewer
from pocketstack.network.objects.errors import HTTPBadRequest, NetworkError, PolicyNotAuthorized
from pocketstack.network.service import Network

__all__ = [
    "NetworkHandler",
    "allowed",
    "authorize",
    "bind",
    "created",
    "owner_project",
    "read_bodies",
    "read_body",
    "respond",
    "select_fields",
    "standard_fields",
    "timestamp",
    "viewer",
]

NetworkHandler = Callable[[Network, Request], Awaitable[Response]]


def bind(svc: Network, handler: NetworkHandler) -> Callable[[Request], Awaitable[Response]]:
    """The route-table entry: the service bound in, domain errors mapped to HTTP."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(svc, request)
        except NetworkError as error:
            raise ApiError(error.status, str(error), code=error.kind) from None

    return endpoint


def viewer(svc: Network, request: Request) -> Viewer:
    auth = context_of(request).authenticated
    admin = svc.enforcer.check("context_is_admin", {}, auth.credentials())
    return Viewer(project_id=auth.project_id or "", admin=admin)


def allowed(
    svc: Network, request: Request, rule: str, target: Mapping[str, Any] | None = None
) -> bool:
    credentials = context_of(request).authenticated.credentials()
    return svc.enforcer.check(rule, dict(target or {}), credentials)


def authorize(
    svc: Network, request: Request, rule: str, target: Mapping[str, Any] | None = None
) -> None:
    if not allowed(svc, request, rule, target):
        raise PolicyNotAuthorized(action=rule)


async def _json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise HTTPBadRequest("Resource body required")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise HTTPBadRequest("Malformed request body") from None


def _checked(inner: Any, resource: str, checker: Schema) -> dict[str, Any]:
    """One resource's attributes: known ones only, required ones present, valid."""
    if not isinstance(inner, dict):
        raise HTTPBadRequest(f"Unable to find '{resource}' in request body")
    known = checker.document.get("properties", {})
    unknown = sorted(set(inner) - set(known))
    if unknown:
        raise HTTPBadRequest(f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    for name in checker.document.get("required", ()):
        if name not in inner:
            raise HTTPBadRequest(
                f"Failed to parse request. Required attribute '{name}' not specified"
            )
    errors = checker.errors(inner)
    if errors:
        raise HTTPBadRequest(errors[0])
    return inner


async def read_body(request: Request, resource: str, checker: Schema) -> dict[str, Any]:
    """``{"<resource>": {...}}``: the inner object, known attributes only, validated."""
    body = await _json(request)
    return _checked(body.get(resource) if isinstance(body, dict) else None, resource, checker)


async def read_bodies(
    request: Request, resource: str, plural: str, checker: Schema
) -> tuple[list[dict[str, Any]], bool]:
    """A create's body: ``{"<resource>": {...}}``, or ``{"<plural>": [...]}`` (bulk; True)."""
    body = await _json(request)
    if isinstance(body, dict) and isinstance(body.get(plural), list) and resource not in body:
        if not body[plural]:
            raise HTTPBadRequest(f"Resources required: no {plural} given")
        return [_checked(item, resource, checker) for item in body[plural]], True
    inner = body.get(resource) if isinstance(body, dict) else None
    return [_checked(inner, resource, checker)], False


def created(resource: str, plural: str, items: list[dict[str, Any]], bulk: bool) -> Response:
    """201 with the one resource made, or every one of a bulk create (all or none)."""
    return json_response({plural: items} if bulk else {resource: items[0]}, 201)


def owner_project(
    svc: Network,
    request: Request,
    attrs: Mapping[str, Any],
    rule: str,
    target: Mapping[str, Any] | None = None,
) -> str:
    """The project a new resource belongs to: the caller's, or (admin) the one named."""
    project, tenant = attrs.get("project_id"), attrs.get("tenant_id")
    if project is not None and tenant is not None and project != tenant:
        raise HTTPBadRequest("'project_id' and 'tenant_id' do not match")
    caller = context_of(request).authenticated.project_id or ""
    owner = str(project or tenant or caller)
    authorize(svc, request, rule, {"project_id": owner, "tenant_id": owner, **(target or {})})
    return owner


def timestamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def standard_fields(project_id: str, standard: Standard, *, tagged: bool = True) -> dict[str, Any]:
    """The attributes every resource shows: project, description, revision, times, tags."""
    body: dict[str, Any] = {
        "project_id": project_id,
        "tenant_id": project_id,
        "description": standard.description,
        "revision_number": standard.revision_number,
        "created_at": timestamp(standard.created_at),
        "updated_at": timestamp(standard.updated_at),
    }
    if tagged:
        body["tags"] = list(standard.tags)
    return body


def select_fields(request: Request, item: dict[str, Any]) -> dict[str, Any]:
    """Only the keys named by ``?fields=`` (all when none is named; unknown names ignored)."""
    wanted = [f for f in request.query_params.getlist("fields") if f]
    if not wanted:
        return item
    return {key: value for key, value in item.items() if key in wanted}


def respond(request: Request, key: str, item: dict[str, Any], status: int = 200) -> Response:
    return json_response({key: select_fields(request, item)}, status)
