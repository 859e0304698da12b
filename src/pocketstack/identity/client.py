"""The typed client other services use to call identity, and a password token source."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from pocketstack.common.auth import AuthInfo, InvalidToken
from pocketstack.common.client import ServiceClient, ServiceError

__all__ = ["IdentityClient", "PasswordTokenSource", "RemoteTokenValidator",
           "auth_info_from_document"]


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

    async def project_exists(self, project_id: str, token: str) -> bool | None:
        """Whether the project exists, asked with the caller's ``token``: None when that
        cannot be told (the caller may not see it, identity did not answer)."""
        try:
            await self.request("GET", f"/v3/projects/{project_id}",
                               headers={"X-Auth-Token": token}, authenticated=False)
        except ServiceError as error:
            return False if error.status == 404 else None
        except httpx.HTTPError:
            return None
        return True

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


class RemoteTokenValidator:
    """Token validation for a service running alone: ask identity, trust the answer a while.

    keystonemiddleware's model: ``GET /v3/auth/tokens`` with the service's own token, the
    result cached for ``cache_time`` seconds (never past the token's expiry). A revocation
    therefore reaches a standalone service within ``cache_time``; in the all-in-one process
    the local validator applies it at once.
    """

    def __init__(self, client: IdentityClient, *, cache_time: float = 300.0,
                 cache_size: int = 10000) -> None:
        self.client = client
        self.cache_time = cache_time
        self.cache_size = cache_size
        self._cache: dict[str, tuple[float, AuthInfo]] = {}

    async def validate(self, token: str) -> AuthInfo:
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            document = await self.client.validate_token(token)
        except ServiceError as error:
            if error.status in (401, 403, 404):
                raise InvalidToken(f"identity refused the token ({error.status})") from None
            raise
        info = auth_info_from_document(document)
        if len(self._cache) >= self.cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[token] = (min(now + self.cache_time, info.expires_at), info)
        return info


def auth_info_from_document(token: dict[str, Any]) -> AuthInfo:
    """The :class:`AuthInfo` a Keystone token document describes."""
    user, project, domain = token["user"], token.get("project"), token.get("domain")
    return AuthInfo(
        user_id=user["id"], user_name=user["name"],
        user_domain_id=user["domain"]["id"], user_domain_name=user["domain"]["name"],
        roles=tuple(r["name"] for r in token.get("roles", ())),
        methods=tuple(token.get("methods", ())), audit_ids=tuple(token.get("audit_ids", ())),
        issued_at=_epoch(token["issued_at"]), expires_at=_epoch(token["expires_at"]),
        project_id=project["id"] if project else None,
        project_name=project["name"] if project else None,
        project_domain_id=project["domain"]["id"] if project else None,
        project_domain_name=project["domain"]["name"] if project else None,
        domain_id=domain["id"] if domain else None,
        domain_name=domain["name"] if domain else None,
        system_scope="all" if token.get("system") else None,
        application_credential_id=(token.get("application_credential") or {}).get("id"),
    )
