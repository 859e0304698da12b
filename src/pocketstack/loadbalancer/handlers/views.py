"""Records as Octavia answers them: names and descriptions never null, ``tenant_id`` beside
``project_id``, timestamps without zone, relations as lists of ``{"id"}``."""

from __future__ import annotations

import datetime
from typing import Any

from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["FIELDS", "iso", "render"]


def iso(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%S")


_COMMON = ("id", "name", "provisioning_status", "operating_status", "admin_state_up",
           "project_id", "created_at", "updated_at", "tags")

# Fields each kind shows besides the common ones (and its relations, added by the handler).
FIELDS: dict[str, tuple[str, ...]] = {
    "loadbalancer": ("description", "vip_address", "vip_port_id", "vip_subnet_id",
                     "vip_network_id", "vip_qos_policy_id", "vip_sg_ids", "vip_vnic_type",
                     "additional_vips", "provider", "flavor_id", "availability_zone"),
    "listener": ("description", "protocol", "protocol_port", "connection_limit",
                 "default_pool_id", "default_tls_container_ref", "sni_container_refs",
                 "insert_headers", "timeout_client_data", "timeout_member_connect",
                 "timeout_member_data", "timeout_tcp_inspect", "allowed_cidrs",
                 "client_authentication", "client_ca_tls_container_ref",
                 "client_crl_container_ref", "tls_ciphers", "tls_versions", "alpn_protocols",
                 "hsts_max_age", "hsts_include_subdomains", "hsts_preload"),
    "pool": ("description", "protocol", "lb_algorithm", "session_persistence", "tls_enabled",
             "tls_container_ref", "ca_tls_container_ref", "crl_container_ref", "tls_ciphers",
             "tls_versions", "alpn_protocols"),
    "member": ("address", "protocol_port", "weight", "backup", "subnet_id", "monitor_address",
               "monitor_port", "vnic_type"),
    "healthmonitor": ("type", "delay", "timeout", "max_retries", "max_retries_down",
                      "http_method", "url_path", "expected_codes", "http_version",
                      "domain_name"),
    "l7policy": ("description", "listener_id", "action", "position", "redirect_pool_id",
                 "redirect_url", "redirect_prefix", "redirect_http_code"),
    "l7rule": ("type", "compare_type", "key", "value", "invert"),
}
_NEVER_NULL = ("name", "description")


def render(kind: str, record: Record, **relations: Any) -> dict[str, Any]:
    """The API object of ``record``; ``relations`` are added as given."""
    out: dict[str, Any] = {}
    for name in (*_COMMON, *FIELDS[kind]):
        value = record.get(name)
        if name in _NEVER_NULL and value is None:
            value = ""
        if isinstance(value, datetime.datetime):
            value = iso(value)
        out[name] = value
    if kind == "l7rule" or kind == "member":
        out.pop("description", None)
    out["tenant_id"] = record["project_id"]
    out.update(relations)
    return out
