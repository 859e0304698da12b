"""Outermost: give each request its id and echo it as ``x-openstack-request-id``."""

from __future__ import annotations

import uuid

from pocketstack.common.asgi import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestStateMiddleware"]


class RequestStateMiddleware:
    """On the way in: seed ``scope['state']`` (request id, public URL).
    On the way out: add ``x-openstack-request-id`` to the response headers."""

    def __init__(self, app: ASGIApp, *, public_url: str | None = None,
                 id_headers: tuple[str, ...] = ()) -> None:
        self.app = app
        self.public_url = public_url
        self.id_headers = tuple(name.lower().encode() for name in id_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = f"req-{uuid.uuid4()}"
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state.pop("context", None)
        if self.public_url:
            state["public_url"] = self.public_url
        encoded = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"x-openstack-request-id", encoded))
                headers.extend((name, encoded) for name in self.id_headers)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)
