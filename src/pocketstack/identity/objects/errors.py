"""Domain exceptions; only the HTTP edge turns them into status codes."""

from __future__ import annotations

__all__ = ["Conflict", "Forbidden", "IdentityError", "Invalid", "NotFound", "Unauthorized"]


class IdentityError(Exception):
    pass


class NotFound(IdentityError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(f"Could not find {kind}: {ident}.")


class Conflict(IdentityError):
    pass


class Forbidden(IdentityError):
    pass


class Invalid(IdentityError):
    pass


class Unauthorized(IdentityError):
    def __init__(self, message: str = "The request you have made requires authentication."):
        super().__init__(message)
