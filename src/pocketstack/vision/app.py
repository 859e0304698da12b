"""The face recognition service: its spec (routes, error shape) and its lifespan.

``open_service`` migrates the database, rebuilds every gallery's index from the stored
embeddings, and starts the enroll reconciler, which first finishes the bulk enroll jobs a
previous process left unsettled. The models load on first use (``Vision.pipeline``).

Every error is answered in one shape::

    {"error": {"status": 404, "code": "vision.not_found", "title": "Not Found",
               "message": "Gallery ... could not be found.", "request_id": "req-..."}}
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from typing import Any

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import ApiError, reason_phrase
from pocketstack.common.reconcile import ReconcilerRuntime
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.vision.db import MIGRATIONS
from pocketstack.vision.reconcilers.enroll import EnrollReconciler
from pocketstack.vision.routes import build_routes, takes_images
from pocketstack.vision.service import Vision

__all__ = ["PATH", "build_spec", "catalog", "format_vision", "open_service"]

PATH = "/face"
RESYNC_INTERVAL = 30.0  # seconds: a lost nudge costs at most this much delay

log = logging.getLogger("pocketstack.vision")


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("face-recognition", "vision", public_url + PATH)]


def format_vision(error: ApiError, request_id: str) -> dict[str, Any]:
    return {
        "error": {
            "status": error.status,
            "code": error.code or f"vision.http_{error.status}",
            "title": reason_phrase(error.status),
            "message": error.message,
            "request_id": request_id,
            **error.extra,
        }
    }


async def open_service(
    settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
    peers: Peers | None = None,
) -> tuple[ServiceSpec, Vision]:
    engine = databases.add("vision", settings.database_url("vision"))
    await upgrade(engine, MIGRATIONS)
    svc = Vision.build(settings, engine)
    stack.push_async_callback(svc.close)
    loaded = await svc.rebuild_indexes()
    if loaded:
        log.info("face index rebuilt from the database: %d faces", loaded)
    runtime = ReconcilerRuntime(EnrollReconciler(svc), workers=max(1, settings.vision.workers),
                                resync_interval=RESYNC_INTERVAL)
    await runtime.start()
    svc.nudge = runtime.nudge
    stack.push_async_callback(runtime.stop)
    return build_spec(svc), svc


def build_spec(svc: Vision) -> ServiceSpec:
    return ServiceSpec(name="vision", routes=build_routes(svc), formatter=format_vision,
                       streaming=takes_images)
