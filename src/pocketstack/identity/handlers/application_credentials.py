"""/v3/users/{user}/application_credentials: create (secret shown once), list, show, delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.identity import schemas
from pocketstack.identity.handlers.base import authorize, collection, entity, iso, parse_iso
from pocketstack.identity.objects import app_creds
from pocketstack.identity.service import Identity

__all__ = ["create_app_cred", "delete_app_cred", "list_app_creds", "show_app_cred"]

_COLL = "application_credentials"


def _target(request: Request) -> dict[str, object]:
    return {"target": {"user": {"id": request.path_params["user"]}}}


def _shape(data: dict[str, object]) -> dict[str, object]:
    expires = data.get("expires_at")
    return {**data, "expires_at": iso(expires) if isinstance(expires, float) else None}


async def create_app_cred(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:create_application_credential", _target(request))
    auth = ctx.authenticated
    if auth.project_id is None or auth.application_credential_id:
        raise ApiError(403, "An application credential must be created with a project-scoped "
                       "token that is not itself from an application credential.")
    body = (await read_json(request, schemas.APP_CRED_CREATE))["application_credential"]
    snapshot = svc.view.snapshot
    by_name = {name: rid for rid, name in snapshot.roles.items()}
    held = snapshot.project_roles(auth.user_id, snapshot.projects[auth.project_id])
    wanted = [r.get("id") or by_name.get(r.get("name", ""), "") for r in body.get("roles") or []]
    if not wanted:
        wanted = [by_name[name] for name in auth.roles if name in by_name]
    if not set(wanted) <= held:
        raise ApiError(403, "You can only grant roles you hold on the project.")
    expires = parse_iso(body["expires_at"]) if body.get("expires_at") else None
    async with svc.writing() as conn:
        data = await app_creds.create(
            conn, svc.hasher, user_id=auth.user_id, project_id=auth.project_id,
            name=body["name"], description=body.get("description"), secret=body.get("secret"),
            expires_at=expires, unrestricted=bool(body.get("unrestricted")), role_ids=wanted,
            access_rules=body.get("access_rules") or [])
    return json_response({"application_credential": entity(ctx, _COLL, _shape(data))}, 201)


async def list_app_creds(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_application_credentials", _target(request))
    async with svc.reading() as conn:
        items = await app_creds.list_(conn, request.path_params["user"],
                                      request.query_params.get("name"))
    return json_response(collection(ctx, request, _COLL, _COLL, [_shape(i) for i in items]))


async def show_app_cred(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:get_application_credential", _target(request))
    async with svc.reading() as conn:
        data = await app_creds.get(conn, request.path_params["user"],
                                   request.path_params["ident"])
    return json_response({"application_credential": entity(ctx, _COLL, _shape(data))})


async def delete_app_cred(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:delete_application_credential", _target(request))
    async with svc.writing() as conn:
        await app_creds.delete(conn, request.path_params["user"], request.path_params["ident"])
    return empty_response(204)
