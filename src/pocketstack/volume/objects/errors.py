"""Domain exceptions; the HTTP edge maps them to status codes in Cinder's fault shape."""

from __future__ import annotations

__all__ = ["BadRequest", "Conflict", "InvalidVolume", "NotFound", "VolumeError"]


class VolumeError(Exception):
    status = 400


class BadRequest(VolumeError):
    status = 400


class InvalidVolume(BadRequest):
    """The volume is in a state that does not allow the operation (Cinder's 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid volume: {reason}")


class NotFound(VolumeError):
    status = 404


class Conflict(VolumeError):
    status = 409
