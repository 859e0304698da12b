"""The base of every service's typed client: one calling code over any transport.

A client talks to a real server (``httpx`` default transport), to an app in the same
process (``httpx.ASGITransport``: no socket) or to a stub (``httpx.MockTransport``). Tokens
come from a :class:`TokenSource`, so a service calls others with its own service token.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import orjson

from pocketstack.common.direct import DirectASGI

__all__ = ["Peers", "ServiceClient", "ServiceError", "StaticToken", "TokenSource"]


class TokenSource(Protocol):
    async def token(self) -> str: ...

    def invalidate(self) -> None: ...


class StaticToken:
    """A fixed token (tests, or a caller passing the user's own token along)."""

    def __init__(self, value: str) -> None:
        self.value = value

    async def token(self) -> str:
        return self.value

    def invalidate(self) -> None:
        return None


class ServiceError(Exception):
    """A call answered with an unexpected status; ``body`` is the decoded error document."""

    def __init__(self, status: int, body: Any, request_id: str | None) -> None:
        super().__init__(f"HTTP {status}: {body!r} ({request_id})")
        self.status = status
        self.body = body
        self.request_id = request_id


class ServiceClient:
    def __init__(
        self,
        base_url: str,
        *,
        tokens: TokenSource | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.tokens = tokens
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._direct = transport if isinstance(transport, DirectASGI) else None
        self._http = httpx.AsyncClient(base_url=self._base_url, transport=transport,
                                       timeout=timeout, headers=self._headers)

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | httpx.QueryParams | None = None,
        expect: tuple[int, ...] = (200,),
        authenticated: bool = True,
        as_token: str | None = None,
    ) -> httpx.Response:
        """Send one request; retry once with a fresh token after a 401, as keystoneauth.

        ``as_token``: a caller's own token, sent instead of the service's so that the other
        service answers what that caller may see (as Nova passes the user's context to
        Glance and Neutron); no retry then."""
        for attempt in range(2):
            sent = dict(headers or {})
            if as_token is not None:
                sent["X-Auth-Token"] = as_token
            elif authenticated and self.tokens is not None:
                sent["X-Auth-Token"] = await self.tokens.token()
            content = orjson.dumps(json) if json is not None else None
            if content is not None:
                sent.setdefault("Content-Type", "application/json")
            if self._direct is not None:  # in this process: no client machinery
                query = str(httpx.QueryParams(params)) if params else ""
                response = await self._direct.call(
                    method, self._base_url + path, query, {**self._headers, **sent}, content)
            else:
                response = await self._http.request(method, path, content=content,
                                                    headers=sent, params=params)
            if (response.status_code == 401 and attempt == 0 and self.tokens is not None
                    and as_token is None):
                self.tokens.invalidate()
                continue
            if response.status_code not in expect:
                try:
                    body: Any = response.json()
                except ValueError:
                    body = response.text
                raise ServiceError(response.status_code, body,
                                   response.headers.get("x-openstack-request-id"))
            return response
        raise AssertionError("unreachable")


@dataclasses.dataclass(frozen=True)
class Peers:
    """How a service reaches the others: the cloud's public URL (service paths below it),
    the transport (in-process ASGI all-in-one, the network otherwise) and its own token."""

    base_url: str
    tokens: TokenSource
    transport: httpx.AsyncBaseTransport | None = None
