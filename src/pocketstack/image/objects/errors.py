"""Domain exceptions; the HTTP edge answers them with their status in Glance's error shape."""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "Gone",
    "ImageError",
    "NotFound",
    "TooLarge",
]


class ImageError(Exception):
    status = 400


class BadRequest(ImageError):
    status = 400


class Forbidden(ImageError):
    status = 403


class NotFound(ImageError):
    status = 404


class Conflict(ImageError):
    status = 409


class Gone(ImageError):
    """The image was deleted while its data was being uploaded."""

    status = 410


class TooLarge(ImageError):
    """A quota (properties, tags, members) or the image size cap."""

    status = 413
