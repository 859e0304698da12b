"""The network service's policy rules (Neutron's names), as data.

Three personas (admin, member, reader) keyed on the project of the token. Which rows a
caller sees at all (their project's, shared and external networks; everything for admin) is
decided by the objects' queries, so a resource of another project is 404, never 403; these
rules decide what a caller may do to what they see. Targets carry ``project_id`` (the
resource's project) and ``network:project_id`` (the owner of the network it lives on).
"""

from __future__ import annotations

__all__ = ["RULES"]

_ADMIN = "rule:admin_only"
_MEMBER = "rule:admin_only or rule:project_member"
_READER = "rule:admin_only or role:reader"  # rows are already limited to what one may see
_NET_OWNER = "rule:admin_only or rule:network_owner"

RULES: dict[str, str] = {
    "context_is_admin": "role:admin",
    "admin_only": "role:admin",
    "service_api": "role:service",
    "project_member": "role:member and project_id:%(project_id)s",
    "network_owner": "role:member and project_id:%(network:project_id)s",
    # networks
    "create_network": _MEMBER,
    "create_network:shared": _ADMIN,
    "create_network:router:external": _ADMIN,
    "get_network": _READER,
    "update_network": _MEMBER,
    "update_network:shared": _ADMIN,
    "update_network:router:external": _ADMIN,
    "delete_network": _MEMBER,
    # subnets: only the network's owner adds subnets to it
    "create_subnet": _NET_OWNER,
    "get_subnet": _READER,
    "update_subnet": _NET_OWNER,
    "delete_subnet": _NET_OWNER,
    # ports
    "create_port": _MEMBER,
    "create_port:device_owner": _NET_OWNER,  # checked for network:* owners only
    "create_port:mac_address": _NET_OWNER,
    "create_port:fixed_ips:ip_address": _NET_OWNER,
    "create_port:binding:host_id": "rule:admin_only or rule:service_api",
    "create_port:binding:profile": "rule:admin_only or rule:service_api",
    "get_port": _READER,
    "get_port:binding:host_id": _ADMIN,
    "get_port:binding:profile": _ADMIN,
    "get_port:binding:vif_type": _ADMIN,
    "get_port:binding:vif_details": _ADMIN,
    "update_port": _MEMBER,
    "update_port:device_owner": _NET_OWNER,
    "update_port:mac_address": "rule:admin_only",
    "update_port:fixed_ips:ip_address": _NET_OWNER,
    "update_port:binding:host_id": "rule:admin_only or rule:service_api",
    "update_port:binding:profile": "rule:admin_only or rule:service_api",
    "delete_port": _MEMBER,
    # security groups and their rules
    "create_security_group": _MEMBER,
    "get_security_group": _READER,
    "update_security_group": _MEMBER,
    "delete_security_group": _MEMBER,
    "create_security_group_rule": _MEMBER,
    "get_security_group_rule": _READER,
    "delete_security_group_rule": _MEMBER,
}
