"""Validate ``X-Auth-Token`` locally on every request; no call to identity, no database.

On the way in: a valid token puts :class:`AuthInfo` in ``scope['state']['auth']``. A missing
or invalid one leaves ``None`` there; the router answers 401 for routes that need a token,
so version documents and ``POST /v3/auth/tokens`` stay reachable without one.
"""

from __future__ import annotations

from pocketstack.common.asgi import ASGIApp, Receive, Scope, Send, header
from pocketstack.common.auth import InvalidToken, TokenValidator

__all__ = ["AuthTokenMiddleware"]


class AuthTokenMiddleware:
    def __init__(self, app: ASGIApp, *, validator: TokenValidator) -> None:
        self.app = app
        self.validator = validator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = header(scope, b"x-auth-token")
            auth = None
            if token:
                try:
                    auth = await self.validator.validate(token)
                except InvalidToken:
                    auth = None
            scope["state"]["auth"] = auth
        await self.app(scope, receive, send)
