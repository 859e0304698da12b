"""Health monitor bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import BOOL, ID, NAME, TAGS, body

__all__ = ["CREATE", "METHODS", "TYPES", "UPDATE"]

TYPES = ("HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", "UDP-CONNECT", "SCTP")
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH")
_SECONDS: dict[str, Any] = {"type": "integer", "minimum": 0}
_UPDATABLE: dict[str, Any] = {
    "name": NAME, "admin_state_up": BOOL, "tags": TAGS, "delay": _SECONDS,
    "timeout": _SECONDS, "max_retries": {"type": "integer", "minimum": 1, "maximum": 10},
    "max_retries_down": {"type": ["integer", "null"], "minimum": 1, "maximum": 10},
    "http_method": {"enum": [*METHODS, None]},
    "url_path": {"type": ["string", "null"], "maxLength": 2048, "pattern": "^/"},
    "expected_codes": {"type": ["string", "null"],
                       "pattern": r"^\d{3}((-\d{3})|(,\d{3})*)$"},
    "http_version": {"enum": [1.0, 1.1, None]},
    "domain_name": {"type": ["string", "null"], "maxLength": 255},
}
CREATE = body("healthmonitor", {
    **_UPDATABLE, "pool_id": ID, "type": {"enum": list(TYPES)}, "project_id": ID,
    "tenant_id": ID,
}, required=("pool_id", "type", "delay", "timeout", "max_retries"))
UPDATE = body("healthmonitor", _UPDATABLE)
