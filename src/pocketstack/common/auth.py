"""What a validated token says about the caller, and the validator seam.

Services never read identity's tables: the all-in-one process hands them a validator that
decrypts tokens locally and answers from memory (``identity.tokens.validator``).
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

__all__ = ["AuthInfo", "InvalidToken", "TokenValidator"]


class InvalidToken(Exception):
    """The token is malformed, expired, revoked or no longer grants its scope."""


@dataclasses.dataclass(frozen=True, slots=True)
class AuthInfo:
    """The caller, as a validated token describes them (keystonemiddleware's X-* headers)."""

    user_id: str
    user_name: str
    user_domain_id: str
    user_domain_name: str
    roles: tuple[str, ...]
    methods: tuple[str, ...]
    audit_ids: tuple[str, ...]
    issued_at: float
    expires_at: float
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    project_domain_name: str | None = None
    domain_id: str | None = None
    domain_name: str | None = None
    system_scope: str | None = None
    application_credential_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def credentials(self) -> dict[str, object]:
        """The credentials dict policy check strings are evaluated against."""
        return {
            "user_id": self.user_id,
            "user_domain_id": self.user_domain_id,
            "project_id": self.project_id,
            "project_domain_id": self.project_domain_id,
            "domain_id": self.domain_id,
            "system_scope": self.system_scope,
            "roles": self.roles,
            "is_admin": self.is_admin,
        }


class TokenValidator(Protocol):
    async def validate(self, token: str) -> AuthInfo:
        """Answer who the token speaks for, or raise :class:`InvalidToken`.

        Called on every request, in the middleware: an in-process validator answers from
        memory; a remote one (a service running alone) asks identity and caches the answer.
        """
        ...
