"""Refuse request bodies over the configured size with 413, before a handler reads them."""

from __future__ import annotations

from collections.abc import Callable

from pocketstack.common.asgi import ASGIApp, Message, Receive, Scope, Send, header
from pocketstack.common.errors import ApiError

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int,
                 exempt: Callable[[str, str], bool] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            raise self._too_large()
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise self._too_large()
            return message

        await self.app(scope, counting_receive, send)

    def _exempt(self, scope: Scope) -> bool:
        if self.exempt is None:
            return False
        root, path = scope.get("root_path", ""), scope["path"]
        return self.exempt(scope["method"], path[len(root):] if path.startswith(root) else path)

    def _too_large(self) -> ApiError:
        return ApiError(413, f"Request is too large. The limit is {self.limit} bytes.")
