"""The volume service: its spec (routes, error shape, microversions) and its lifespan.

``open_service`` migrates the database, seeds the ``__DEFAULT__`` type and starts the volume
reconciler (stopped through the stack), which first finishes whatever a previous process
left ``creating``, ``extending`` or ``deleting``.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_cinder
from pocketstack.common.reconcile import ReconcilerRuntime
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.volume.db import MIGRATIONS
from pocketstack.volume.drivers import SparseFileBackend
from pocketstack.volume.microversion import VERSION_RANGE
from pocketstack.volume.objects.types import ensure_default
from pocketstack.volume.reconcilers.volumes import VolumeReconciler
from pocketstack.volume.routes import build_routes
from pocketstack.volume.service import VolumeService

__all__ = ["PATH", "build_spec", "catalog", "open_service", "start_reconciler"]

PATH = "/volume"
RESYNC_INTERVAL = 30.0  # seconds: a lost nudge costs at most this much delay


def catalog(public_url: str) -> list[CatalogEntry]:
    url = f"{public_url}{PATH}/v3"
    return [CatalogEntry("block-storage", "cinder", url), CatalogEntry("volumev3", "cinderv3", url)]


async def start_reconciler(
    svc: VolumeService, stack: AsyncExitStack, *, resync_interval: float = RESYNC_INTERVAL
) -> ReconcilerRuntime:
    """Run the volume reconciler until ``stack`` closes; nudges reach it from then on."""
    runtime = ReconcilerRuntime(VolumeReconciler(svc), workers=2, resync_interval=resync_interval)
    await runtime.start()
    svc.runtime = runtime
    stack.push_async_callback(runtime.stop)
    return runtime


async def open_service(
    settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
    peers: Peers | None = None,
) -> tuple[ServiceSpec, VolumeService]:
    engine = databases.add("volume", settings.database_url("volume"))
    await upgrade(engine, MIGRATIONS)
    svc = VolumeService.build(settings, engine, SparseFileBackend(settings.data_dir / "volumes"))
    stack.push_async_callback(svc.close)
    async with svc.writing() as conn:
        await ensure_default(conn)
    await start_reconciler(svc, stack)
    return build_spec(svc), svc


def build_spec(svc: VolumeService) -> ServiceSpec:
    return ServiceSpec(
        name="volume", routes=build_routes(svc), formatter=format_cinder, versions=VERSION_RANGE
    )
