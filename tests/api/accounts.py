"""Accounts for API stories: a new user with a role on a project, made through identity."""

from __future__ import annotations

import uuid

import httpx

__all__ = ["PASSWORD", "new_user"]

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
