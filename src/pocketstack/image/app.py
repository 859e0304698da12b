"""The image service: its spec (routes, Glance's error shape, streamed uploads) for the stack."""

from __future__ import annotations

import re
from contextlib import AsyncExitStack

from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.errors import format_glance
from pocketstack.common.service import ServiceSpec
from pocketstack.common.settings import Settings
from pocketstack.image.db import MIGRATIONS
from pocketstack.image.objects import uploads
from pocketstack.image.routes import build_routes
from pocketstack.image.service import ImageService

__all__ = ["PATH", "build_spec", "catalog", "is_upload", "open_service"]

PATH = "/image"
_UPLOAD = re.compile(r"^/v2/images/[^/]+/file/?$")


def catalog(public_url: str) -> list[CatalogEntry]:
    return [CatalogEntry("image", "glance", public_url + PATH)]


def is_upload(method: str, path: str) -> bool:
    """``PUT /v2/images/{id}/file`` streams past ``[api] max_request_body_size``."""
    return method == "PUT" and _UPLOAD.match(path) is not None


async def open_service(
    settings: Settings, databases: DatabaseRegistry, stack: AsyncExitStack,
    peers: Peers | None = None,
) -> tuple[ServiceSpec, ImageService]:
    engine = databases.add("image", settings.database_url("image"))
    await upgrade(engine, MIGRATIONS)
    service = ImageService.build(settings, engine)
    stack.push_async_callback(service.close)
    async with service.writing() as conn:
        await uploads.recover_interrupted(conn, service.store)
    return build_spec(service), service


def build_spec(svc: ImageService) -> ServiceSpec:
    return ServiceSpec(
        name="image", routes=build_routes(svc), formatter=format_glance, streaming=is_upload
    )
