"""Calls to an ASGI app in this process without httpx's client machinery.

An httpx client on ``ASGITransport`` spends more on the request than the app spends
answering a small one: URL merging and parsing, header models, cookie extraction, auth and
redirect hooks. :class:`DirectASGI` is that transport (any httpx client can still use it),
and :meth:`DirectASGI.call` is the short road :class:`~pocketstack.common.client.ServiceClient`
takes when it holds one: the same ASGI scope, headers and body ``ASGITransport`` would send,
the answer as an ``httpx.Response``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from pocketstack.common.asgi import ASGIApp, Message

__all__ = ["DirectASGI"]

_CLIENT = ("127.0.0.1", 123)  # what ASGITransport reports as the caller
_PATH_SAFE = "!$%&'()*+,/:;=@[\\]^|"  # what httpx leaves unquoted in a path (and escapes)


class DirectASGI(httpx.ASGITransport):
    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app=app, client=_CLIENT)
        self.target = app

    async def call(self, method: str, url: str, query: str, headers: Mapping[str, str],
                   body: bytes | None) -> httpx.Response:
        """``method`` on ``url`` (absolute, without its query; quoted as httpx quotes a
        path) with ``query`` (encoded)."""
        parts = urlsplit(quote(url, safe=_PATH_SAFE + "?#"))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        raw = [(b"host", parts.netloc.encode("ascii")), (b"accept", b"*/*"),
               (b"accept-encoding", b"gzip, deflate"), (b"connection", b"keep-alive"),
               (b"user-agent", b"python-httpx/" + httpx.__version__.encode("ascii"))]
        if body is not None:
            raw.append((b"content-length", str(len(body)).encode("ascii")))
        raw.extend((k.lower().encode("latin-1"), v.encode("latin-1"))
                   for k, v in headers.items())
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "headers": raw, "scheme": parts.scheme,
            "path": unquote(parts.path), "raw_path": parts.path.encode("ascii"),
            "query_string": query.encode("ascii"), "server": (parts.hostname, port),
            "client": _CLIENT, "root_path": "",
        }
        return await _exchange(self.target, scope, body or b"", method == "HEAD")


async def _exchange(app: ASGIApp, scope: dict[str, Any], body: bytes,
                    head: bool) -> httpx.Response:
    sent = False
    done = asyncio.Event()
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await done.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            if message.get("body") and not head:
                chunks.append(message["body"])
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return httpx.Response(status, headers=headers, content=b"".join(chunks))
