"""/os-server-groups: a project's server groups (create, list, show, delete); ``policies``
below 2.64, ``policy`` and ``rules`` from 2.64; 10 groups per project."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize, version, want
from pocketstack.compute.objects import quotas
from pocketstack.compute.objects import server_groups as groups
from pocketstack.compute.schemas import server_groups as schemas
from pocketstack.compute.service import Compute

__all__ = [
    "create_server_group",
    "delete_server_group",
    "list_server_groups",
    "show_server_group",
    "view_group",
]

_RULE = "os_compute_api:os-server-groups:"


def view_group(group: dict[str, Any], ver: tuple[int, int]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": group["uuid"], "name": group["name"]}
    if ver >= (2, 64):
        body.update(policy=group["policy"], rules=group["rules"])
    else:
        body.update(policies=[group["policy"]], metadata={})
    body["members"] = list(group["members"])
    if ver >= (2, 13):
        body.update(project_id=group["project_id"], user_id=group["user_id"])
    return body


async def _owned(svc: Compute, request: Request, action: str) -> dict[str, Any]:
    """The group of the URL, once the caller may ``action`` it (404 when unknown)."""
    async with svc.reading() as conn:
        group = await groups.get_group(conn, request.path_params["group_id"])
    if group is None:
        raise ApiError(404, str(groups.GroupNotFound(request.path_params["group_id"])))
    authorize(svc, request, _RULE + action,
              {"project_id": group["project_id"], "user_id": group["user_id"]})
    return group


async def create_server_group(svc: Compute, request: Request) -> Response:
    ctx = authorize(svc, request, _RULE + "create")
    checker = (schemas.CREATE_V264 if want(request, (2, 64)) else schemas.CREATE_V215
               if want(request, (2, 15)) else schemas.CREATE)
    given = (await read_json(request, checker))["server_group"]
    policy = given["policy"] if "policy" in given else given["policies"][0]
    rules = {key: int(value) for key, value in (given.get("rules") or {}).items()}
    if rules and policy != "anti-affinity":
        raise ApiError(400, "Only anti-affinity policy supports rules.")
    auth = ctx.authenticated
    project_id = auth.project_id or ""
    async with svc.writing() as conn:
        limits = await quotas.project_limits(conn, svc.settings.quota, project_id)
        try:
            made = await groups.create_group(conn, name=given["name"], policy=policy,
                                             rules=rules, project_id=project_id,
                                             user_id=auth.user_id,
                                             limit=limits["server_groups"])
        except groups.GroupQuotaExceeded as error:
            raise ApiError(403, str(error)) from None
    return json_response({"server_group": view_group(made, version(request))})


def _count(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise ApiError(400, f"Invalid input for query parameters {name}. Value: {raw}.")
    return int(raw)


async def list_server_groups(svc: Compute, request: Request) -> Response:
    ctx = authorize(svc, request, _RULE + "index")
    auth = ctx.authenticated
    every = request.query_params.get("all_projects", "").lower() in ("true", "1", "yes")
    if every:
        creds = auth.credentials()
        every = svc.enforcer.check(_RULE + "index:all_projects",
                                   {"project_id": auth.project_id}, creds)
    limit = _count(request, "limit")
    async with svc.reading() as conn:
        found = await groups.list_groups(
            conn, None if every else auth.project_id,
            limit=min(limit or svc.settings.compute.max_limit, svc.settings.compute.max_limit),
            offset=_count(request, "offset") or 0)
    ver = version(request)
    return json_response({"server_groups": [view_group(g, ver) for g in found]})


async def show_server_group(svc: Compute, request: Request) -> Response:
    group = await _owned(svc, request, "show")
    return json_response({"server_group": view_group(group, version(request))})


async def delete_server_group(svc: Compute, request: Request) -> Response:
    group = await _owned(svc, request, "delete")
    async with svc.writing() as conn:
        await groups.delete_group(conn, group["uuid"])
    return empty_response(204)
