"""/flavors: list (brief and detail, paged), show, and for admins create, describe, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize, links, require, version, want
from pocketstack.compute.objects import flavors
from pocketstack.compute.schemas import flavors as schemas
from pocketstack.compute.service import Compute

__all__ = [
    "create_flavor",
    "delete_flavor",
    "list_flavors",
    "list_flavors_detail",
    "parse_is_public",
    "show_flavor",
    "update_flavor",
    "view_flavor",
]

_SPECS_RULE = "os_compute_api:os-flavor-extra-specs:index"


def parse_is_public(raw: str | None) -> bool | None:
    """Nova's ``is_public`` filter: absent = public only, ``none`` = all."""
    if raw is None:
        return True
    lowered = raw.strip().lower()
    if lowered == "none":
        return None
    if lowered in ("true", "1", "t", "yes", "y", "on"):
        return True
    if lowered in ("false", "0", "f", "no", "n", "off"):
        return False
    raise ApiError(400, f"Invalid is_public filter [{raw}]")


def view_flavor(flavor: dict[str, Any], ver: tuple[int, int], flavor_links: list[dict[str, str]],
                *, with_specs: bool) -> dict[str, Any]:
    """The detailed flavor at microversion ``ver``."""
    swap = flavor["swap"]
    body: dict[str, Any] = {
        "id": flavor["flavorid"], "name": flavor["name"], "ram": flavor["memory_mb"],
        "disk": flavor["root_gb"], "vcpus": flavor["vcpus"],
        "swap": swap if swap or ver >= (2, 75) else "",
        "OS-FLV-EXT-DATA:ephemeral": flavor["ephemeral_gb"],
        "OS-FLV-DISABLED:disabled": flavor["disabled"],
        "os-flavor-access:is_public": flavor["is_public"],
        "rxtx_factor": flavor["rxtx_factor"], "links": flavor_links,
    }
    if ver >= (2, 55):
        body["description"] = flavor["description"]
    if ver >= (2, 61) and with_specs:
        body["extra_specs"] = dict(flavor["extra_specs"])
    return body


def _brief(request: Request, flavor: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": flavor["flavorid"], "name": flavor["name"],
                            "links": links(request, "flavors", flavor["flavorid"])}
    if want(request, (2, 55)):
        body["description"] = flavor["description"]
    return body


def _view(svc: Compute, request: Request, flavor: dict[str, Any]) -> dict[str, Any]:
    auth = context_of(request).authenticated
    target = {"project_id": auth.project_id, "user_id": auth.user_id}
    with_specs = svc.enforcer.check(_SPECS_RULE, target, auth.credentials())
    return view_flavor(flavor, version(request), links(request, "flavors", flavor["flavorid"]),
                       with_specs=with_specs)


def _int_param(request: Request, name: str) -> int:
    raw = request.query_params.get(name, "0")
    if not raw.isdigit():
        raise ApiError(400, f"Invalid {name} filter [{raw}]")
    return int(raw)


async def _page(svc: Compute, request: Request) -> list[dict[str, Any]]:
    auth = context_of(request).authenticated
    params = request.query_params
    limit = min(_int_param(request, "limit") or svc.settings.compute.max_limit,
                svc.settings.compute.max_limit)
    sort_dir = params.get("sort_dir", "asc")
    if sort_dir not in ("asc", "desc"):
        raise ApiError(400, "Invalid sort_dir: must be one of 'asc' or 'desc'")
    async with svc.reading() as conn:
        try:
            return await flavors.list_flavors(
                conn, is_public=None if not auth.is_admin else parse_is_public(
                    params.get("is_public")),
                project_id=None if auth.is_admin else auth.project_id,
                min_ram=_int_param(request, "minRam"), min_disk=_int_param(request, "minDisk"),
                sort_key=params.get("sort_key", "flavorid"), sort_dir=sort_dir, limit=limit,
                marker=params.get("marker"))
        except flavors.MarkerNotFound as error:
            raise ApiError(400, str(error)) from None


def _paged(request: Request, found: list[dict[str, Any]], items: list[dict[str, Any]],
           path: str) -> dict[str, Any]:
    body: dict[str, Any] = {"flavors": items}
    limit = request.query_params.get("limit")
    if limit and limit.isdigit() and found and len(found) == int(limit):
        base = context_of(request).base_url
        body["flavors_links"] = [{"rel": "next", "href": (
            f"{base}/v2.1/{path}?limit={limit}&marker={found[-1]['flavorid']}")}]
    return body


async def list_flavors(svc: Compute, request: Request) -> Response:
    found = await _page(svc, request)
    return json_response(_paged(request, found, [_brief(request, f) for f in found], "flavors"))


async def list_flavors_detail(svc: Compute, request: Request) -> Response:
    found = await _page(svc, request)
    items = [_view(svc, request, f) for f in found]
    return json_response(_paged(request, found, items, "flavors/detail"))


async def show_flavor(svc: Compute, request: Request) -> Response:
    auth = context_of(request).authenticated
    flavorid = request.path_params["flavor_id"]
    async with svc.reading() as conn:
        flavor = await flavors.get_flavor(conn, flavorid)
        if not (flavor["is_public"] or auth.is_admin
                or auth.project_id in await flavors.list_access(conn, flavor["id"])):
            raise flavors.FlavorNotFound(flavorid)
    return json_response({"flavor": _view(svc, request, flavor)})


async def create_flavor(svc: Compute, request: Request) -> Response:
    authorize(svc, request, "os_compute_api:os-flavor-manage:create")
    checker = schemas.CREATE_V255 if want(request, (2, 55)) else schemas.CREATE
    given = (await read_json(request, checker))["flavor"]
    spec = {"flavorid": given.get("id"), "name": given["name"], "memory_mb": int(given["ram"]),
            "vcpus": int(given["vcpus"]), "root_gb": int(given["disk"]),
            "ephemeral_gb": int(given.get("OS-FLV-EXT-DATA:ephemeral", 0)),
            "swap": int(given.get("swap", 0)),
            "rxtx_factor": float(given.get("rxtx_factor", 1.0)),
            "is_public": given.get("os-flavor-access:is_public", True),
            "description": given.get("description")}
    async with svc.writing() as conn:
        try:
            made = await flavors.create_flavor(conn, spec)
        except flavors.FlavorConflict as error:
            raise ApiError(409, str(error)) from None
    return json_response({"flavor": _view(svc, request, made)})


async def update_flavor(svc: Compute, request: Request) -> Response:
    require(request, (2, 55))
    authorize(svc, request, "os_compute_api:os-flavor-manage:update")
    given = (await read_json(request, schemas.UPDATE))["flavor"]
    async with svc.writing() as conn:
        updated = await flavors.set_description(
            conn, request.path_params["flavor_id"], given["description"])
    return json_response({"flavor": _view(svc, request, updated)})


async def delete_flavor(svc: Compute, request: Request) -> Response:
    authorize(svc, request, "os_compute_api:os-flavor-manage:delete")
    async with svc.writing() as conn:
        await flavors.delete_flavor(conn, request.path_params["flavor_id"])
    return empty_response(202)
