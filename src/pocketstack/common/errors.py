"""Domain-neutral API errors and the per-service error body formatters.

Handlers and middleware raise :class:`ApiError`; the service's formatter turns it into the
upstream service's own error body (Keystone ``error``, Nova faults, Placement ``errors[]``,
Octavia ``faultstring``, Magnum ``errors[]``, Neutron ``NeutronError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Protocol

__all__ = [
    "ApiError",
    "ErrorFormatter",
    "format_barbican",
    "format_cinder",
    "format_glance",
    "format_keystone",
    "format_magnum",
    "format_neutron",
    "format_nova",
    "format_octavia",
    "format_placement",
    "reason_phrase",
]


class ApiError(Exception):
    """An error answered to the client with ``status`` in the service's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class ErrorFormatter(Protocol):
    def __call__(self, error: ApiError, request_id: str) -> dict[str, Any]: ...


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def format_keystone(error: ApiError, request_id: str) -> dict[str, Any]:
    return {
        "error": {
            "code": error.status,
            "title": reason_phrase(error.status),
            "message": error.message,
            **error.extra,
        }
    }


_NOVA_FAULTS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def format_nova(error: ApiError, request_id: str) -> dict[str, Any]:
    key = _NOVA_FAULTS.get(error.status, "computeFault")
    return {key: {"code": error.status, "message": error.message, **error.extra}}


def _api_wg(error: ApiError, request_id: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "status": error.status,
        "title": reason_phrase(error.status),
        "detail": error.message,
        "request_id": request_id,
    }
    if error.code:
        item["code"] = error.code
    item.update(error.extra)
    return {"errors": [item]}


def format_placement(error: ApiError, request_id: str) -> dict[str, Any]:
    if not error.code:
        error.code = "placement.undefined_code"
    return _api_wg(error, request_id)


def format_magnum(error: ApiError, request_id: str) -> dict[str, Any]:
    return _api_wg(error, request_id)


def format_glance(error: ApiError, request_id: str) -> dict[str, Any]:
    """The API-WG shape, plus Glance's own top-level ``code``/``title``/``message`` (which
    openstacksdk prints)."""
    return {"code": error.status, "title": reason_phrase(error.status),
            "message": error.message, **_api_wg(error, request_id)}


def format_cinder(error: ApiError, request_id: str) -> dict[str, Any]:
    """Cinder faults have Nova's shape: ``{"itemNotFound": {"code", "message"}}``."""
    return format_nova(error, request_id)


def format_barbican(error: ApiError, request_id: str) -> dict[str, Any]:
    return {"code": error.status, "title": reason_phrase(error.status),
            "description": error.message, **error.extra}


def format_octavia(error: ApiError, request_id: str) -> dict[str, Any]:
    return {
        "faultcode": "Client" if error.status < 500 else "Server",
        "faultstring": error.message,
        "debuginfo": None,
    }


def format_neutron(error: ApiError, request_id: str) -> dict[str, Any]:
    return {
        "NeutronError": {
            "type": error.code or reason_phrase(error.status).replace(" ", ""),
            "message": error.message,
            "detail": "",
        }
    }
