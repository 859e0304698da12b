"""Deleting a server (``DELETE /servers/{id}`` and the ``forceDelete`` action), §1.9.

A build request is deleted (the super-conductor notices); an instance no host runs (cell0,
never built) is soft-deleted in its cell and its allocations dropped; otherwise its host is
told to terminate it. The instance mapping is queued for delete in every case.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import ApiError
from pocketstack.compute import rpc
from pocketstack.compute.objects import (
    build_requests,
    instance_actions,
    instances,
    migrations,
    move_requests,
)
from pocketstack.compute.objects.server_list import Located, cell_bdms, locate
from pocketstack.compute.service import Compute

CONFIRM_TIMEOUT = 300.0  # seconds a delete waits for the confirm of a resize it ends

__all__ = ["check_locked", "delete_located"]


def check_locked(ctx: RequestContext, found: Located) -> None:
    """409 for a non-admin on a locked server."""
    if found.instance.get("locked") and not ctx.authenticated.is_admin:
        raise ApiError(409, f"Instance {found.instance['uuid']} is locked")


async def _confirm_first(svc: Compute, ctx: RequestContext, found: Located) -> Located:
    """A server waiting in VERIFY_RESIZE is confirmed before it goes (Nova's
    ``_confirm_resize_on_deleting``): the source guest and the migration's allocations
    must not outlive it. 409 while a move is under way."""
    inst, cell = found.instance, found.cell
    if cell is None:
        return found
    if str(inst["task_state"] or "").startswith("resize_"):
        raise ApiError(409, f"Cannot 'delete' instance {inst['uuid']} while it is in "
                            f"task_state {inst['task_state']}")
    if inst["vm_state"] != "resized":
        return found
    async with cell.reading() as conn:
        migration = await migrations.latest_for(conn, inst["uuid"], statuses=["finished"])
    if migration is None:
        return found
    auth = ctx.authenticated
    try:
        async with cell.writing() as conn:
            await move_requests.begin_confirm(
                conn, inst["uuid"], migration["uuid"], request_id=ctx.request_id + "-confirm",
                user_id=auth.user_id, project_id=auth.project_id)
    except (instances.UnexpectedTaskState, move_requests.MoveConflict):
        raise ApiError(409, f"Cannot 'delete' instance {inst['uuid']} while it is in "
                            "task_state resize_reverting") from None
    await svc.api_bus.call(rpc.API_CONDUCTOR, rpc.CONFIRM_RESIZE, {
        "migration_uuid": migration["uuid"], "cell_uuid": cell.uuid}, timeout=CONFIRM_TIMEOUT)
    async with svc.reading() as api:
        return await locate(api, svc.cells, inst["uuid"], timeout=svc.settings.cells.timeout)


async def delete_located(svc: Compute, ctx: RequestContext, found: Located) -> None:
    check_locked(ctx, found)
    found = await _confirm_first(svc, ctx, found)
    uuid = found.instance["uuid"]
    if found.cell is None:
        async with svc.writing() as api:
            await build_requests.delete_build_request(api, uuid)
            await build_requests.set_queued_for_delete(api, uuid)
        return
    auth = ctx.authenticated
    async with found.cell.writing() as conn:
        await instance_actions.start_action(
            conn, instance_uuid=uuid, action="delete", request_id=ctx.request_id,
            user_id=auth.user_id, project_id=auth.project_id)
        host = found.instance["host"]
        if host is None:
            await instances.soft_delete_instance(conn, uuid)
        else:
            await instances.update_instance(conn, uuid, {"task_state": "deleting"})
            bdms = await cell_bdms(conn, uuid)
    async with svc.writing() as api:
        await build_requests.set_queued_for_delete(api, uuid)
    if host is None:
        await svc.clients.placement.delete_allocations(uuid)
        return
    bus = await svc.cell_bus(found.cell)
    await bus.cast(rpc.COMPUTE, rpc.HostMethod.TERMINATE,
                   {"instance_uuid": uuid, "request_id": ctx.request_id, "bdms": bdms},
                   server=host)
