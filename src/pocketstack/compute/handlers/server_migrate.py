"""POST /servers/{id}/action: resize, migrate, confirmResize, revertResize (§4.1, §4.3).

The API checks the state, the flavor, the quota (a growth only) and where the server may
go (``compute:servers:resize:cross_cell``, a target host), records the move in the
server's request spec and, in its cell, the migration and the instance action, then casts
the super-conductor, which drives the rest.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.context import RequestContext
from pocketstack.common.errors import ApiError
from pocketstack.compute import quota_check, rpc
from pocketstack.compute.db.cell_models import services
from pocketstack.compute.handlers.base import authorize, want
from pocketstack.compute.handlers.server_delete import check_locked
from pocketstack.compute.handlers.servers import check_devices
from pocketstack.compute.objects import boot, build_requests, flavors, move_requests, quotas
from pocketstack.compute.objects import migrations as records
from pocketstack.compute.objects.instances import UnexpectedTaskState, now
from pocketstack.compute.objects.scheduling import mapped_hosts
from pocketstack.compute.objects.server_list import Located
from pocketstack.compute.objects.services import is_up
from pocketstack.compute.service import Compute

__all__ = ["RULES", "confirm_resize", "migrate", "resize", "revert_resize"]

CROSS_CELL = "compute:servers:resize:cross_cell"
RULES = {"resize": "os_compute_api:servers:resize",
         "migrate": "os_compute_api:os-migrate-server:migrate",
         "confirmResize": "os_compute_api:servers:confirm_resize",
         "revertResize": "os_compute_api:servers:revert_resize"}


def _conflict(action: str, inst: dict[str, Any], attr: str, state: Any) -> ApiError:
    return ApiError(409, f"Cannot '{action}' instance {inst['uuid']} while it is in "
                         f"{attr} {state}")


def _movable(action: str, ctx: RequestContext, found: Located) -> None:
    """409 unless the server is ACTIVE or SHUTOFF with no task, and not locked."""
    check_locked(ctx, found)
    inst = found.instance
    if found.cell is None or inst["vm_state"] not in ("active", "stopped"):
        raise _conflict(action, inst, "vm_state", inst["vm_state"])
    if inst["task_state"] is not None:
        raise _conflict(action, inst, "task_state", inst["task_state"])


async def _source_up(svc: Compute, found: Located, host: str) -> None:
    """409 when the compute service of ``host`` is down (it must take part)."""
    assert found.cell is not None
    async with found.cell.reading() as conn:
        row = (await conn.execute(sa.select(services).where(
            services.c.host == host, services.c.binary == "nova-compute",
            services.c.deleted == 0))).mappings().first()
    if row is None or not is_up(dict(row), now(), svc.settings.compute.service_down_time):
        raise ApiError(409, "Service is unavailable at this time.")


async def _new_flavor(svc: Compute, ctx: RequestContext, found: Located,
                      body: dict[str, Any]) -> dict[str, Any]:
    """The flavor to resize to, as an instance records it (400s as Nova words them)."""
    auth = ctx.authenticated
    async with svc.reading() as api:
        try:
            flavor = await flavors.get_flavor(api, boot.image_ref_of(str(body["flavorRef"])))
        except flavors.FlavorNotFound:
            raise ApiError(400, "Unable to locate requested flavor.") from None
        if not flavor["is_public"] and not auth.is_admin and auth.project_id not in (
                await flavors.list_access(api, flavor["id"])):
            raise ApiError(400, "Unable to locate requested flavor.")
    current = found.instance["flavor"]
    if flavor["flavorid"] == current.get("flavorid"):
        raise ApiError(400, "When resizing, instances must change flavor!")
    if (int(flavor["root_gb"]) == 0 and int(current.get("root_gb") or 0) != 0
            and found.instance["image_ref"]):
        raise ApiError(400, "Resize to zero disk flavor is not allowed.")
    check_devices(svc, flavor)
    return boot.flavor_at_boot(flavor)


async def _check_growth(svc: Compute, inst: dict[str, Any], old: dict[str, Any],
                        new: dict[str, Any]) -> None:
    try:
        await quota_check.check_deltas(
            svc, inst["project_id"], inst["user_id"],
            cores=int(new["vcpus"]) - int(old["vcpus"]),
            ram=int(new["memory_mb"]) - int(old["memory_mb"]))
    except quotas.OverQuota as error:
        raise ApiError(403, str(error)) from None


async def _target_cell(svc: Compute, found: Located, host: str, cross_cell: bool) -> None:
    """400 unless ``host`` is mapped (to the server's cell, unless it may leave it)."""
    assert found.cell is not None
    async with svc.reading() as api:
        cell_id = (await mapped_hosts(api)).get(host)
    if cell_id is None or (not cross_cell and cell_id != found.cell.mapping.id):
        raise ApiError(400, f"Compute host {host} could not be found.")
    if host == found.instance["host"]:
        raise ApiError(400, "Cannot migrate to the host where the server exists.")


async def _type_id(svc: Compute, flavorid: str | None) -> int | None:
    async with svc.reading() as api:
        try:
            return int((await flavors.get_flavor(api, str(flavorid)))["id"])
        except flavors.FlavorNotFound:  # deleted since the server booted
            return None


async def _start(svc: Compute, ctx: RequestContext, found: Located, *, action: str,
                 new_flavor: dict[str, Any], host: str | None, cross_cell: bool) -> None:
    """Record the move in the request spec and the cell, then cast the super-conductor."""
    inst, cell = found.instance, found.cell
    assert cell is not None
    resizing = action == "resize"
    async with svc.writing() as api:
        spec = await build_requests.get_request_spec(api, inst["uuid"]) or {}
        same_host = resizing and svc.settings.compute.allow_resize_to_same_host
        spec.update({
            "instance_uuid": inst["uuid"], "project_id": inst["project_id"],
            "user_id": inst["user_id"], "flavor": new_flavor, "num_instances": 1,
            "is_bfv": not inst["image_ref"],
            "ignore_hosts": [] if same_host else [inst["host"]],
            "requested_destination": {
                "cell": None if host and cross_cell else cell.uuid,
                "allow_cross_cell_move": cross_cell, "host": host}})
        await build_requests.set_request_spec(api, inst["uuid"], spec)
    auth = ctx.authenticated
    migration = {"uuid": str(uuidlib.uuid4()), "source_compute": inst["host"],
                 "source_node": inst["node"], "source_cell": cell.uuid,
                 "old_instance_type_id": await _type_id(svc, inst["flavor"].get("flavorid")),
                 "new_instance_type_id": await _type_id(svc, new_flavor["flavorid"]),
                 "migration_type": "resize" if resizing else "migration",
                 "user_id": inst["user_id"], "project_id": inst["project_id"]}
    try:
        async with cell.writing() as conn:
            await move_requests.begin_move(
                conn, inst, migration=migration, new_flavor=new_flavor, action=action,
                request_id=ctx.request_id, user_id=auth.user_id, project_id=auth.project_id)
    except UnexpectedTaskState as error:
        raise _conflict(action, inst, "task_state", error.actual) from None
    await svc.api_bus.cast(rpc.API_CONDUCTOR, rpc.MIGRATE_SERVER,
                           {"migration_uuid": migration["uuid"], "cell_uuid": cell.uuid})


def _may_leave_cell(svc: Compute, ctx: RequestContext, inst: dict[str, Any]) -> bool:
    target = {"project_id": inst["project_id"], "user_id": inst["user_id"]}
    return svc.enforcer.check(CROSS_CELL, target, ctx.authenticated.credentials())


async def resize(svc: Compute, request: Request, found: Located, body: Any,
                 ctx: RequestContext) -> Response:
    _movable("resize", ctx, found)
    inst = found.instance
    new_flavor = await _new_flavor(svc, ctx, found, body)
    await _source_up(svc, found, inst["host"])
    await _check_growth(svc, inst, inst["flavor"], new_flavor)
    await _start(svc, ctx, found, action="resize", new_flavor=new_flavor, host=None,
                 cross_cell=_may_leave_cell(svc, ctx, inst))
    return empty_response(202)


async def migrate(svc: Compute, request: Request, found: Located, body: Any,
                  ctx: RequestContext) -> Response:
    inst = found.instance
    host = (body or {}).get("host") if want(request, (2, 56)) else None
    if body and not want(request, (2, 56)):
        raise ApiError(400, "Invalid input for field/attribute migrate. Value: "
                            f"{body}. {body!r} is not of type 'null'")
    if host:
        authorize(svc, request, RULES["migrate"] + ":host",
                  {"project_id": inst["project_id"], "user_id": inst["user_id"]})
    _movable("migrate", ctx, found)
    cross_cell = _may_leave_cell(svc, ctx, inst)
    if host:
        await _target_cell(svc, found, host, cross_cell)
    await _source_up(svc, found, inst["host"])
    await _start(svc, ctx, found, action="migrate", new_flavor=inst["flavor"], host=host,
                 cross_cell=cross_cell)
    return empty_response(202)


async def _finished_migration(found: Located, action: str) -> dict[str, Any]:
    inst = found.instance
    if found.cell is None or inst["vm_state"] != "resized":
        raise _conflict(action, inst, "vm_state", inst["vm_state"])
    if inst["task_state"] is not None:
        raise _conflict(action, inst, "task_state", inst["task_state"])
    async with found.cell.reading() as conn:
        migration = await records.latest_for(conn, inst["uuid"], statuses=["finished"])
    if migration is None:
        raise ApiError(400, "Instance has not been resized.")
    return migration


async def _end(svc: Compute, ctx: RequestContext, found: Located, migration: dict[str, Any],
               action: str) -> None:
    assert found.cell is not None
    auth = ctx.authenticated
    begin = move_requests.begin_confirm if action == "confirmResize" else (
        move_requests.begin_revert)
    try:
        async with found.cell.writing() as conn:
            await begin(conn, found.instance["uuid"], migration["uuid"],
                        request_id=ctx.request_id, user_id=auth.user_id,
                        project_id=auth.project_id)
    except UnexpectedTaskState as error:
        raise _conflict(action, found.instance, "task_state", error.actual) from None
    except move_requests.MoveConflict:
        raise ApiError(400, "Instance has not been resized.") from None
    method = rpc.CONFIRM_RESIZE if action == "confirmResize" else rpc.REVERT_RESIZE
    await svc.api_bus.cast(rpc.API_CONDUCTOR, method, {"migration_uuid": migration["uuid"],
                                                       "cell_uuid": found.cell.uuid})


async def confirm_resize(svc: Compute, request: Request, found: Located, body: Any,
                         ctx: RequestContext) -> Response:
    check_locked(ctx, found)
    migration = await _finished_migration(found, "confirmResize")
    await _end(svc, ctx, found, migration, "confirmResize")
    return empty_response(204)


async def revert_resize(svc: Compute, request: Request, found: Located, body: Any,
                        ctx: RequestContext) -> Response:
    check_locked(ctx, found)
    migration = await _finished_migration(found, "revertResize")
    inst = found.instance
    old = inst["old_flavor"] or inst["flavor"]
    await _check_growth(svc, inst, inst["flavor"], old)
    await _end(svc, ctx, found, migration, "revertResize")
    return empty_response(202)
