"""Pool bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import BOOL, ID, NAME, TAGS, body

__all__ = ["ALGORITHMS", "CREATE", "PROTOCOLS", "UPDATE"]

PROTOCOLS = ("TCP", "HTTP", "HTTPS", "PROXY", "PROXYV2", "UDP", "SCTP")
ALGORITHMS = ("ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", "SOURCE_IP_PORT")
_REF: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
_PERSISTENCE: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "type": {"enum": ["SOURCE_IP", "HTTP_COOKIE", "APP_COOKIE"]},
        "cookie_name": {"type": ["string", "null"], "maxLength": 255},
        "persistence_timeout": {"type": ["integer", "null"], "minimum": 0},
        "persistence_granularity": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
}
_UPDATABLE: dict[str, Any] = {
    "name": NAME, "description": NAME, "admin_state_up": BOOL, "tags": TAGS,
    "lb_algorithm": {"enum": list(ALGORITHMS)}, "session_persistence": _PERSISTENCE,
    "tls_enabled": BOOL, "tls_container_ref": _REF, "ca_tls_container_ref": _REF,
    "crl_container_ref": _REF, "tls_ciphers": {"type": ["string", "null"], "maxLength": 2048},
    "tls_versions": {"type": ["array", "null"], "items": {"type": "string"}},
    "alpn_protocols": {"type": ["array", "null"], "items": {"type": "string"}},
}
CREATE = body("pool", {
    **_UPDATABLE, "loadbalancer_id": ID, "listener_id": ID, "protocol": {"enum": list(PROTOCOLS)},
    "project_id": ID, "tenant_id": ID, "healthmonitor": {"type": "object"},
    "members": {"type": "array"},
}, required=("protocol", "lb_algorithm"))
UPDATE = body("pool", _UPDATABLE)
