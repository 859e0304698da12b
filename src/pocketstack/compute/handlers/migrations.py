"""/os-migrations: the resize and cold-migration records of every cell (§4.9), by
microversion; and /servers/{id}/migrations[/{migration_id}]: a server's in-progress live
migrations (from 2.23), of which this cloud runs none.

Who sees what (Nova's policies): ``index`` lets a project manager list; without
``index:all_projects`` the caller must name its own project (``project_id``, from 2.80) or
gets a 403; without ``index:host`` the host fields are null.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.compute.handlers.base import authorize, require, version
from pocketstack.compute.handlers.servers import find_server
from pocketstack.compute.objects import migration_list
from pocketstack.compute.objects.migration_list import MigrationQuery
from pocketstack.compute.schemas import migrations as schemas
from pocketstack.compute.service import Compute

__all__ = ["list_migrations", "list_server_migrations", "show_server_migration"]

_RULE = "os_compute_api:os-migrations:"
_SERVER_RULE = "os_compute_api:servers:migrations:"
_TRUE = {"1", "t", "true", "on", "y", "yes"}
_FIELDS = ("id", "instance_uuid", "old_instance_type_id", "new_instance_type_id", "status")
_HOST_FIELDS = ("source_compute", "source_node", "dest_compute", "dest_node", "dest_host")


def _stamp(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def view_migration(row: dict[str, Any], ver: tuple[int, int], *,
                   hosts: bool) -> dict[str, Any]:
    shown = {name: row[name] for name in _FIELDS}
    shown.update({name: row[name] if hosts else None for name in _HOST_FIELDS})
    shown["created_at"], shown["updated_at"] = (_stamp(row["created_at"]),
                                                _stamp(row["updated_at"]))
    if ver >= (2, 23):  # links only on in-progress live migrations: never here
        shown["migration_type"] = row["migration_type"]
    if ver >= (2, 59):
        shown["uuid"] = row["uuid"]
    if ver >= (2, 80):
        shown["user_id"], shown["project_id"] = row["user_id"], row["project_id"]
    return shown


def _checked(request: Request, ver: tuple[int, int]) -> dict[str, str]:
    """The parameters the version's schema knows, last value of each (others ignored below
    2.59, a 400 from 2.59)."""
    checker = schemas.list_schema(ver)
    known = checker.document["properties"]
    params = request.query_params
    for name in dict.fromkeys(params):
        values = params.getlist(name)
        if name not in known:
            if checker.document["additionalProperties"] is False:
                raise ApiError(400, f"Additional properties are not allowed ('{name}' was "
                                    "unexpected)")
        elif checker.errors({name: values}):
            raise ApiError(400, f"Invalid input for query parameters {name}. Value: "
                                f"{values[0] if len(values) == 1 else values}.")
    return {name: params[name] for name in params if name in known}


def _moment(given: dict[str, str], name: str) -> datetime.datetime | None:
    raw = given.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid input for query parameters {name}. Value: {raw}.") from None
    return moment if moment.tzinfo is None else moment.astimezone(datetime.UTC).replace(
        tzinfo=None)


def _query(svc: Compute, request: Request, ver: tuple[int, int]) -> MigrationQuery:
    given = _checked(request, ver)
    since, before = _moment(given, "changes-since"), _moment(given, "changes-before")
    if since is not None and before is not None and before < since:
        raise ApiError(400, "The value of changes-since must be less than or equal to "
                            "changes-before.")
    cap = svc.settings.compute.max_limit
    limit = min(int(given.get("limit", cap)), cap) if ver >= (2, 59) else None
    return MigrationQuery(
        limit=limit, marker=given.get("marker"), instance_uuid=given.get("instance_uuid"),
        host=given.get("host"), source_compute=given.get("source_compute"),
        status=given.get("status"), migration_type=given.get("migration_type"),
        hidden=given.get("hidden", "").lower() in _TRUE, changes_since=since,
        changes_before=before, user_id=given.get("user_id"),
        project_id=given.get("project_id"))


def _next(request: Request, marker: str) -> list[dict[str, str]]:
    params = sorted((k, v) for k, v in request.query_params.multi_items() if k != "marker")
    project = request.path_params.get("project_id")
    base = f"{context_of(request).base_url}/v2.1{f'/{project}' if project else ''}"
    return [{"rel": "next",
             "href": f"{base}/os-migrations?{urlencode([*params, ('marker', marker)])}"}]


async def list_migrations(svc: Compute, request: Request) -> Response:
    ctx = authorize(svc, request, _RULE + "index")
    ver = version(request)
    query = _query(svc, request, ver)
    auth = ctx.authenticated
    if query.project_id is None or query.project_id != auth.project_id:
        authorize(svc, request, _RULE + "index:all_projects")
    hosts = svc.enforcer.check(_RULE + "index:host", {"project_id": auth.project_id,
                                                      "user_id": auth.user_id},
                               auth.credentials())
    try:
        page = await migration_list.list_migrations(svc.cells.computes(), query,
                                                    timeout=svc.settings.cells.timeout)
    except migration_list.MarkerNotFound as error:
        raise ApiError(400, str(error)) from None
    body: dict[str, Any] = {"migrations": [view_migration(r, ver, hosts=hosts)
                                           for r in page.records]}
    if query.limit and len(page.records) == query.limit:  # only paged from 2.59
        body["migrations_links"] = _next(request, page.records[-1]["uuid"])
    return json_response(body)


async def list_server_migrations(svc: Compute, request: Request) -> Response:
    """Only in-progress live migrations are listed; there are none (resize and cold
    migration records never show here)."""
    require(request, (2, 23))
    await find_server(svc, request, request.path_params["server_id"], _SERVER_RULE + "index")
    return json_response({"migrations": []})


async def show_server_migration(svc: Compute, request: Request) -> Response:
    require(request, (2, 23))
    server_id = request.path_params["server_id"]
    _, found = await find_server(svc, request, server_id, _SERVER_RULE + "show")
    raw, uuid = request.path_params["migration_id"], found.instance["uuid"]
    record = None
    if found.cell is not None and raw.isdigit() and int(raw) < 2**31:
        async with found.cell.reading() as conn:
            record = await migration_list.find_for_instance(conn, int(raw), uuid)
    if record is not None:  # a resize or cold migration: never a live one
        raise ApiError(404, f"Migration {raw} for server {uuid} is not live-migration.")
    raise ApiError(404, f"In-progress live migration {raw} is not found for server {uuid}.")
