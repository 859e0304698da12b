"""An in-memory view of everything a token resolves against, rebuilt after each identity write.

Token validation reads only this view: names, enabled flags, grants, implied roles,
application credentials, revocation events and the catalog. It is replaced whole (readers
never see a half-built view) by :meth:`AuthzView.reload` after every committed write, so a
removed grant or a disabled user takes effect on the next request, with no database query
on the request path.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.auth import AuthInfo, InvalidToken
from pocketstack.identity.db import models as m
from pocketstack.identity.tokens.payload import Payload, audit_text

__all__ = ["AuthzView", "Named", "ResolvedToken", "Snapshot"]


@dataclasses.dataclass(frozen=True, slots=True)
class Named:
    id: str
    name: str
    domain_id: str
    enabled: bool


@dataclasses.dataclass(frozen=True, slots=True)
class AppCred:
    id: str
    name: str
    user_id: str
    project_id: str
    role_ids: tuple[str, ...]
    expires_at: float | None
    unrestricted: bool


@dataclasses.dataclass(frozen=True)
class ResolvedToken:
    payload: Payload
    user: Named
    user_domain: Named
    project: Named | None
    project_domain: Named | None
    domain: Named | None
    roles: tuple[tuple[str, str], ...]  # (id, name)
    app_cred: AppCred | None

    def auth_info(self) -> AuthInfo:
        p = self.payload
        return AuthInfo(
            user_id=self.user.id, user_name=self.user.name,
            user_domain_id=self.user_domain.id, user_domain_name=self.user_domain.name,
            roles=tuple(name for _, name in self.roles), methods=p.methods,
            audit_ids=tuple(audit_text(a) for a in p.audit_ids),
            issued_at=p.issued_at, expires_at=p.expires_at,
            project_id=self.project.id if self.project else None,
            project_name=self.project.name if self.project else None,
            project_domain_id=self.project_domain.id if self.project_domain else None,
            project_domain_name=self.project_domain.name if self.project_domain else None,
            domain_id=self.domain.id if self.domain else None,
            domain_name=self.domain.name if self.domain else None,
            system_scope="all" if p.system else None,
            application_credential_id=self.app_cred.id if self.app_cred else None,
        )


@dataclasses.dataclass
class Snapshot:
    generation: int = 0
    domains: dict[str, Named] = dataclasses.field(default_factory=dict)
    projects: dict[str, Named] = dataclasses.field(default_factory=dict)
    users: dict[str, Named] = dataclasses.field(default_factory=dict)
    roles: dict[str, str] = dataclasses.field(default_factory=dict)
    implies: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    grants: dict[tuple[str, str, str, bool], frozenset[str]] = dataclasses.field(
        default_factory=dict
    )
    app_creds: dict[str, AppCred] = dataclasses.field(default_factory=dict)
    revoked_audits: dict[str, float] = dataclasses.field(default_factory=dict)
    revoked_users: dict[str, float] = dataclasses.field(default_factory=dict)
    revoked_projects: dict[str, float] = dataclasses.field(default_factory=dict)
    catalog: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def expand(self, role_ids: set[str]) -> set[str]:
        """Role ids with every implied role added (transitively)."""
        found, todo = set(role_ids), list(role_ids)
        while todo:
            for implied in self.implies.get(todo.pop(), ()):
                if implied not in found:
                    found.add(implied)
                    todo.append(implied)
        return found

    def project_roles(self, user_id: str, project: Named) -> set[str]:
        direct = set(self.grants.get(("UserProject", user_id, project.id, False), ()))
        direct |= self.grants.get(("UserDomain", user_id, project.domain_id, True), frozenset())
        return self.expand(direct)

    def domain_roles(self, user_id: str, domain_id: str) -> set[str]:
        return self.expand(set(self.grants.get(("UserDomain", user_id, domain_id, False), ())))

    def system_roles(self, user_id: str) -> set[str]:
        return self.expand(set(self.grants.get(("UserSystem", user_id, "all", False), ())))

    def is_revoked(self, p: Payload, project_id: str | None) -> bool:
        for audit in p.audit_ids:
            if self.revoked_audits.get(audit_text(audit), -1.0) >= p.issued_at:
                return True
        if self.revoked_users.get(p.user_id, -1.0) >= p.issued_at:
            return True
        return bool(project_id and self.revoked_projects.get(project_id, -1.0) >= p.issued_at)

    def resolve(self, p: Payload, now: float) -> ResolvedToken:
        """Everything the token grants now, or :class:`InvalidToken`."""
        if p.expires_at <= now:
            raise InvalidToken("token expired")
        user = self.users.get(p.user_id)
        if user is None or not user.enabled:
            raise InvalidToken("user not found or disabled")
        user_domain = self.domains[user.domain_id]
        if not user_domain.enabled:
            raise InvalidToken("user's domain is disabled")
        if self.is_revoked(p, p.project_id):
            raise InvalidToken("token revoked")
        project = project_domain = domain = None
        app_cred = None
        if p.project_id:
            project = self.projects.get(p.project_id)
            if project is None or not project.enabled:
                raise InvalidToken("project not found or disabled")
            project_domain = self.domains[project.domain_id]
            if not project_domain.enabled:
                raise InvalidToken("project's domain is disabled")
            role_ids = self.project_roles(user.id, project)
            if p.app_cred_id:
                app_cred = self.app_creds.get(p.app_cred_id)
                if app_cred is None or app_cred.user_id != user.id:
                    raise InvalidToken("application credential not found")
                if app_cred.expires_at is not None and app_cred.expires_at <= now:
                    raise InvalidToken("application credential expired")
                role_ids &= self.expand(set(app_cred.role_ids))
        elif p.domain_id:
            domain = self.domains.get(p.domain_id)
            if domain is None or not domain.enabled:
                raise InvalidToken("domain not found or disabled")
            role_ids = self.domain_roles(user.id, domain.id)
        elif p.system:
            role_ids = self.system_roles(user.id)
        else:
            role_ids = set()
        scoped = p.project_id or p.domain_id or p.system
        if scoped and not role_ids:
            raise InvalidToken("no role on the scope")
        roles = tuple(sorted(((r, self.roles[r]) for r in role_ids), key=lambda x: x[1]))
        return ResolvedToken(p, user, user_domain, project, project_domain, domain, roles,
                             app_cred)


async def _load(engine: AsyncEngine, generation: int) -> Snapshot:
    snap = Snapshot(generation=generation)
    async with engine.connect() as conn:
        for d in await conn.execute(sa.select(m.domains.c.id, m.domains.c.name,
                                              m.domains.c.enabled)):
            snap.domains[d.id] = Named(d.id, d.name, d.id, d.enabled)
        for table, target in ((m.projects, snap.projects), (m.users, snap.users)):
            query = sa.select(table.c.id, table.c.name, table.c.domain_id, table.c.enabled)
            for item in await conn.execute(query):
                target[item.id] = Named(item.id, item.name, item.domain_id, item.enabled)
        for role in await conn.execute(sa.select(m.roles.c.id, m.roles.c.name)):
            snap.roles[role.id] = role.name
        implies: dict[str, set[str]] = defaultdict(set)
        for row in await conn.execute(sa.select(m.implied_roles)):
            implies[row.prior_role_id].add(row.implied_role_id)
        snap.implies = {k: frozenset(v) for k, v in implies.items()}
        grants: dict[tuple[str, str, str, bool], set[str]] = defaultdict(set)
        for row in await conn.execute(sa.select(m.assignments)):
            grants[(row.type, row.actor_id, row.target_id, row.inherited)].add(row.role_id)
        snap.grants = {k: frozenset(v) for k, v in grants.items()}
        for row in await conn.execute(sa.select(m.application_credentials)):
            snap.app_creds[row.id] = AppCred(row.id, row.name, row.user_id, row.project_id,
                                             tuple(row.roles), row.expires_at, row.unrestricted)
        for row in await conn.execute(sa.select(m.revocation_events)):
            if row.audit_id:
                snap.revoked_audits[row.audit_id] = row.issued_before
            elif row.user_id:
                snap.revoked_users[row.user_id] = max(
                    row.issued_before, snap.revoked_users.get(row.user_id, 0.0))
            elif row.project_id:
                snap.revoked_projects[row.project_id] = max(
                    row.issued_before, snap.revoked_projects.get(row.project_id, 0.0))
        snap.catalog = await _catalog(conn)
    return snap


async def _catalog(conn: Any) -> list[dict[str, Any]]:
    services = (await conn.execute(sa.select(m.services).where(m.services.c.enabled))).all()
    endpoints = (await conn.execute(sa.select(m.endpoints).where(m.endpoints.c.enabled))).all()
    catalog = []
    for service in services:
        entries = [
            {"id": e.id, "interface": e.interface, "region_id": e.region_id,
             "region": e.region_id, "url": e.url}
            for e in endpoints if e.service_id == service.id
        ]
        catalog.append({"id": service.id, "type": service.type,
                        "name": service.extra.get("name", ""), "endpoints": entries})
    return catalog


class AuthzView:
    """Holds the current snapshot; :meth:`reload` swaps in a fresh one."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._lock = asyncio.Lock()
        self.snapshot = Snapshot()

    async def reload(self) -> None:
        """Called after each committed write; serialised so the newest load always wins."""
        async with self._lock:
            self.snapshot = await _load(self._engine, self.snapshot.generation + 1)
