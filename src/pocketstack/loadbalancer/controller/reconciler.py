"""The load-balancer reconciler: makes a load balancer's data plane match its records.

Keyed by load balancer id (the unit Octavia locks), level-triggered: every reconcile reads
the load balancer and takes the step its provisioning status asks for.

- PENDING_CREATE / PENDING_UPDATE: make sure the VIP port exists (adopted by ``device_id``
  after a crash), the amphora rows exist (new ones on failover), render the whole graph and
  apply it (idempotent: an unchanged configuration is not even reloaded), then settle the
  records in one transaction;
- PENDING_DELETE: remove the data plane, release the VIP port, settle DELETED;
- anything else is settled.

A process killed at any step leaves a PENDING record; the runtime's start-up resync finds it
and runs the same steps again, which finish what was half done. A data plane that refuses for
good settles the change as failed (ERROR as Octavia's reverts do).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import sqlalchemy as sa

from pocketstack.common.client import ServiceError
from pocketstack.common.reconcile import Done, Outcome, PermanentError, TemporaryError
from pocketstack.loadbalancer import tls, vips
from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.controller.config import build_config
from pocketstack.loadbalancer.db import models
from pocketstack.loadbalancer.objects import amphorae, graph, load_balancers, settle
from pocketstack.loadbalancer.objects.errors import NotFound
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.objects.providers import PROVIDERS
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["LoadBalancerReconciler"]

log = logging.getLogger("pocketstack.loadbalancer")
_OPERATION = {"PENDING_CREATE": "create", "PENDING_UPDATE": "update",
              "PENDING_DELETE": "delete"}


class LoadBalancerReconciler:
    name = "loadbalancers"

    def __init__(self, svc: LoadBalancerService) -> None:
        self.svc = svc

    def _crash_point(self, operation: str, step: str) -> None:
        """Tests only: die here, as a kill -9 would, when configured to."""
        if self.svc.settings.loadbalancer.crash_at_step == f"{operation}:{step}":
            log.warning("crash point %s:%s reached: exiting", operation, step)
            os._exit(137)

    async def reconcile(self, key: str) -> Outcome:
        async with self.svc.reading() as conn:
            try:
                lb = await graph.get(conn, "loadbalancer", key)
            except NotFound:
                return Done()
        status = lb["provisioning_status"]
        if status not in _OPERATION and not await self._lost(lb):
            return Done()
        try:
            if status == "ACTIVE":
                await self._restore(lb)
            elif status == "PENDING_DELETE":
                await self._delete(lb)
            else:
                await self._apply(lb, _OPERATION[status])
        except (ServiceError, tls.CertificateRetrievalError) as error:
            return TemporaryError(str(error))
        except (AmphoraError, tls.TlsMaterialError) as error:
            return PermanentError(str(error))
        return Done()

    async def _apply(self, lb: Record, operation: str) -> None:
        svc = self.svc
        if operation == "create" and not lb.get("vip_address"):
            vip = vips.Vip(lb["vip_network_id"], lb["vip_subnet_id"], None, lb.get("vip_port_id"))
            vip = await vips.ensure_port(svc.network(), lb["id"], lb["project_id"], vip)
            async with svc.writing() as conn:
                await load_balancers.record_vip(conn, lb["id"], port_id=vip.port_id or "",
                                                address=vip.address)
                lb = await graph.get(conn, "loadbalancer", lb["id"])
        self._crash_point(operation, "vip")
        failover = bool(lb.get("_failover"))
        async with svc.writing() as conn:
            rows, old = await amphorae.plan(conn, lb["id"], lb["topology"], lb.get("vip_address"),
                                            replace=failover)
        cidr = await self._vip_cidr(lb)
        async with svc.reading() as conn:
            config = await build_config(conn, svc.key_manager(), lb, amphorae.specs(rows),
                                        cidr)
        self._crash_point(operation, "render")
        driver = svc.driver_for(lb["provider"])
        if failover:
            await driver.failover(config, tuple(old))
        else:
            await driver.apply(config)
        self._crash_point(operation, "apply")
        async with svc.writing() as conn:
            await amphorae.mark_deleted(conn, old)
            await settle.settle_success(conn, lb["id"])
        self._crash_point(operation, "settle")

    async def _vip_cidr(self, lb: Record) -> str | None:
        """The VIP subnet's CIDR, which a pair's bridge carries (ACTIVE_STANDBY only)."""
        if lb["topology"] != "ACTIVE_STANDBY" or not lb.get("vip_subnet_id"):
            return None
        subnet = await self.svc.network().get_subnet(lb["vip_subnet_id"])
        return None if subnet is None else str(subnet["cidr"])

    async def _lost(self, lb: Record) -> bool:
        """An ACTIVE load balancer of a real data plane that nothing serves (the data plane
        was stopped with the process, or its process died)."""
        return (lb["provisioning_status"] == "ACTIVE"
                and PROVIDERS.get(lb["provider"], ("", ""))[1] == "amphora"
                and lb["id"] not in await self.svc.driver_for(lb["provider"]).running())

    async def _restore(self, lb: Record) -> None:
        """Serve an ACTIVE load balancer again as recorded (no status changes)."""
        async with self.svc.writing() as conn:
            rows, _ = await amphorae.plan(conn, lb["id"], lb["topology"], lb.get("vip_address"),
                                          replace=False)
        cidr = await self._vip_cidr(lb)
        async with self.svc.reading() as conn:
            config = await build_config(conn, self.svc.key_manager(), lb, amphorae.specs(rows),
                                        cidr)
        await self.svc.driver_for(lb["provider"]).apply(config)
        log.info("load balancer %s served again", lb["id"])

    async def _delete(self, lb: Record) -> None:
        await self.svc.driver_for(lb["provider"]).remove(lb["id"])
        self._crash_point("delete", "remove")
        await vips.release_port(self.svc.network(), lb["id"])
        self._crash_point("delete", "vip")
        async with self.svc.writing() as conn:
            await amphorae.mark_deleted(conn, [a["id"] for a in await amphorae.live(conn,
                                                                                  lb["id"])])
            await settle.settle_deleted(conn, lb["id"])

    async def list_unsettled(self) -> Sequence[str]:
        """Pending load balancers, and ACTIVE ones of a real data plane it does not serve."""
        table = models.load_balancers
        real = [name for name, (_, key) in PROVIDERS.items() if key == "amphora"]
        async with self.svc.reading() as conn:
            pending = await conn.execute(sa.select(table.c.id).where(
                table.c.provisioning_status.in_(list(_OPERATION))))
            active = await conn.execute(sa.select(table.c.id).where(
                table.c.provisioning_status == "ACTIVE", table.c.provider.in_(real)))
            pending_ids, active_ids = [r.id for r in pending], [r.id for r in active]
        served = await self.svc.drivers["amphora"].running()
        return pending_ids + [i for i in active_ids if i not in served]

    async def on_permanent_error(self, key: str, reason: str) -> None:
        log.warning("load balancer %s: the data plane refused the change: %s", key, reason)
        async with self.svc.writing() as conn:
            try:
                lb = await graph.get(conn, "loadbalancer", key)
            except NotFound:
                return
            status = lb["provisioning_status"]
            if status == "PENDING_DELETE":
                await graph.set_status(conn, "loadbalancer", [key], provisioning="ERROR")
            elif status in _OPERATION:
                await settle.settle_failure(conn, key, creating=status == "PENDING_CREATE")


