"""The request context: who is calling, under which request id and API version.

Built by the middleware into the ASGI scope's ``state``; handlers read it with
:func:`context_of`. It carries identity and request id, never connections.
"""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping
from typing import Any

from starlette.requests import Request

from pocketstack.common.auth import AuthInfo
from pocketstack.common.errors import ApiError

__all__ = ["RequestContext", "caller_token", "context_of"]


@dataclasses.dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    auth: AuthInfo | None
    version: tuple[int, int] | None
    base_url: str  # the service's public base URL, for links

    @property
    def authenticated(self) -> AuthInfo:
        if self.auth is None:
            raise ApiError(401, "The request you have made requires authentication.")
        return self.auth

    @property
    def project_id(self) -> str | None:
        return self.auth.project_id if self.auth else None


def _base_url(scope: MutableMapping[str, Any], public_url: str | None) -> str:
    root = str(scope.get("root_path", ""))
    if public_url:
        return public_url.rstrip("/") + root
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"127.0.0.1").decode("latin-1")
    scheme = str(scope.get("scheme", "http"))
    return f"{scheme}://{host}{root}"


def context_of(request: Request) -> RequestContext:
    state: dict[str, Any] = request.scope.setdefault("state", {})
    ctx = state.get("context")
    if ctx is None:
        ctx = RequestContext(
            request_id=str(state.get("request_id", "")),
            auth=state.get("auth"),
            version=state.get("version"),
            base_url=_base_url(request.scope, state.get("public_url")),
        )
        state["context"] = ctx
    assert isinstance(ctx, RequestContext)
    return ctx


def caller_token(request: Request) -> str:
    """The caller's own token, for a call to another service that must answer what the
    caller may see (as Nova passes the user's context along); the middleware validated it."""
    return request.headers.get("x-auth-token", "")
