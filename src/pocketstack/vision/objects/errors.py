"""Domain exceptions; the HTTP edge maps them to statuses in the service's error shape."""

from __future__ import annotations

__all__ = ["BadRequest", "Conflict", "NotFound", "PayloadTooLarge", "VisionError"]


class VisionError(Exception):
    status = 400
    code = "vision.bad_request"


class BadRequest(VisionError):
    status = 400
    code = "vision.bad_request"


class NotFound(VisionError):
    status = 404
    code = "vision.not_found"


class Conflict(VisionError):
    status = 409
    code = "vision.conflict"


class PayloadTooLarge(VisionError):
    status = 413
    code = "vision.too_large"
