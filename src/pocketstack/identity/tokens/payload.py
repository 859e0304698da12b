"""The token payload: ids, methods, scope, times and audit ids, msgpack-packed and encrypted.

Names, roles and the catalog are never in the token; they are looked up at validation time
so that a removed grant takes effect at once. Unlike Keystone we keep ``issued_at`` with
sub-second precision in the payload, so a revocation in the same second as a new issue does
not revoke the new token.
"""

from __future__ import annotations

import base64
import dataclasses
import uuid

import msgpack
from cryptography.fernet import InvalidToken as FernetInvalid

from pocketstack.common.auth import InvalidToken
from pocketstack.identity.tokens.keys import KeyRepository

__all__ = ["METHODS", "Payload", "TokenCodec", "audit_text", "new_audit_id"]

METHODS = ("password", "token", "application_credential")
_UNSCOPED, _DOMAIN, _PROJECT, _SYSTEM, _APP_CRED = 0, 1, 2, 8, 9


@dataclasses.dataclass(frozen=True, slots=True)
class Payload:
    user_id: str
    methods: tuple[str, ...]
    issued_at: float
    expires_at: float
    audit_ids: tuple[bytes, ...]
    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False
    app_cred_id: str | None = None


def new_audit_id() -> bytes:
    return uuid.uuid4().bytes


def audit_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _pack_id(value: str) -> list[object]:
    if len(value) == 32:
        try:
            parsed = uuid.UUID(hex=value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.hex == value:
            return [True, parsed.bytes]
    return [False, value]


def _unpack_id(packed: list[object]) -> str:
    flag, value = packed
    if flag:
        assert isinstance(value, bytes)
        return uuid.UUID(bytes=value).hex
    return str(value)


def _methods_bits(methods: tuple[str, ...]) -> int:
    return sum(1 << METHODS.index(m) for m in methods)


def _bits_methods(bits: int) -> tuple[str, ...]:
    return tuple(m for i, m in enumerate(METHODS) if bits & (1 << i))


class TokenCodec:
    """Encrypts payloads into token strings and back, with the repository's keys."""

    def __init__(self, keys: KeyRepository) -> None:
        self.keys = keys

    def encode(self, p: Payload) -> str:
        if p.app_cred_id:
            kind, scope = _APP_CRED, [_pack_id(p.project_id or ""), _pack_id(p.app_cred_id)]
        elif p.project_id:
            kind, scope = _PROJECT, [_pack_id(p.project_id)]
        elif p.domain_id:
            kind, scope = _DOMAIN, [_pack_id(p.domain_id)]
        elif p.system:
            kind, scope = _SYSTEM, [[False, "all"]]
        else:
            kind, scope = _UNSCOPED, []
        body = [kind, _pack_id(p.user_id), _methods_bits(p.methods), scope,
                p.expires_at, p.issued_at, list(p.audit_ids)]
        raw = self.keys.fernet().encrypt(msgpack.packb(body))
        return raw.decode().rstrip("=")

    def decode(self, token: str) -> Payload:
        try:
            padded = token + "=" * (-len(token) % 4)
            raw = self.keys.fernet().decrypt(padded.encode("ascii"))
            kind, user, bits, scope, expires, issued, audits = msgpack.unpackb(raw)
        except (FernetInvalid, UnicodeEncodeError, ValueError, TypeError) as error:
            raise InvalidToken("token could not be decrypted") from error
        common = {
            "user_id": _unpack_id(user),
            "methods": _bits_methods(bits),
            "issued_at": float(issued),
            "expires_at": float(expires),
            "audit_ids": tuple(audits),
        }
        if kind == _APP_CRED:
            return Payload(**common, project_id=_unpack_id(scope[0]),  # type: ignore[arg-type]
                           app_cred_id=_unpack_id(scope[1]))
        if kind == _PROJECT:
            return Payload(**common, project_id=_unpack_id(scope[0]))  # type: ignore[arg-type]
        if kind == _DOMAIN:
            return Payload(**common, domain_id=_unpack_id(scope[0]))  # type: ignore[arg-type]
        if kind == _SYSTEM:
            return Payload(**common, system=True)  # type: ignore[arg-type]
        return Payload(**common)  # type: ignore[arg-type]
