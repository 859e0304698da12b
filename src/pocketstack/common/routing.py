"""One route table per service: ``path -> {METHOD: handler}``, with 404 and 405 + ``Allow``.

Paths are relative to where the service is mounted and use ``{name}`` placeholders. A
trailing slash is ignored. HEAD falls back to GET (without the body) when not declared.
Routes need a valid token unless declared ``public``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import Receive, Scope, Send
from pocketstack.common.errors import ApiError

__all__ = ["Handler", "Route", "Router"]

Handler = Callable[[Request], Awaitable[Response]]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclasses.dataclass(frozen=True)
class Route:
    path: str
    methods: Mapping[str, Handler]
    # Methods that need no token (version documents, token issue); True means all of them.
    public: bool | frozenset[str] = False

    def is_public(self, method: str) -> bool:
        if isinstance(self.public, bool):
            return self.public
        return method in self.public or (method == "HEAD" and "GET" in self.public)

    def pattern(self) -> re.Pattern[str]:
        body = _PLACEHOLDER.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)", self.path.rstrip("/"))
        return re.compile(f"^{body}/?$")


class Router:
    """The ASGI app at the heart of a service: match, check the token, dispatch."""

    def __init__(self, routes: list[Route], *, unauthorized_headers: Mapping[str, str]):
        self._routes = [(route.pattern(), route) for route in routes]
        self._unauthorized_headers = dict(unauthorized_headers)

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for pattern, route in self._routes:
            found = pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        root = scope.get("root_path", "")
        path = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        found = self.match(path or "/")
        if found is None:
            raise ApiError(404, "The resource could not be found.")
        route, params = found
        method = scope["method"]
        handler = route.methods.get(method)
        if handler is None and method == "HEAD":
            handler = route.methods.get("GET")
        if handler is None:
            methods = set(route.methods) | ({"HEAD"} if "GET" in route.methods else set())
            allow = ", ".join(sorted(methods))
            raise ApiError(405, f"The method {method} is not allowed for this resource.",
                           headers={"Allow": allow})
        if scope["state"].get("auth") is None and not route.is_public(method):
            raise ApiError(401, "The request you have made requires authentication.",
                           headers=self._unauthorized_headers)
        scope["path_params"] = params
        response = await handler(Request(scope, receive))
        if method == "HEAD":
            response.body = b""  # headers (Content-Length included) stay those of GET
        await response(scope, receive, send)
