"""Accounts for API stories: a new user with a role on a project, made through identity."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import httpx

__all__ = ["PASSWORD", "Caller", "login", "new_user"]

PASSWORD = "pw"


async def new_user(client: httpx.AsyncClient, admin_token: str, role: str = "member",
                   project_id: str | None = None) -> tuple[str, str]:
    """A new user (password ``PASSWORD``) with ``role`` on ``project_id`` (a new project when
    None); ``(user_id, project_id)``."""
    name = f"u-{uuid.uuid4().hex[:8]}"
    admin = {"X-Auth-Token": admin_token}
    if project_id is None:
        made = await client.post("/identity/v3/projects", headers=admin, json={
            "project": {"name": f"p-{name}", "domain_id": "default"}})
        assert made.status_code == 201, made.text
        project_id = str(made.json()["project"]["id"])
    made = await client.post("/identity/v3/users", headers=admin, json={
        "user": {"name": name, "password": PASSWORD, "domain_id": "default"}})
    assert made.status_code == 201, made.text
    user_id = str(made.json()["user"]["id"])
    roles = await client.get("/identity/v3/roles", headers=admin, params={"name": role})
    role_id = roles.json()["roles"][0]["id"]
    granted = await client.put(
        f"/identity/v3/projects/{project_id}/users/{user_id}/roles/{role_id}", headers=admin)
    assert granted.status_code == 204, granted.text
    return user_id, project_id


@dataclasses.dataclass(frozen=True)
class Caller:
    """A project-scoped token and whose it is."""

    token: str
    project_id: str
    user_id: str


async def login(client: httpx.AsyncClient, user: dict[str, Any],
                scope: dict[str, Any]) -> Caller:
    """A password login of ``user`` (an identity ``user`` object) scoped to ``scope``."""
    issued = await client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": user}}, "scope": scope}})
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    return Caller(issued.headers["x-subject-token"], token["project"]["id"], token["user"]["id"])
