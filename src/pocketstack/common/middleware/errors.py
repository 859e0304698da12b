"""Turn :class:`ApiError` (and anything unexpected) into the service's error body."""

from __future__ import annotations

import logging

from pocketstack.common.asgi import ASGIApp, Message, Receive, Scope, Send, send_json
from pocketstack.common.errors import ApiError, ErrorFormatter

__all__ = ["ErrorMiddleware"]


class ErrorMiddleware:
    def __init__(self, app: ASGIApp, *, formatter: ErrorFormatter, logger: logging.Logger):
        self.app = app
        self.formatter = formatter
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def note_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, note_start)
        except ApiError as error:
            if started:
                raise
            await self._answer(scope, send, error)
        except Exception:
            self.logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            if started:
                raise
            await self._answer(
                scope, send, ApiError(500, "An unexpected error prevented the server from "
                                      "fulfilling your request.")
            )

    async def _answer(self, scope: Scope, send: Send, error: ApiError) -> None:
        state = scope.get("state", {})
        body = self.formatter(error, str(state.get("request_id", "")))
        headers = dict(error.headers)
        for name, value in state.get("error_headers", ()):
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        await send_json(send, error.status, body, headers)
