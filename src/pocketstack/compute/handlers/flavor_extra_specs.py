"""/flavors/{id}/os-extra_specs: a flavor's extra specs, read by members, written by admins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize, want
from pocketstack.compute.objects import flavors
from pocketstack.compute.schemas import flavors as schemas
from pocketstack.compute.service import Compute

__all__ = [
    "create_extra_specs",
    "delete_extra_spec",
    "list_extra_specs",
    "show_extra_spec",
    "update_extra_spec",
]

_RULE = "os_compute_api:os-flavor-extra-specs:"


def _as_strings(specs: dict[str, Any]) -> dict[str, str]:
    return {key: str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in specs.items()}


def _checked(request: Request, specs: dict[str, Any]) -> dict[str, str]:
    """The specs as strings; from 2.86 refused (400) where Nova's validators refuse them."""
    as_strings = _as_strings(specs)
    if want(request, (2, 86)):
        for name, value in as_strings.items():
            reason = schemas.extra_spec_error(name, value)
            if reason is not None:
                raise ApiError(400, reason)
    return as_strings


async def _specs(svc: Compute, request: Request) -> dict[str, str]:
    async with svc.reading() as conn:
        flavor = await flavors.get_flavor(conn, request.path_params["flavor_id"])
    return dict(flavor["extra_specs"])


async def list_extra_specs(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "index")
    return json_response({"extra_specs": await _specs(svc, request)})


async def show_extra_spec(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "show")
    key = request.path_params["key"]
    specs = await _specs(svc, request)
    if key not in specs:
        raise ApiError(404, str(flavors.SpecNotFound(request.path_params["flavor_id"], key)))
    return json_response({key: specs[key]})


async def create_extra_specs(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "create")
    specs = _checked(request, (await read_json(request, schemas.EXTRA_SPECS))["extra_specs"])
    async with svc.writing() as conn:
        await flavors.set_specs(conn, request.path_params["flavor_id"], specs)
    return json_response({"extra_specs": specs})


async def update_extra_spec(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "update")
    key = request.path_params["key"]
    specs = _checked(request, await read_json(request, schemas.ONE_SPEC))
    if key not in specs:
        raise ApiError(400, "Request body and URI mismatch")
    async with svc.writing() as conn:
        await flavors.set_specs(conn, request.path_params["flavor_id"], specs)
    return json_response(specs)


async def delete_extra_spec(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "delete")
    async with svc.writing() as conn:
        try:
            await flavors.delete_spec(conn, request.path_params["flavor_id"],
                                      request.path_params["key"])
        except flavors.SpecNotFound as error:
            raise ApiError(404, str(error)) from None
    return empty_response(200)
