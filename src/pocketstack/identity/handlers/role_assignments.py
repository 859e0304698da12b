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
    """Implied roles expanded; an inherited domain grant becomes one on each of its projects."""
    expanded: dict[tuple[str, str, str, str], Grant] = {}
    for g in grants:
        targets = [(g.type, g.target_id)]
        if g.inherited:
            targets = [("UserProject", p.id) for p in snapshot.projects.values()
                       if p.domain_id == g.target_id]
        for kind, target in targets:
            for role in snapshot.expand({g.role_id}):
                expanded.setdefault((kind, target, g.actor_id, role),
                                    Grant(kind, g.actor_id, target, role))
    return [expanded[key] for key in sorted(expanded)]


def _matches(g: Grant, role_id: str | None, project_id: str | None, domain_id: str | None
             ) -> bool:
    return ((not role_id or g.role_id == role_id)
            and (not project_id or (g.type, g.target_id) == ("UserProject", project_id))
            and (not domain_id or (g.type, g.target_id) == ("UserDomain", domain_id)))


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
    effective = _flag(request, "effective")
    # Effective grants are filtered after expansion: an inherited grant on the domain or an
    # implying role is what answers for a project or a role.
    wanted = (q.get("role.id"), q.get("scope.project.id"), q.get("scope.domain.id"))
    role_id, project_id, domain_id = (None, None, None) if effective else wanted
    async with svc.reading() as conn:
        grants = await assignments.list_assignments(
            conn, user_id=q.get("user.id"), role_id=role_id, project_id=project_id,
            domain_id=domain_id, system=q.get("scope.system") == "all")
    if q.get("group.id"):
        grants = []
    snapshot = svc.view.snapshot
    if effective:
        grants = [g for g in _effective(grants, snapshot) if _matches(g, *wanted)]
    base = link(ctx, "").rstrip("/")
    names = _flag(request, "include_names")
    return json_response({
        "role_assignments": [_document(g, snapshot, names, base) for g in grants],
        "links": {"self": f"{base}/role_assignments", "previous": None, "next": None},
    })
