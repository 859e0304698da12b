"""The HTTP verbs every API test client offers, over the client's own ``request``."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["Verbs"]


class Verbs:
    """``get``/``post``/``put``/``delete`` for a test client that defines ``request``."""

    async def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        raise NotImplementedError

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, **kw)

    async def put(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("PUT", path, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kw)
