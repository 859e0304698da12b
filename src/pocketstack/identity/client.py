"""The typed client other services use to call identity, and a password token source."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from pocketstack.common.client import ServiceClient

__all__ = ["IdentityClient", "PasswordTokenSource"]


def _password_body(username: str, password: str, project: str | None,
                   domain: str = "Default") -> dict[str, Any]:
    body: dict[str, Any] = {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"name": username, "domain": {"name": domain}, "password": password}}}}}
    if project:
        body["auth"]["scope"] = {"project": {"name": project, "domain": {"name": domain}}}
    return body


class IdentityClient(ServiceClient):
    """Calls ``/identity``: issue and validate tokens, read the catalog."""

    async def issue_password_token(self, username: str, password: str, *,
                                   project: str | None = None, domain: str = "Default"
                                   ) -> tuple[str, dict[str, Any]]:
        response = await self.request("POST", "/v3/auth/tokens",
                                      json=_password_body(username, password, project, domain),
                                      expect=(201,), authenticated=False)
        return response.headers["x-subject-token"], response.json()["token"]

    async def validate_token(self, subject: str, *, allow_expired: bool = False
                             ) -> dict[str, Any]:
        params = {"allow_expired": "1"} if allow_expired else None
        response = await self.request("GET", "/v3/auth/tokens",
                                      headers={"X-Subject-Token": subject}, params=params)
        token: dict[str, Any] = response.json()["token"]
        return token

    async def catalog(self) -> list[dict[str, Any]]:
        catalog: list[dict[str, Any]] = (await self.request("GET", "/v3/auth/catalog")
                                         ).json()["catalog"]
        return catalog


class PasswordTokenSource:
    """A service user's token, re-issued shortly before it expires or after a 401."""

    def __init__(self, base_url: str, username: str, password: str, project: str, *,
                 transport: httpx.AsyncBaseTransport | None = None, margin: float = 60.0):
        self._client = IdentityClient(base_url, transport=transport)
        self._credentials = (username, password, project)
        self._margin = margin
        self._token: str | None = None
        self._expires = 0.0

    async def token(self) -> str:
        if self._token is None or time.time() > self._expires - self._margin:
            username, password, project = self._credentials
            self._token, body = await self._client.issue_password_token(
                username, password, project=project)
            self._expires = _epoch(body["expires_at"])
        return self._token

    def invalidate(self) -> None:
        self._token = None

    async def close(self) -> None:
        await self._client.close()


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
