"""Log one line per request: id, method, path, status, duration. Never bodies or tokens."""

from __future__ import annotations

import logging
import time

from pocketstack.common.asgi import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestLogMiddleware"]


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, *, logger: logging.Logger) -> None:
        self.app = app
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            self.logger.info(
                "%s %s %s%s %d %.1fms",
                scope["state"].get("request_id", "-"),
                scope["method"],
                scope.get("root_path", ""),
                scope["path"][len(scope.get("root_path", "")) :]
                if scope["path"].startswith(scope.get("root_path", ""))
                else scope["path"],
                status,
                elapsed,
            )
