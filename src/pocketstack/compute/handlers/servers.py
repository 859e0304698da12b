"""/servers: create, list (index and detail, across cells), show, update, delete."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.client import ServiceError
from pocketstack.common.context import RequestContext, caller_token, context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute import quota_check, rpc
from pocketstack.compute.handlers import server_view as view
from pocketstack.compute.handlers.base import authorize, cell_failure, want
from pocketstack.compute.handlers.server_delete import delete_located
from pocketstack.compute.handlers.server_query import down_cell_support, list_query
from pocketstack.compute.objects import (
    boot,
    build_requests,
    instances,
    quotas,
    server_groups,
    server_list,
)
from pocketstack.compute.scheduler.request_groups import RequestInvalid, placement_request
from pocketstack.compute.schemas import servers as schemas
from pocketstack.compute.service import Compute

__all__ = [
    "create_server",
    "delete_server",
    "find_server",
    "list_servers",
    "list_servers_detail",
    "show_server",
    "show_view",
    "update_server",
    "view_options",
]


def view_options(svc: Compute, request: Request) -> view.ViewOptions:
    auth = context_of(request).authenticated
    admin_attrs = svc.enforcer.check("os_compute_api:os-extended-server-attributes",
                                     {"project_id": auth.project_id}, auth.credentials())
    return view.options_for(request, admin_attrs=admin_attrs, is_admin=auth.is_admin)


def check_devices(svc: Compute, flavor: dict[str, Any]) -> None:
    """400 for a flavor asking for devices in a way that cannot be asked (Nova's
    ``PCI alias <name> is not defined``...)."""
    try:
        placement_request({}, flavor.get("extra_specs") or {}, svc.settings.pci.alias)
    except RequestInvalid as error:
        raise ApiError(400, str(error)) from None


async def find_server(svc: Compute, request: Request, server_id: str, rule: str, *,
                      with_extras: bool = False) -> tuple[RequestContext, server_list.Located]:
    """The server (404 when unknown or another project's for a non-admin), after ``rule``
    allowed the caller on it; ``with_extras`` reads what its view needs at once."""
    ctx = context_of(request)
    auth = ctx.authenticated
    async with svc.reading() as api:
        found = await server_list.locate(api, svc.cells, server_id,
                                         timeout=svc.settings.cells.timeout,
                                         with_extras=with_extras)
        if with_extras and want(request, (2, 71)):
            found = dataclasses.replace(found, groups=await server_groups.groups_of(
                api, server_id))
    owner = found.instance["project_id"]
    if owner != auth.project_id and not auth.is_admin:
        raise instances.InstanceNotFound(server_id)
    authorize(svc, request, rule, {"project_id": owner, "user_id": found.instance["user_id"]})
    return ctx, found


async def _groups(svc: Compute, instance_uuid: str) -> list[str]:
    async with svc.reading() as api:
        return await server_groups.groups_of(api, instance_uuid)


async def show_view(svc: Compute, request: Request, found: server_list.Located, *,
                    with_groups: bool = True) -> dict[str, Any]:
    """The full view of one server (faults and volumes read from its cell)."""
    faults, volumes = await server_list.located_extras(found,
                                                       timeout=svc.settings.cells.timeout)
    extras = view.Extras(faults, volumes)
    groups = None
    if with_groups and want(request, (2, 71)):
        groups = found.groups if found.groups is not None else await _groups(
            svc, found.instance["uuid"])
    return view.detail(found.instance, view_options(svc, request), extras, groups=groups)


async def _list(svc: Compute, request: Request, *, detailed: bool) -> Response:
    rule = "detail" if detailed else "index"
    ctx = authorize(svc, request, f"os_compute_api:servers:{rule}")
    query = list_query(svc, request, ctx, rule)
    async with svc.reading() as api:
        try:
            page = await server_list.list_servers(api, svc.cells, query,
                                                  timeout=svc.settings.cells.timeout,
                                                  decoded=svc.builds)
        except server_list.MarkerNotFound as error:
            raise ApiError(400, str(error)) from None
        minimal: list[build_requests.InstanceMapping] = []
        if page.down_cells:
            if down_cell_support(request, ctx.authenticated.is_admin):
                minimal = await build_requests.mappings_in_cells(
                    api, [svc.cells.get(u).mapping.id for u in page.down_cells],
                    query.project_id, query.limit - len(page.records))
            elif not svc.settings.compute.list_records_by_skipping_down_cells:
                raise cell_failure()
    opts = view_options(svc, request)
    items: list[Any] = [(view.minimal_detail(m.instance_uuid, m.project_id, m.created_at, opts)
                         if detailed else view.minimal_index(m.instance_uuid, opts))
                        for m in minimal]
    if detailed:
        items += await _rendered(svc, page, opts)
    else:
        items += [view.index_item(r, opts) for r in page.records]
    body: dict[str, Any] = {"servers": items}
    if items and len(items) >= query.limit:
        last = page.records[-1]["uuid"] if page.records else minimal[-1].instance_uuid
        body["servers_links"] = [{"rel": "next", "href": _next(request, detailed, last)}]
    return json_response(body)


async def _rendered(svc: Compute, page: server_list.Listed,
                    opts: view.ViewOptions) -> list[orjson.Fragment]:
    """The detail view of each record, as JSON: from the view cache while the row's revision
    is unchanged, else rendered from its whole row (read from its cell) and kept."""
    keys: list[tuple[Any, ...] | None] = []
    found: dict[str, orjson.Fragment] = {}
    missing: dict[str, list[str]] = {}
    for record in page.records:
        uuid, cell_uuid = record["uuid"], page.cell_of[record["uuid"]]
        if cell_uuid is None:  # a build request: whole already, and short-lived
            found[uuid] = orjson.Fragment(orjson.dumps(view.detail(record, opts,
                                                                   view.Extras())))
            keys.append(None)
            continue
        key = (cell_uuid, uuid, record["revision"], opts)
        keys.append(key)
        cached = svc.views.get(key)
        if cached is None:
            missing.setdefault(cell_uuid, []).append(uuid)
        else:
            found[uuid] = orjson.Fragment(cached)
    if missing:
        full = await server_list.full_rows(svc.cells, missing,
                                           timeout=svc.settings.cells.timeout)
        extras = view.Extras(full.faults, full.volumes)
        for record, slot in zip(page.records, keys, strict=True):
            row = full.rows.get(record["uuid"])
            if slot is None or row is None or record["uuid"] in found:
                continue
            rendered = orjson.dumps(view.detail(row, opts, extras))
            if row["revision"] == record["revision"]:  # else it changed meanwhile
                svc.views.put(slot, rendered)
            found[record["uuid"]] = orjson.Fragment(rendered)
    return [found[r["uuid"]] for r in page.records if r["uuid"] in found]


def _next(request: Request, detailed: bool, marker: str) -> str:
    params = sorted((k, v) for k, v in request.query_params.multi_items() if k != "marker")
    project = request.path_params.get("project_id")
    tail = f"/{project}" if project else ""
    base = f"{context_of(request).base_url}/v2.1{tail}/servers" + (
        "/detail" if detailed else "")
    return f"{base}?{urlencode([*params, ('marker', marker)])}"


async def list_servers(svc: Compute, request: Request) -> Response:
    return await _list(svc, request, detailed=False)


async def list_servers_detail(svc: Compute, request: Request) -> Response:
    return await _list(svc, request, detailed=True)


async def show_server(svc: Compute, request: Request) -> Response:
    server_id = request.path_params["server_id"]
    try:
        _, found = await find_server(svc, request, server_id, "os_compute_api:servers:show",
                                     with_extras=True)
        return json_response({"server": await show_view(svc, request, found)})
    except server_list.CellUnreachable as error:
        if not want(request, (2, 69)):
            raise cell_failure() from None
        return json_response({"server": await _minimal_show(svc, request, error.mapping)})


async def _minimal_show(svc: Compute, request: Request,
                        mapping: build_requests.InstanceMapping) -> dict[str, Any]:
    """GET /servers/{id} at 2.69+ while the server's cell is down: from its mapping and its
    request spec (404 when it is being deleted or the spec is gone)."""
    auth = context_of(request).authenticated
    uuid = mapping.instance_uuid
    if mapping.project_id != auth.project_id and not auth.is_admin:
        raise instances.InstanceNotFound(uuid)
    authorize(svc, request, "os_compute_api:servers:show",
              {"project_id": mapping.project_id, "user_id": mapping.user_id})
    async with svc.reading() as api:
        spec = await build_requests.get_request_spec(api, uuid)
    if mapping.queued_for_delete or spec is None:
        raise instances.InstanceNotFound(uuid)
    return view.minimal_show(uuid, mapping.project_id, mapping.created_at, spec,
                             view_options(svc, request))


async def create_server(svc: Compute, request: Request) -> Response:
    ctx = authorize(svc, request, "os_compute_api:servers:create")
    auth = ctx.authenticated
    checker = schemas.CREATE_V237 if want(request, (2, 37)) else schemas.CREATE
    document = await read_json(request, checker)
    body, hints = document["server"], document.get("OS-SCH-HNT:scheduler_hints") or {}
    caller = boot.Caller(auth.project_id or "", auth.user_id, ctx.request_id)
    token = caller_token(request)
    try:
        image_ref = boot.require_image_or_volume(body)
        image = await boot.get_image(svc.clients.image, image_ref, token) if image_ref else {}
        await boot.check_block_devices(svc.clients.volume, svc.clients.image, body, token)
        networks = await boot.requested_networks(svc.clients.network, body.get("networks"),
                                                 caller.project_id, token)
        async with svc.reading() as api:
            flavor = await boot.flavor_of(api, body)
        check_devices(svc, flavor)
        count = await quota_check.allowed_count(svc, caller, body, flavor)
        if count != boot.counts(body)[1]:
            body = {**body, "max_count": count}
        async with svc.writing() as api:
            records, group = await boot.build_records(api, body, hints, caller, image=image,
                                                      networks=networks, flavor=flavor)
            await build_requests.create_boot(api, records)
            if group is not None:
                limits = await quotas.project_limits(api, svc.settings.quota,
                                                     caller.project_id)
                await boot.add_group_members(api, group, [r.instance["uuid"] for r in records],
                                             limit=limits["server_group_members"])
    except boot.BootInvalid as error:
        raise ApiError(400, str(error)) from None
    except boot.BootConflict as error:
        raise ApiError(409, str(error)) from None
    except (boot.BootForbidden, quotas.OverQuota) as error:
        raise ApiError(403, str(error)) from None
    except ServiceError as error:
        raise ApiError(503, f"A service compute relies on failed: {error.status}") from None
    uuids = [r.instance["uuid"] for r in records]
    await svc.api_bus.cast(rpc.API_CONDUCTOR, rpc.SCHEDULE_AND_BUILD,
                           {"instance_uuids": uuids, "request_id": ctx.request_id})
    if body.get("return_reservation_id"):
        return json_response({"reservation_id": records[0].instance["reservation_id"]}, 202)
    return json_response(_created(svc, request, records[0], body), 202,
                         {"Location": view_options(svc, request).self_base + uuids[0]})


def _created(svc: Compute, request: Request, record: build_requests.BootRecord,
             body: dict[str, Any]) -> dict[str, Any]:
    opts = view_options(svc, request)
    uuid = record.instance["uuid"]
    server: dict[str, Any] = {
        "id": uuid, "links": [{"rel": "self", "href": opts.self_base + uuid},
                              {"rel": "bookmark", "href": opts.bookmark_base + uuid}],
        "OS-DCF:diskConfig": record.instance["disk_config"],
        "security_groups": [{"name": n} for n in record.instance["security_groups"]]}
    if svc.settings.compute.enable_instance_password:
        server["adminPass"] = body.get("adminPass") or boot.new_password()
    return {"server": server}


async def update_server(svc: Compute, request: Request) -> Response:
    server_id = request.path_params["server_id"]
    _, found = await find_server(svc, request, server_id, "os_compute_api:servers:update")
    checker = schemas.UPDATE_V219 if want(request, (2, 19)) else schemas.UPDATE
    body = (await read_json(request, checker))["server"]
    names = {"name": "display_name", "description": "display_description",
             "accessIPv4": "access_ip_v4", "accessIPv6": "access_ip_v6",
             "OS-DCF:diskConfig": "disk_config", "hostname": "hostname"}
    values = {names[k]: v for k, v in body.items()}
    if found.cell is None:
        raise ApiError(409, f"Cannot 'update' instance {server_id} while it is in vm_state "
                            "building")
    if values:
        async with found.cell.writing() as conn:
            updated = await instances.update_instance(conn, server_id, values)
        found = server_list.Located(found.cell, updated, [], found.mapping)
    return json_response({"server": await show_view(svc, request, found)})


async def delete_server(svc: Compute, request: Request) -> Response:
    ctx, found = await find_server(svc, request, request.path_params["server_id"],
                                   "os_compute_api:servers:delete")
    await delete_located(svc, ctx, found)
    return empty_response(204)
