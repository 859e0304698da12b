"""One service alone (``pocketstack serve <service>``), the scaled-out way to run it.

It serves only its own path, on its own databases, and validates tokens by asking identity
(``[auth] identity_url`` with the service credentials in ``[auth]``), caching each answer
for ``[auth] token_cache_time`` seconds as keystonemiddleware does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx

from pocketstack.allinone import SERVICES, ServiceModule
from pocketstack.common.asgi import ASGIApp, Receive, Scope, Send, send_json
from pocketstack.common.client import Peers
from pocketstack.common.db import DatabaseRegistry
from pocketstack.common.service import build_service_app
from pocketstack.common.settings import Settings
from pocketstack.identity.client import IdentityClient, PasswordTokenSource, RemoteTokenValidator

__all__ = ["Standalone", "open_standalone", "service_names"]


def service_names() -> list[str]:
    return [module.PATH.strip("/") for module in SERVICES]


def _module(name: str) -> ServiceModule:
    for module in SERVICES:
        if module.PATH.strip("/") == name:
            return module
    raise ValueError(f"unknown service {name!r}; one of: {', '.join(service_names())}")


@dataclasses.dataclass
class Standalone:
    path: str
    app: ASGIApp
    service: object

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if path == self.path or path.startswith(self.path + "/"):
            scope["root_path"] = scope.get("root_path", "") + self.path
            await self.app(scope, receive, send)
            return
        await send_json(send, 404, {"message": f"This process serves only {self.path}."})


@asynccontextmanager
async def open_standalone(settings: Settings, name: str, *,
                          identity_transport: httpx.AsyncBaseTransport | None = None
                          ) -> AsyncIterator[Standalone]:
    """Start one service; ``identity_transport`` lets tests reach identity in process."""
    module = _module(name)
    auth = settings.auth
    if not auth.identity_url or not auth.password:
        raise ValueError("a service running alone needs [auth] identity_url and password")
    databases = DatabaseRegistry()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(databases.dispose)
        tokens = PasswordTokenSource(auth.identity_url, auth.username, auth.password,
                                     auth.project, transport=identity_transport)
        stack.push_async_callback(tokens.close)
        client = IdentityClient(auth.identity_url, tokens=tokens, transport=identity_transport)
        stack.push_async_callback(client.close)
        validator = RemoteTokenValidator(client, cache_time=auth.token_cache_time)
        # The other services: under the cloud's public URL, with this service's token.
        peers = Peers(settings.public_url, tokens, identity_transport)
        spec, service = await module.open_service(settings, databases, stack, peers)
        app = build_service_app(spec, validator=validator, public_url=settings.public_url,
                                body_limit=settings.api.max_request_body_size,
                                log_requests=settings.api.log_requests)
        yield Standalone(module.PATH, app, service)
