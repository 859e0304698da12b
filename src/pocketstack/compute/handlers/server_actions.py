"""POST /servers/{id}/action: power actions, lock, rebuild, createImage, forceDelete; the
moves (resize, migrate, confirmResize, revertResize) are :mod:`.server_migrate`'s.

Each action checks the state, takes the instance's task state by compare-and-swap
(``expected_task_state=[None]``) in its cell, records the instance action and casts the
host; the host agent finishes the task.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.client import ServiceError
from pocketstack.common.context import RequestContext, caller_token
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json, validate
from pocketstack.compute import rpc
from pocketstack.compute.handlers import server_migrate
from pocketstack.compute.handlers.base import want
from pocketstack.compute.handlers.server_delete import check_locked, delete_located
from pocketstack.compute.handlers.servers import find_server, show_view, view_options
from pocketstack.compute.objects import boot, instance_actions, instances
from pocketstack.compute.objects.server_list import Located
from pocketstack.compute.schemas.servers import ACTION_BODIES
from pocketstack.compute.service import Compute

__all__ = ["server_action"]


@dataclasses.dataclass(frozen=True)
class Transition:
    """A host-run action: the vm states it starts from, the task state it takes, what it
    casts, and the instance action it records."""

    name: str  # the action recorded and named in 409s
    rule: str
    vm_states: tuple[str, ...]
    task_state: str
    method: str


_POWER = {
    "os-stop": Transition("stop", "os_compute_api:servers:stop", ("active", "error"),
                          "powering-off", rpc.HostMethod.STOP),
    "os-start": Transition("start", "os_compute_api:servers:start", ("stopped",),
                           "powering-on", rpc.HostMethod.START),
    "pause": Transition("pause", "os_compute_api:os-pause-server:pause", ("active",),
                        "pausing", rpc.HostMethod.PAUSE),
    "unpause": Transition("unpause", "os_compute_api:os-pause-server:unpause", ("paused",),
                          "unpausing", rpc.HostMethod.UNPAUSE),
    "suspend": Transition("suspend", "os_compute_api:os-suspend-server:suspend", ("active",),
                          "suspending", rpc.HostMethod.SUSPEND),
    "resume": Transition("resume", "os_compute_api:os-suspend-server:resume", ("suspended",),
                         "resuming", rpc.HostMethod.RESUME),
}
_SOFT = Transition("reboot", "os_compute_api:servers:reboot", ("active",), "rebooting",
                   rpc.HostMethod.REBOOT)
_HARD = Transition("reboot", "os_compute_api:servers:reboot",
                   ("active", "stopped", "paused", "suspended", "error"), "rebooting_hard",
                   rpc.HostMethod.REBOOT)
_REBUILD = Transition("rebuild", "os_compute_api:servers:rebuild", ("active", "stopped",
                                                                    "error"),
                      "rebuilding", rpc.HostMethod.REBUILD)
_SNAPSHOT = Transition("createImage", "os_compute_api:servers:create_image",
                       ("active", "stopped", "paused", "suspended"), "image_snapshot",
                       rpc.HostMethod.SNAPSHOT)


def _conflict(t: Transition, inst: dict[str, Any], attr: str, state: Any) -> ApiError:
    return ApiError(409, f"Cannot '{t.name}' instance {inst['uuid']} while it is in "
                         f"{attr} {state}")


async def _run(svc: Compute, ctx: RequestContext, found: Located, t: Transition,
               values: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """Check, compare-and-swap the task state, record the action, cast; the instance."""
    check_locked(ctx, found)
    inst, cell = found.instance, found.cell
    if cell is None or inst["vm_state"] not in t.vm_states:
        raise _conflict(t, inst, "vm_state", inst["vm_state"])
    if inst["task_state"] is not None or not inst["host"]:
        raise _conflict(t, inst, "task_state", inst["task_state"])
    auth = ctx.authenticated
    async with cell.writing() as conn:
        try:
            updated = await instances.update_instance(
                conn, inst["uuid"], {**(values or {}), "task_state": t.task_state},
                expected_task_state=[None])
        except instances.UnexpectedTaskState as error:
            raise _conflict(t, inst, "task_state", error.actual) from None
        await instance_actions.start_action(
            conn, instance_uuid=inst["uuid"], action=t.name, request_id=ctx.request_id,
            user_id=auth.user_id, project_id=auth.project_id)
    bus = await svc.cell_bus(cell)
    await bus.cast(rpc.COMPUTE, t.method, {"instance_uuid": inst["uuid"],
                                           "request_id": ctx.request_id, **extra},
                   server=inst["host"])
    return updated


async def _lock(svc: Compute, request: Request, found: Located, body: Any,
                ctx: RequestContext, locking: bool) -> Response:
    inst, cell = found.instance, found.cell
    auth = ctx.authenticated
    if not locking and inst.get("locked_by") == "admin" and not auth.is_admin:
        raise ApiError(403, "Policy doesn't allow os_compute_api:os-lock-server:unlock:"
                            "unlock_override to be performed.")
    if cell is None:
        raise ApiError(409, f"Cannot '{'lock' if locking else 'unlock'}' instance "
                            f"{inst['uuid']} while it is in vm_state building")
    reason = (body or {}).get("locked_reason") if want(request, (2, 73)) else None
    values = {"locked": locking, "locked_reason": reason if locking else None,
              "locked_by": ("admin" if auth.is_admin else "owner") if locking else None}
    async with cell.writing() as conn:
        await instances.update_instance(conn, inst["uuid"], values)
        await instance_actions.start_action(
            conn, instance_uuid=inst["uuid"], action="lock" if locking else "unlock",
            request_id=ctx.request_id, user_id=auth.user_id, project_id=auth.project_id)
    return empty_response(202)


async def _rebuild(svc: Compute, request: Request, found: Located, body: Any,
                   ctx: RequestContext) -> Response:
    image_id = boot.image_ref_of(body["imageRef"])
    try:
        await boot.get_image(svc.clients.image, image_id, caller_token(request))
    except boot.BootInvalid as error:
        raise ApiError(400, str(error)) from None
    names = {"name": "display_name", "metadata": "metadata", "accessIPv4": "access_ip_v4",
             "accessIPv6": "access_ip_v6", "OS-DCF:diskConfig": "disk_config"}
    if want(request, (2, 19)):
        names["description"] = "display_description"
    values = {col: body[key] for key, col in names.items() if key in body}
    updated = await _run(svc, ctx, found, _REBUILD, {**values, "image_ref": image_id},
                         image_ref=image_id)
    view = await show_view(svc, request, Located(found.cell, updated, [], found.mapping))
    if svc.settings.compute.enable_instance_password:
        view["adminPass"] = body.get("adminPass") or boot.new_password()
    return json_response({"server": view}, 202)


async def _create_image(svc: Compute, request: Request, found: Located, body: Any,
                        ctx: RequestContext) -> Response:
    inst = found.instance
    if found.cell is None or inst["vm_state"] not in _SNAPSHOT.vm_states:
        raise _conflict(_SNAPSHOT, inst, "vm_state", inst["vm_state"])
    fields = {"name": body["name"], "disk_format": "qcow2", "container_format": "bare",
              "visibility": "private", "instance_uuid": inst["uuid"],
              "image_type": "snapshot", "base_image_ref": inst["image_ref"] or "",
              "owner": inst["project_id"], **(body.get("metadata") or {})}
    try:
        made = await svc.clients.image.create_image(**fields)
    except ServiceError as error:
        raise ApiError(503, f"The image service failed: {error.status}") from None
    image_id = str(made["id"])
    await _run(svc, ctx, found, _SNAPSHOT, image_id=image_id)
    if want(request, (2, 45)):
        return json_response({"image_id": image_id}, 202)
    location = view_options(svc, request).image_base + image_id
    return empty_response(202, {"Location": location})


Special = Callable[[Compute, Request, Located, Any, RequestContext], Awaitable[Response]]
_RULES = {"lock": "os_compute_api:os-lock-server:lock",
          "unlock": "os_compute_api:os-lock-server:unlock",
          "rebuild": _REBUILD.rule, "createImage": _SNAPSHOT.rule,
          "forceDelete": "os_compute_api:os-deferred-delete:force",
          "reboot": _SOFT.rule, **{name: t.rule for name, t in _POWER.items()},
          **server_migrate.RULES}
_MOVES: dict[str, Special] = {"resize": server_migrate.resize,
                              "migrate": server_migrate.migrate,
                              "confirmResize": server_migrate.confirm_resize,
                              "revertResize": server_migrate.revert_resize}


async def server_action(svc: Compute, request: Request) -> Response:
    document = await read_json(request)
    if not isinstance(document, dict) or len(document) != 1 or next(iter(document)) not in (
            _RULES):
        raise ApiError(400, "There is no such action: " + ", ".join(
            document if isinstance(document, dict) else []))
    action, body = next(iter(document.items()))
    ctx, found = await find_server(svc, request, request.path_params["server_id"],
                                   _RULES[action])
    validate(ACTION_BODIES.get(action, ACTION_BODIES["empty"]), body)
    if action in _POWER:
        await _run(svc, ctx, found, _POWER[action])
        return empty_response(202)
    if action == "reboot":
        hard = body["type"].upper() == "HARD"
        await _run(svc, ctx, found, _HARD if hard else _SOFT,
                   reboot_type="HARD" if hard else "SOFT")
        return empty_response(202)
    if action == "forceDelete":
        await delete_located(svc, ctx, found)
        return empty_response(202)
    if action in _MOVES:
        return await _MOVES[action](svc, request, found, body, ctx)
    if action in ("lock", "unlock"):
        return await _lock(svc, request, found, body, ctx, action == "lock")
    special: Special = _rebuild if action == "rebuild" else _create_image
    return await special(svc, request, found, body, ctx)
