"""GET /v3/role_assignments, with ``effective`` and ``include_names`` as Keystone."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.identity.authz import Snapshot
from pocketstack.identity.handlers.base import authorize, link
from pocketstack.identity.objects import assignments
from pocketstack.identity.objects.assignments import Grant
from pocketstack.identity.service import Identity

__all__ = ["list_role_assignments"]

_SCOPE = {"UserProject": "project", "UserDomain": "domain"}
_COLL = {"UserProject": "projects", "UserDomain": "domains"}


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name)
    return value is not None and value.lower() not in {"0", "false", "no", "off"}


def _effective(grants: list[Grant], snapshot: Snapshot) -> list[Grant]:
    expanded: dict[tuple[str, str, str, str], Grant] = {}
    for g in grants:
        for role in sorted(snapshot.expand({g.role_id})):
            expanded.setdefault((g.type, g.actor_id, g.target_id, role),
                                Grant(g.type, g.actor_id, g.target_id, role))
    return list(expanded.values())


def _named(snapshot: Snapshot, kind: str, ident: str) -> dict[str, Any]:
    table = snapshot.users if kind == "user" else snapshot.projects
    item = table.get(ident) if kind != "domain" else snapshot.domains.get(ident)
    if item is None:
        return {"id": ident}
    named: dict[str, Any] = {"id": ident, "name": item.name}
    if kind != "domain":
        domain = snapshot.domains[item.domain_id]
        named["domain"] = {"id": domain.id, "name": domain.name}
    return named


def _document(g: Grant, snapshot: Snapshot, names: bool, base: str) -> dict[str, Any]:
    role: dict[str, Any] = {"id": g.role_id}
    if names:
        role["name"] = snapshot.roles.get(g.role_id, "")
    user = _named(snapshot, "user", g.actor_id) if names else {"id": g.actor_id}
    if g.type == "UserSystem":
        scope: dict[str, Any] = {"system": {"all": True}}
        assignment = f"{base}/system/users/{g.actor_id}/roles/{g.role_id}"
    else:
        kind = _SCOPE[g.type]
        scope = {kind: _named(snapshot, kind, g.target_id) if names else {"id": g.target_id}}
        assignment = f"{base}/{_COLL[g.type]}/{g.target_id}/users/{g.actor_id}/roles/{g.role_id}"
    if g.inherited:
        scope["OS-INHERIT:inherited_to"] = "projects"
    return {"role": role, "user": user, "scope": scope, "links": {"assignment": assignment}}


async def list_role_assignments(svc: Identity, request: Request) -> Response:
    ctx = authorize(svc, request, "identity:list_role_assignments")
    q = request.query_params
    async with svc.reading() as conn:
        grants = await assignments.list_assignments(
            conn, user_id=q.get("user.id"), role_id=None if _flag(request, "effective")
            else q.get("role.id"), project_id=q.get("scope.project.id"),
            domain_id=q.get("scope.domain.id"), system=q.get("scope.system") == "all")
    if q.get("group.id"):
        grants = []
    snapshot = svc.view.snapshot
    if _flag(request, "effective"):
        grants = _effective([g for g in grants if not g.inherited], snapshot)
        if q.get("role.id"):
            grants = [g for g in grants if g.role_id == q["role.id"]]
    base = link(ctx, "").rstrip("/")
    names = _flag(request, "include_names")
    return json_response({
        "role_assignments": [_document(g, snapshot, names, base) for g in grants],
        "links": {"self": f"{base}/role_assignments", "previous": None, "next": None},
    })
