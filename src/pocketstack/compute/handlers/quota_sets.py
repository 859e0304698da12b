"""/os-quota-sets/{tenant_id} (show, detail, defaults, update, delete; ``?user_id=`` for a
user's quotas) and /os-quota-class-sets/{id} (the ``default`` class), as Nova's DB driver."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import caller_token
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize, version
from pocketstack.compute.objects import quotas, server_groups
from pocketstack.compute.schemas import quotas as schemas
from pocketstack.compute.service import Compute

__all__ = ["delete_quota_set", "show_class_set", "show_defaults", "show_detail",
           "show_quota_set", "update_class_set", "update_quota_set"]

_RULE = "os_compute_api:os-quota-sets:"
_TRUE = {True, "True", "true", "1"}


async def _tenant(svc: Compute, request: Request, rule: str) -> tuple[str, str | None]:
    """The URL's project (checked against identity: unknown is a 400) and ``user_id``,
    once ``rule`` allows the caller."""
    project_id = request.path_params["tenant_id"]
    user_id = request.query_params.get("user_id") or None
    authorize(svc, request, _RULE + rule, {"project_id": project_id, "user_id": user_id or ""})
    if await svc.clients.identity.project_exists(project_id, caller_token(request)) is False:
        raise ApiError(400, f"Project ID {project_id} is not a valid project.")
    return project_id, user_id


async def _limits(svc: Compute, project_id: str, user_id: str | None) -> dict[str, int]:
    async with svc.reading() as api:
        if user_id is None:
            return await quotas.project_limits(api, svc.settings.quota, project_id)
        return await quotas.user_limits(api, svc.settings.quota, project_id, user_id)


async def _in_use(svc: Compute, project_id: str, user_id: str | None) -> dict[str, int]:
    usage = await quotas.count(svc.settings.quota, svc, svc.cells.all(),
                               svc.clients.placement, project_id, user_id=user_id,
                               within=svc.settings.cells.timeout)
    async with svc.reading() as api:
        groups = await server_groups.count_groups(api, project_id)
    return {"instances": usage.instances, "cores": usage.cores, "ram": usage.ram,
            "server_groups": groups}


def _shown(limits: Mapping[str, int], keys: Sequence[str]) -> dict[str, int]:
    return {key: limits[key] for key in keys}


async def show_quota_set(svc: Compute, request: Request) -> Response:
    project_id, user_id = await _tenant(svc, request, "show")
    limits = await _limits(svc, project_id, user_id)
    return json_response({"quota_set": {"id": project_id, **_shown(
        limits, schemas.set_keys(version(request)))}})


async def show_detail(svc: Compute, request: Request) -> Response:
    project_id, user_id = await _tenant(svc, request, "detail")
    limits = await _limits(svc, project_id, user_id)
    used = await _in_use(svc, project_id, user_id)
    body: dict[str, Any] = {key: {"in_use": used.get(key, 0), "limit": limits[key],
                                  "reserved": 0}
                            for key in schemas.set_keys(version(request))}
    return json_response({"quota_set": {"id": project_id, **body}})


async def show_defaults(svc: Compute, request: Request) -> Response:
    project_id, _ = await _tenant(svc, request, "defaults")
    async with svc.reading() as api:
        limits = await quotas.class_limits(api, svc.settings.quota)
    return json_response({"quota_set": {"id": project_id, **_shown(
        limits, schemas.set_keys(version(request)))}})


def _values(given: Mapping[str, Any]) -> dict[str, int]:
    values: dict[str, int] = {}
    for key, raw in given.items():
        if key == "force" or raw is None:
            continue
        value = int(raw)
        if not -1 <= value <= 2147483647:
            raise ApiError(400, f"Invalid input for field/attribute {key}. Value: {raw}. "
                                f"{value} is not in [-1, 2147483647]")
        values[key] = value
    return values


async def _check_settable(svc: Compute, project_id: str, user_id: str | None,
                          values: Mapping[str, int]) -> None:
    """Nova's minimum (what is in use) and, for a user, maximum (the project's limit)."""
    used = await _in_use(svc, project_id, user_id)
    project = await _limits(svc, project_id, None)
    for key, value in values.items():
        in_use = used.get(key, 0)
        if value != -1 and value < in_use:
            raise ApiError(400, f"Quota limit {value} for {key} must be greater than or "
                                f"equal to already used and reserved {in_use}.")
        if user_id is not None and project[key] != -1 and (value == -1
                                                            or value > project[key]):
            raise ApiError(400, f"Quota limit {value} for {key} must be less than or equal "
                                f"to {project[key]}.")


async def update_quota_set(svc: Compute, request: Request) -> Response:
    project_id, user_id = await _tenant(svc, request, "update")
    ver = version(request)
    given = (await read_json(request, schemas.update(ver)))["quota_set"]
    values = _values(given)
    if given.get("force") not in _TRUE:
        await _check_settable(svc, project_id, user_id, values)
    async with svc.writing() as api:
        await quotas.set_limits(api, project_id, values, user_id=user_id)
    limits = await _limits(svc, project_id, user_id)
    return json_response({"quota_set": _shown(limits, schemas.set_keys(ver))})


async def delete_quota_set(svc: Compute, request: Request) -> Response:
    project_id, user_id = await _tenant(svc, request, "delete")
    async with svc.writing() as api:
        await quotas.delete_limits(api, project_id, user_id=user_id)
    return empty_response(202)


def _class_name(request: Request) -> str:
    name = request.path_params["class_name"]
    if len(name) > 255:
        raise ApiError(400, "Quota class name is too long.")
    return str(name)


async def show_class_set(svc: Compute, request: Request) -> Response:
    authorize(svc, request, "os_compute_api:os-quota-class-sets:show")
    name = _class_name(request)
    async with svc.reading() as api:
        limits = await quotas.class_limits(api, svc.settings.quota)
    return json_response({"quota_class_set": {"id": name, **_shown(
        limits, schemas.class_keys(version(request)))}})


async def update_class_set(svc: Compute, request: Request) -> Response:
    """Only the ``default`` class means anything (as upstream); others are accepted and
    shown with the default's values."""
    authorize(svc, request, "os_compute_api:os-quota-class-sets:update")
    name = _class_name(request)
    ver = version(request)
    values = _values((await read_json(request, schemas.class_update(ver)))["quota_class_set"])
    if name == quotas.DEFAULT_CLASS:
        async with svc.writing() as api:
            await quotas.set_class_limits(api, values)
    async with svc.reading() as api:
        limits = await quotas.class_limits(api, svc.settings.quota)
    return json_response({"quota_class_set": _shown(limits, schemas.class_keys(ver))})
