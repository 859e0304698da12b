"""The load-balancer service: its spec (routes, error shape) and its lifespan.

``open_service`` migrates the database, builds the amphora drivers (HAProxy processes under
``<data_dir>/loadbalancer``, and the no-op one), then starts the controller: the
load-balancer reconciler (which first finishes whatever a previous process left PENDING),
the health watcher, and a one-off task that makes the shared VIP network once the network
service answers. HAProxy processes no known load balancer owns are removed first.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import sqlalchemy as sa

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_octavia
from pocketstack.common.reconcile import GuardedTasks, ReconcilerRuntime
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.loadbalancer import vips
from pocketstack.loadbalancer.amphora.base import AmphoraDriver
from pocketstack.loadbalancer.amphora.haproxy_driver import HaproxyDriver
from pocketstack.loadbalancer.amphora.noop import NoopDriver
from pocketstack.loadbalancer.controller.health import watch_health
from pocketstack.loadbalancer.controller.reconciler import LoadBalancerReconciler
from pocketstack.loadbalancer.db import MIGRATIONS, models
from pocketstack.loadbalancer.routes import build_routes
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["PATH", "build_spec", "catalog", "open_service"]

PATH = "/load-balancer"
RESYNC_INTERVAL = 30.0  # seconds: a lost nudge costs at most this much delay
log = logging.getLogger("pocketstack.loadbalancer")


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("load-balancer", "octavia", f"{public_url}{PATH}")]


async def _known(svc: LoadBalancerService) -> set[str]:
    table = models.load_balancers
    async with svc.reading() as conn:
        rows = await conn.execute(sa.select(table.c.id).where(
            table.c.provisioning_status != "DELETED"))
        return {row.id for row in rows}


async def _vip_network(svc: LoadBalancerService) -> None:
    subnets = await vips.ensure_vip_network(svc.network(), svc.settings)
    log.info("VIP subnets %s ready", subnets)


async def open_service(settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
                       peers: Peers | None = None) -> tuple[ServiceSpec, LoadBalancerService]:
    engine = databases.add("loadbalancer", settings.database_url("loadbalancer"))
    await upgrade(engine, MIGRATIONS)
    options = settings.loadbalancer
    haproxy = HaproxyDriver(settings.data_dir / "loadbalancer",
                            haproxy_binary=options.haproxy_binary,
                            keep_running=not options.stop_on_exit)
    drivers: dict[str, AmphoraDriver] = {"amphora": haproxy, "noop": NoopDriver()}
    svc = LoadBalancerService.build(settings, engine, drivers, peers)
    stack.push_async_callback(svc.close)
    for driver in drivers.values():
        stack.push_async_callback(driver.close)
    removed = await haproxy.remove_orphans(await _known(svc))
    if removed:
        log.warning("removed the data plane of unknown load balancers: %s", removed)
    runtime = ReconcilerRuntime(LoadBalancerReconciler(svc), workers=4,
                                resync_interval=RESYNC_INTERVAL)
    await runtime.start()
    svc.runtime = runtime
    stack.push_async_callback(runtime.stop)
    tasks = GuardedTasks(logger=log)
    stack.push_async_callback(tasks.close)
    tasks.spawn(watch_health(svc), name="lb-health", finishable=False)
    if peers is not None:
        tasks.spawn(_vip_network(svc), name="lb-vip-network")
    return build_spec(svc), svc


def build_spec(svc: LoadBalancerService) -> ServiceSpec:
    return ServiceSpec(name="loadbalancer", routes=build_routes(svc), formatter=format_octavia)
