"""/os-keypairs: a user's key pairs: generate (private key returned once) or import, list
(paged from 2.35), show, delete; admins reach other users' with ``user_id`` (2.10)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize, want
from pocketstack.compute.objects import keypairs, quotas
from pocketstack.compute.schemas import keypairs as schemas
from pocketstack.compute.service import Compute

__all__ = ["create_keypair", "delete_keypair", "list_keypairs", "show_keypair"]

_RULE = "os_compute_api:os-keypairs:"


def _view(request: Request, pair: dict[str, Any], *extra: str) -> dict[str, Any]:
    body = {"name": pair["name"], "public_key": pair["public_key"],
            "fingerprint": pair["fingerprint"]}
    body.update({field: pair[field] for field in extra})
    if want(request, (2, 2)):
        body["type"] = pair["type"]
    return body


def _owner(svc: Compute, request: Request, action: str, given: str | None = None) -> str:
    """The user whose key pairs are meant (another user's only for admins, from 2.10)."""
    auth = context_of(request).authenticated
    wanted = given or request.query_params.get("user_id")
    user_id = wanted if wanted and want(request, (2, 10)) else auth.user_id
    authorize(svc, request, _RULE + action, {"user_id": user_id, "project_id": auth.project_id})
    return user_id


def _errors(error: Exception) -> ApiError:
    if isinstance(error, keypairs.KeypairExists):
        return ApiError(409, str(error))
    if isinstance(error, keypairs.KeypairQuotaExceeded):
        return ApiError(403, str(error))
    if isinstance(error, keypairs.KeypairNotFound):
        return ApiError(404, str(error))
    return ApiError(400, str(error))


async def create_keypair(svc: Compute, request: Request) -> Response:
    checker = (schemas.CREATE_V292 if want(request, (2, 92)) else schemas.CREATE_V210
               if want(request, (2, 10)) else schemas.CREATE_V22 if want(request, (2, 2))
               else schemas.CREATE)
    given = (await read_json(request, checker))["keypair"]
    user_id = _owner(svc, request, "create", given.get("user_id"))
    private_key, public_key = None, given.get("public_key")
    if public_key is None:
        private_key, public_key = keypairs.generate_key()
    project_id = context_of(request).authenticated.project_id or ""
    async with svc.writing() as conn:
        limits = await quotas.user_limits(conn, svc.settings.quota, project_id, user_id)
        try:
            made = await keypairs.create_keypair(
                conn, user_id=user_id, name=given["name"], key_type=given.get("type", "ssh"),
                public_key=public_key, limit=limits["key_pairs"])
        except (keypairs.KeypairExists, keypairs.KeypairQuotaExceeded,
                keypairs.InvalidKeypair) as error:
            raise _errors(error) from None
    body = _view(request, made, "user_id")
    if private_key is not None:
        body["private_key"] = private_key
    return json_response({"keypair": body}, 201 if want(request, (2, 2)) else 200)


async def list_keypairs(svc: Compute, request: Request) -> Response:
    user_id = _owner(svc, request, "index")
    paged = want(request, (2, 35))
    raw_limit = request.query_params.get("limit") if paged else None
    if raw_limit is not None and not raw_limit.isdigit():
        raise ApiError(400, f"Invalid input for query parameters limit. Value: {raw_limit}.")
    limit = min(int(raw_limit or svc.settings.compute.max_limit), svc.settings.compute.max_limit)
    async with svc.reading() as conn:
        try:
            found = await keypairs.list_keypairs(
                conn, user_id, limit=limit,
                marker=request.query_params.get("marker") if paged else None)
        except keypairs.KeypairNotFound:
            raise ApiError(400, "marker not found") from None
    body: dict[str, Any] = {"keypairs": [{"keypair": _view(request, p)} for p in found]}
    if raw_limit is not None and found and len(found) == limit:
        base = context_of(request).base_url
        body["keypairs_links"] = [{"rel": "next", "href": (
            f"{base}/v2.1/os-keypairs?limit={limit}&marker={found[-1]['name']}")}]
    return json_response(body)


async def show_keypair(svc: Compute, request: Request) -> Response:
    user_id = _owner(svc, request, "show")
    async with svc.reading() as conn:
        try:
            pair = await keypairs.require_keypair(
                conn, user_id, request.path_params["keypair_name"])
        except keypairs.KeypairNotFound as error:
            raise _errors(error) from None
    body = _view(request, pair, "user_id", "id", "created_at", "updated_at")
    body.update({"deleted": False, "deleted_at": None})
    for stamp in ("created_at", "updated_at"):
        body[stamp] = body[stamp].isoformat() if body[stamp] is not None else None
    return json_response({"keypair": body})


async def delete_keypair(svc: Compute, request: Request) -> Response:
    user_id = _owner(svc, request, "delete")
    async with svc.writing() as conn:
        try:
            await keypairs.delete_keypair(conn, user_id, request.path_params["keypair_name"])
        except keypairs.KeypairNotFound as error:
            raise _errors(error) from None
    return empty_response(204 if want(request, (2, 2)) else 202)
