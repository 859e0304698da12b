"""POST /v3/auth/tokens: check the credentials, pick the scope, produce a token payload.

Three methods: ``password``, ``token`` (re-scope; inherits the expiry, extends the audit
chain) and ``application_credential`` (bound to its project, no scope accepted).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.auth import InvalidToken
from pocketstack.identity.authz import ResolvedToken
from pocketstack.identity.objects import app_creds, domains, projects, users
from pocketstack.identity.objects.errors import NotFound, Unauthorized
from pocketstack.identity.service import Identity
from pocketstack.identity.tokens.payload import Payload, new_audit_id

__all__ = ["authenticate"]


async def _domain_id(conn: AsyncConnection, ref: dict[str, Any] | None) -> str | None:
    if not ref:
        return None
    return str((await domains.find(conn, ident=ref.get("id"), name=ref.get("name")))["id"])


async def _password_user(svc: Identity, conn: AsyncConnection, data: dict[str, Any]) -> str:
    ref = data["user"]
    if "password" not in ref:
        raise Unauthorized()
    if not ref.get("id") and not (ref.get("name") and ref.get("domain")):
        raise Unauthorized()
    domain_id = None if ref.get("id") else await _domain_id(conn, ref.get("domain"))
    row = await users.find(conn, ident=ref.get("id"), name=ref.get("name"), domain_id=domain_id)
    if not await svc.hasher.verify(ref["password"], row.password_hash):
        raise Unauthorized()
    return str(row.id)


async def _app_cred(svc: Identity, conn: AsyncConnection, data: dict[str, Any]) -> Any:
    user_id = None
    if not data.get("id"):
        ref = data.get("user") or {}
        if ref.get("id"):
            user_id = ref["id"]
        elif ref.get("name"):
            domain_id = await _domain_id(conn, ref.get("domain"))
            user_id = (await users.find(conn, ident=None, name=ref["name"],
                                        domain_id=domain_id)).id
    row = await app_creds.find_for_auth(conn, ident=data.get("id"), name=data.get("name"),
                                        user_id=user_id)
    if not await svc.hasher.verify(data["secret"], row.secret_hash):
        raise Unauthorized()
    if row.expires_at is not None and row.expires_at <= time.time():
        raise Unauthorized()
    return row


async def _scope(conn: AsyncConnection, scope: Any, default_project: str | None,
                 svc: Identity, user_id: str) -> dict[str, Any]:
    if scope == "unscoped":
        return {}
    if scope is None:
        default = svc.view.snapshot.projects.get(default_project or "")
        if default and svc.view.snapshot.project_roles(user_id, default):
            return {"project_id": default.id}
        return {}
    if "project" in scope:
        ref = scope["project"]
        domain_id = None if ref.get("id") else await _domain_id(conn, ref.get("domain"))
        if not ref.get("id") and domain_id is None:
            raise Unauthorized()
        project = await projects.find(conn, ident=ref.get("id"), name=ref.get("name"),
                                      domain_id=domain_id)
        return {"project_id": project["id"]}
    if "domain" in scope:
        return {"domain_id": await _domain_id(conn, scope["domain"])}
    if scope.get("system", {}).get("all"):
        return {"system": True}
    raise Unauthorized()


async def authenticate(svc: Identity, conn: AsyncConnection, body: dict[str, Any]) -> ResolvedToken:
    """A resolved token for a valid request, else :class:`Unauthorized`."""
    auth = body["auth"]
    identity = auth["identity"]
    methods = tuple(identity["methods"])
    now = time.time()
    expires = now + svc.settings.identity.token_expiration
    audits: tuple[bytes, ...] = (new_audit_id(),)
    try:
        if methods == ("password",) and "password" in identity:
            user_id = await _password_user(svc, conn, identity["password"])
            default_project = (await users.get(conn, user_id)).get("default_project_id")
            scope = await _scope(conn, auth.get("scope"), default_project, svc, user_id)
        elif methods == ("token",) and "token" in identity:
            parent = svc.validator.resolve(identity["token"]["id"])
            user_id, expires = parent.user.id, parent.payload.expires_at
            # The second audit id is the chain's first token, as Keystone keeps it, so
            # revoking that token revokes every token re-scoped from it.
            audits = (audits[0], parent.payload.audit_ids[-1])
            if parent.payload.app_cred_id:
                raise Unauthorized()
            scope = await _scope(conn, auth.get("scope"), None, svc, user_id)
        elif methods == ("application_credential",) and "application_credential" in identity:
            if auth.get("scope") not in (None, "unscoped") and auth.get("scope") != {}:
                raise Unauthorized()
            row = await _app_cred(svc, conn, identity["application_credential"])
            user_id = row.user_id
            scope = {"project_id": row.project_id, "app_cred_id": row.id}
            if row.expires_at is not None:
                expires = min(expires, row.expires_at)
        else:
            raise Unauthorized()
    except (NotFound, InvalidToken):
        raise Unauthorized() from None
    payload = Payload(user_id=user_id, methods=methods, issued_at=now, expires_at=expires,
                      audit_ids=audits, **scope)
    try:
        return svc.view.snapshot.resolve(payload, now)
    except InvalidToken:
        raise Unauthorized() from None
