"""/v3/auth/tokens: issue (201 + X-Subject-Token), validate (GET/HEAD), revoke (DELETE)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.auth import InvalidToken
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.identity import schemas
from pocketstack.identity.authenticate import authenticate
from pocketstack.identity.authz import Named, ResolvedToken
from pocketstack.identity.handlers.base import authorize, iso
from pocketstack.identity.objects import revocations
from pocketstack.identity.service import Identity
from pocketstack.identity.tokens.payload import audit_text

__all__ = ["check_token", "issue_token", "revoke_token", "token_document", "validate_token"]


def _ref(named: Named, domains: dict[str, Named]) -> dict[str, Any]:
    domain = domains[named.domain_id]
    return {"id": named.id, "name": named.name,
            "domain": {"id": domain.id, "name": domain.name}}


def token_document(svc: Identity, token: ResolvedToken, *, catalog: bool) -> dict[str, Any]:
    p = token.payload
    snapshot = svc.view.snapshot
    body: dict[str, Any] = {
        "methods": list(p.methods),
        "user": {**_ref(token.user, snapshot.domains), "password_expires_at": None},
        "audit_ids": [audit_text(a) for a in p.audit_ids],
        "issued_at": iso(p.issued_at),
        "expires_at": iso(p.expires_at),
    }
    if token.project:
        body["project"] = _ref(token.project, snapshot.domains)
        body["is_domain"] = False
    elif token.domain:
        body["domain"] = {"id": token.domain.id, "name": token.domain.name}
    elif p.system:
        body["system"] = {"all": True}
    if token.project or token.domain or p.system:
        body["roles"] = [{"id": rid, "name": name} for rid, name in token.roles]
        if catalog:
            body["catalog"] = snapshot.catalog
    if token.app_cred:
        body["application_credential"] = {"id": token.app_cred.id, "name": token.app_cred.name,
                                          "restricted": not token.app_cred.unrestricted}
    return {"token": body}


async def issue_token(svc: Identity, request: Request) -> Response:
    body = await read_json(request, schemas.AUTH)
    async with svc.reading() as conn:
        token = await authenticate(svc, conn, body)
    document = token_document(svc, token, catalog="nocatalog" not in request.query_params)
    return json_response(document, 201, {"X-Subject-Token": svc.codec.encode(token.payload)})


def _subject(svc: Identity, request: Request) -> tuple[str, ResolvedToken]:
    subject = request.headers.get("x-subject-token")
    if not subject:
        raise ApiError(404, "Could not find token: .")
    grace = 0.0
    if request.query_params.get("allow_expired", "").lower() in {"1", "true"}:
        grace = float(svc.settings.identity.allow_expired_window)
    try:
        return subject, svc.validator.resolve(subject, allow_expired_for=grace)
    except InvalidToken:
        raise ApiError(404, f"Could not find token: {subject}.") from None


def _authorize_subject(svc: Identity, request: Request, rule: str, token: ResolvedToken) -> None:
    authorize(svc, request, rule, {"target": {"token": {"user_id": token.user.id}}})


async def validate_token(svc: Identity, request: Request) -> Response:
    subject, token = _subject(svc, request)
    _authorize_subject(svc, request, "identity:validate_token", token)
    document = token_document(svc, token, catalog="nocatalog" not in request.query_params)
    return json_response(document, 200, {"X-Subject-Token": subject})


async def check_token(svc: Identity, request: Request) -> Response:
    subject, token = _subject(svc, request)
    _authorize_subject(svc, request, "identity:validate_token", token)
    return empty_response(200, {"X-Subject-Token": subject})


async def revoke_token(svc: Identity, request: Request) -> Response:
    _, token = _subject(svc, request)
    _authorize_subject(svc, request, "identity:revoke_token", token)
    async with svc.writing() as conn:
        await revocations.revoke_audit(conn, audit_text(token.payload.audit_ids[0]))
    return empty_response(204)
