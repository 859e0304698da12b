"""/flavors/{id}/os-flavor-access and the addTenantAccess/removeTenantAccess actions (admins)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize
from pocketstack.compute.objects import flavors
from pocketstack.compute.schemas import flavors as schemas
from pocketstack.compute.service import Compute

__all__ = ["flavor_action", "list_flavor_access"]

_RULE = "os_compute_api:os-flavor-access"


def _body(flavorid: str, projects: list[str]) -> dict[str, list[dict[str, str]]]:
    return {"flavor_access": [{"flavor_id": flavorid, "tenant_id": p} for p in projects]}


async def list_flavor_access(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE)
    flavorid = request.path_params["flavor_id"]
    async with svc.reading() as conn:
        flavor = await flavors.get_flavor(conn, flavorid)
        if flavor["is_public"]:
            raise ApiError(404, "Access list not available for public flavors.")
        projects = await flavors.list_access(conn, flavor["id"])
    return json_response(_body(flavorid, projects))


async def flavor_action(svc: Compute, request: Request) -> Response:
    body = await read_json(request, schemas.ACCESS_ACTION)
    flavorid = request.path_params["flavor_id"]
    adding = "addTenantAccess" in body
    authorize(svc, request, _RULE + (":add_tenant_access" if adding else ":remove_tenant_access"))
    async with svc.writing() as conn:
        if adding:
            flavor = await flavors.get_flavor(conn, flavorid)
            if flavor["is_public"]:
                raise ApiError(409, "Can not add access to a public flavor.")
            try:
                projects = await flavors.add_access(conn, flavorid,
                                                    body["addTenantAccess"]["tenant"])
            except flavors.FlavorConflict as error:
                raise ApiError(409, str(error)) from None
        else:
            try:
                projects = await flavors.remove_access(conn, flavorid,
                                                       body["removeTenantAccess"]["tenant"])
            except flavors.FlavorAccessNotFound as error:
                raise ApiError(404, str(error)) from None
    return json_response(_body(flavorid, projects))
