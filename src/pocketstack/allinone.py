"""The all-in-one cloud: every service mounted under its path on one port, one lifespan.

:func:`open_cloud` builds everything a running cloud holds (databases, identity, the token
validator every service shares) and tears it down again; :class:`CloudApp` is the ASGI app
uvicorn serves, dispatching on path prefixes the way DevStack lays out a single host.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Protocol

import yaml

from pocketstack.common.asgi import ASGIApp, Receive, Scope, Send, send_json
from pocketstack.common.catalog import CatalogEntry
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry, upgrade
from pocketstack.common.direct import DirectASGI
from pocketstack.common.service import ServiceSpec, build_service_app
from pocketstack.common.settings import Settings
from pocketstack.compute import app as compute_app
from pocketstack.identity import app as identity_app
from pocketstack.identity.bootstrap import bootstrap
from pocketstack.identity.client import PasswordTokenSource
from pocketstack.identity.db import MIGRATIONS as IDENTITY_MIGRATIONS
from pocketstack.identity.service import Identity
from pocketstack.image import app as image_app
from pocketstack.loadbalancer import app as loadbalancer_app
from pocketstack.network import app as network_app
from pocketstack.placement import app as placement_app
from pocketstack.placement.service import Placement
from pocketstack.secrets import app as secrets_app
from pocketstack.vision import app as vision_app
from pocketstack.volume import app as volume_app

__all__ = [
    "SERVICES",
    "Cloud",
    "CloudApp",
    "Dispatcher",
    "ServiceModule",
    "open_cloud",
    "write_private",
]

log = logging.getLogger("pocketstack")


class ServiceModule(Protocol):
    """What each service's ``app`` module offers the all-in-one process."""

    PATH: str

    def catalog(self, public_url: str) -> list[CatalogEntry]: ...

    async def open_service(self, settings: Settings, databases: DatabaseRegistry,
                           stack: AsyncExitStack, peers: Peers | None = None,
                           ) -> tuple[ServiceSpec, object]:
        """Migrate its databases and build it; returns its spec and its service object."""
        ...


# Every service besides identity, in the order they are mounted and listed in the catalog.
# Compute comes last: it calls the others (through ``Peers``) as it starts.
SERVICES: tuple[ServiceModule, ...] = (placement_app, secrets_app, volume_app, image_app,
                                        network_app, loadbalancer_app, vision_app, compute_app)


@dataclasses.dataclass
class Cloud:
    settings: Settings
    databases: DatabaseRegistry
    identity: Identity
    services: dict[str, object]  # by mount path: each service's own object
    mounts: list[tuple[str, ASGIApp]]
    admin_password: str

    @property
    def placement(self) -> Placement:
        service = self.services[placement_app.PATH]
        assert isinstance(service, Placement)
        return service

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        for prefix, app in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                scope["root_path"] = scope.get("root_path", "") + prefix
                await app(scope, receive, send)
                return
        await send_json(send, 404, {"error": {"code": 404, "title": "Not Found",
                                               "message": f"No service at {path}."}},
                        {"x-openstack-request-id": f"req-{uuid.uuid4()}"})


class LateDispatch:
    """An ASGI app that waits for the cloud to be assembled, then forwards to it: the
    in-process transport services call each other through while they start."""

    def __init__(self) -> None:
        self.target: Dispatcher | None = None
        self.ready = asyncio.Event()

    def attach(self, target: Dispatcher) -> None:
        self.target = target
        self.ready.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.ready.wait()
        assert self.target is not None
        await self.target.dispatch(scope, receive, send)


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (mode 0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _admin_password(settings: Settings) -> str:
    if settings.identity.admin_password:
        return settings.identity.admin_password
    stored = settings.data_dir / "admin-password"
    if stored.is_file():
        return stored.read_text().strip()
    password = secrets.token_urlsafe(18)
    write_private(stored, password + "\n")
    return password


def write_client_config(settings: Settings, password: str) -> Path:
    """clouds.yaml (cloud ``pocketstack``) and an openrc with the same credentials."""
    auth_url = settings.public_url + identity_app.PATH
    ident = settings.identity
    cloud = {"auth": {"auth_url": auth_url, "username": ident.admin_username,
                      "password": password, "project_name": ident.admin_project,
                      "user_domain_name": "Default", "project_domain_name": "Default"},
             "region_name": settings.api.region, "interface": "public",
             "identity_api_version": 3}
    path = settings.data_dir / "clouds.yaml"
    write_private(path, yaml.safe_dump({"clouds": {"pocketstack": cloud}}, sort_keys=False))
    openrc = "".join(f"export {k}={v}\n" for k, v in {
        "OS_AUTH_URL": auth_url, "OS_USERNAME": ident.admin_username, "OS_PASSWORD": password,
        "OS_PROJECT_NAME": ident.admin_project, "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default", "OS_REGION_NAME": settings.api.region,
        "OS_INTERFACE": "public", "OS_IDENTITY_API_VERSION": "3"}.items())
    write_private(settings.data_dir / "openrc", openrc)
    return path


def _catalog(settings: Settings) -> list[CatalogEntry]:
    url = settings.public_url
    entries = [CatalogEntry("identity", "keystone", url + identity_app.PATH)]
    for module in SERVICES:
        entries += module.catalog(url)
    return entries


@asynccontextmanager
async def open_cloud(settings: Settings) -> AsyncIterator[Cloud]:
    """Start every service of the all-in-one cloud; stop them on exit."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    databases = DatabaseRegistry()
    stack = AsyncExitStack()
    try:
        engine = databases.add("identity", settings.database_url("identity"))
        await upgrade(engine, IDENTITY_MIGRATIONS)
        identity = Identity.build(settings, engine)
        password = _admin_password(settings)
        await bootstrap(identity, password, _catalog(settings))
        write_client_config(settings, password)
        specs = {identity_app.PATH: identity_app.build_spec(identity)}
        services: dict[str, object] = {identity_app.PATH: identity}
        late = LateDispatch()
        transport = DirectASGI(late)
        tokens = PasswordTokenSource(
            settings.public_url + identity_app.PATH, settings.identity.admin_username, password,
            settings.identity.admin_project, transport=transport)
        stack.push_async_callback(tokens.close)
        peers = Peers(settings.public_url, tokens, transport)
        for module in SERVICES:
            specs[module.PATH], services[module.PATH] = await module.open_service(
                settings, databases, stack, peers)
        mounts: list[tuple[str, ASGIApp]] = [
            (path, build_service_app(
                spec, validator=identity.validator, public_url=settings.public_url,
                body_limit=settings.api.max_request_body_size,
                log_requests=settings.api.log_requests))
            for path, spec in specs.items()
        ]
        cloud = Cloud(settings, databases, identity, services, mounts, password)
        late.attach(cloud)
        yield cloud
    finally:
        await stack.aclose()
        await databases.dispose()


class Dispatcher(Protocol):
    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class CloudApp:
    """The ASGI app uvicorn serves: the lifespan opens the cloud (or one service, with
    ``opener``), requests are dispatched to it."""

    def __init__(self, settings: Settings, opener: Callable[
            [], AbstractAsyncContextManager[Dispatcher]] | None = None) -> None:
        self.settings = settings
        self.opener = opener or (lambda: open_cloud(settings))
        self.cloud: Dispatcher | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if self.cloud is None:
            await send_json(send, 503, {"error": {"code": 503, "title": "Service Unavailable",
                                                   "message": "The cloud is starting."}})
            return
        await self.cloud.dispatch(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        stack = AsyncExitStack()
        try:
            self.cloud = await stack.enter_async_context(self.opener())
        except Exception as error:
            log.exception("the cloud failed to start")
            await send({"type": "lifespan.startup.failed", "message": str(error)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        self.cloud = None
        await stack.aclose()
        await send({"type": "lifespan.shutdown.complete"})
