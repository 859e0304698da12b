"""Deleting a server (``DELETE /servers/{id}`` and the ``forceDelete`` action), §1.9.

A build request is deleted (the super-conductor notices); an instance no host runs (cell0,
never built) is soft-deleted in its cell and its allocations dropped; otherwise its host is
told to terminate it. The instance mapping is queued for delete in every case.
"""

from __future__ import annotations

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import ApiError
from pocketstack.compute import rpc
from pocketstack.compute.objects import build_requests, instance_actions, instances
from pocketstack.compute.objects.server_list import Located, cell_bdms
from pocketstack.compute.service import Compute

__all__ = ["check_locked", "delete_located"]


def check_locked(ctx: RequestContext, found: Located) -> None:
    """409 for a non-admin on a locked server."""
    if found.instance.get("locked") and not ctx.authenticated.is_admin:
        raise ApiError(409, f"Instance {found.instance['uuid']} is locked")


async def delete_located(svc: Compute, ctx: RequestContext, found: Located) -> None:
    check_locked(ctx, found)
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
