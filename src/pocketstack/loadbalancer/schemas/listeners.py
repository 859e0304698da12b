"""Listener bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import (
    BOOL,
    ID,
    NAME,
    PORT,
    TAGS,
    body,
    nullable,
)

__all__ = ["CREATE", "PROTOCOLS", "UPDATE"]

PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "SCTP", "TERMINATED_HTTPS", "PROMETHEUS")
_TIMEOUT: dict[str, Any] = {"type": ["integer", "null"], "minimum": 0, "maximum": 2073600000}
_REF: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
_UPDATABLE: dict[str, Any] = {
    "name": NAME, "description": NAME, "admin_state_up": BOOL, "tags": TAGS,
    "connection_limit": {"type": ["integer", "null"], "minimum": -1},
    "default_pool_id": nullable(ID),
    "insert_headers": {"type": ["object", "null"], "additionalProperties": {"type": "string"}},
    "timeout_client_data": _TIMEOUT, "timeout_member_connect": _TIMEOUT,
    "timeout_member_data": _TIMEOUT, "timeout_tcp_inspect": _TIMEOUT,
    "allowed_cidrs": {"type": ["array", "null"], "items": {"type": "string"}},
    "default_tls_container_ref": _REF,
    "sni_container_refs": {"type": ["array", "null"], "items": {"type": "string"}},
    "client_authentication": {"enum": ["NONE", "OPTIONAL", "MANDATORY", None]},
    "client_ca_tls_container_ref": _REF, "client_crl_container_ref": _REF,
    "tls_ciphers": {"type": ["string", "null"], "maxLength": 2048},
    "tls_versions": {"type": ["array", "null"], "items": {"type": "string"}},
    "alpn_protocols": {"type": ["array", "null"], "items": {"type": "string"}},
    "hsts_max_age": {"type": ["integer", "null"], "minimum": 0},
    "hsts_include_subdomains": BOOL, "hsts_preload": BOOL,
}
CREATE = body("listener", {
    **_UPDATABLE, "loadbalancer_id": ID, "protocol": {"enum": list(PROTOCOLS)},
    "protocol_port": PORT, "project_id": ID, "tenant_id": ID,
    "default_pool": {"type": "object"}, "l7policies": {"type": "array"},
}, required=("loadbalancer_id", "protocol", "protocol_port"))
UPDATE = body("listener", _UPDATABLE)
