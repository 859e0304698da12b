"""Domain exceptions; the HTTP edge maps them to status codes and Placement error codes."""

from __future__ import annotations

from pocketstack.placement import errors as codes

__all__ = ["BadRequest", "ConcurrentUpdate", "Conflict", "NotFound", "PlacementError"]


class PlacementError(Exception):
    status = 400
    code = codes.DEFAULT

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class BadRequest(PlacementError):
    status = 400


class NotFound(PlacementError):
    status = 404


class Conflict(PlacementError):
    status = 409


class ConcurrentUpdate(Conflict):
    """A generation compare-and-swap lost: someone else wrote first."""

    code = codes.CONCURRENT_UPDATE
