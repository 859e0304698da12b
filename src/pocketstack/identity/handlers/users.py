"""/v3/users: CRUD (the password is hashed), own password change, a user's projects."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.schema import read_json
from pocketstack.identity import schemas
from pocketstack.identity.handlers.base import authorize, collection, entity, filters
from pocketstack.identity.objects import projects, users
from pocketstack.identity.service import Identity

__all__ = ["change_password", "create_user", "delete_user", "list_user_projects", "list_users",
           "show_user", "update_user"]


def _target(request: Request) -> dict[str, object]:
    return {"target": {"user": {"id": request.path_params["ident"]}}}


async def show_user(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:get_user", _target(request))
    async with svc.reading() as conn:
        data = await users.get(conn, request.path_params["ident"])
    return json_response({"user": entity(ctx, "users", data)})


async def list_users(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_users")
    async with svc.reading() as conn:
        items = await users.list_(conn, filters(request, "name", "domain_id", "enabled"))
    return json_response(collection(ctx, request, "users", "users", items))


async def create_user(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:create_user")
    values = dict((await read_json(request, schemas.USER_CREATE))["user"])
    if not values.get("domain_id"):
        values["domain_id"] = ctx.authenticated.domain_id or "default"
    async with svc.writing() as conn:
        data = await users.create(conn, svc.hasher, values)
    return json_response({"user": entity(ctx, "users", data)}, 201)


async def update_user(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:update_user", _target(request))
    changes = (await read_json(request, schemas.USER_UPDATE))["user"]
    async with svc.writing() as conn:
        data = await users.update(conn, svc.hasher, request.path_params["ident"], changes)
    return json_response({"user": entity(ctx, "users", data)})


async def delete_user(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:delete_user", _target(request))
    async with svc.writing() as conn:
        await users.delete(conn, request.path_params["ident"])
    return empty_response(204)


async def change_password(svc: Identity, request: Request) -> Response:
    authorize(svc, request, "identity:change_password", _target(request))
    body = (await read_json(request, schemas.PASSWORD_CHANGE))["user"]
    async with svc.writing() as conn:
        await users.change_password(conn, svc.hasher, request.path_params["ident"],
                                    body["original_password"], body["password"])
    return empty_response(204)


async def list_user_projects(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_user_projects", _target(request))
    user_id = request.path_params["ident"]
    snapshot = svc.view.snapshot
    async with svc.reading() as conn:
        await users.get(conn, user_id)
        every = await projects.list_(conn, filters(request, "name", "domain_id", "enabled"))
    mine = [p for p in every if p["id"] in snapshot.projects
            and snapshot.project_roles(user_id, snapshot.projects[p["id"]])]
    return json_response(collection(ctx, request, "projects", "projects", mine))
