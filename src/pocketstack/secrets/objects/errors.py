"""Domain exceptions; the HTTP edge maps them to statuses in Barbican's error shape."""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "NotAcceptable",
    "NotFound",
    "PayloadTooLarge",
    "SecretsError",
    "UnsupportedMediaType",
]


class SecretsError(Exception):
    status = 400


class BadRequest(SecretsError):
    status = 400


class NotFound(SecretsError):
    status = 404


class NotAcceptable(SecretsError):
    status = 406


class Conflict(SecretsError):
    status = 409


class PayloadTooLarge(SecretsError):
    status = 413

    def __init__(self) -> None:
        super().__init__(
            "The request returned a 413 Request Entity Too Large. This generally means that "
            "rate limiting or a quota threshold was breached."
        )


class UnsupportedMediaType(SecretsError):
    status = 415
