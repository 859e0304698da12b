"""Compute's policy rules (Nova's names and defaults), one module per resource."""

from __future__ import annotations

from pocketstack.compute.policies import (
    aggregates,
    availability_zones,
    cells,
    flavors,
    hypervisors,
    instance_actions,
    keypairs,
    limits,
    migrations,
    quotas,
    server_groups,
    servers,
    services,
)

__all__ = ["RULES"]

BASE: dict[str, str] = {
    "context_is_admin": "role:admin",
    "admin_api": "role:admin",
    "project_member_api": "role:member and project_id:%(project_id)s",
    "project_reader_api": "role:reader and project_id:%(project_id)s",
    "project_manager_api": "role:manager and project_id:%(project_id)s",
    "project_member_or_admin": "rule:project_member_api or rule:context_is_admin",
    "project_manager_or_admin": "rule:project_manager_api or rule:context_is_admin",
    "project_reader_or_admin": "rule:project_reader_api or rule:context_is_admin",
}

RULES: dict[str, str] = {
    **BASE,
    **servers.RULES,
    **instance_actions.RULES,
    **flavors.RULES,
    **keypairs.RULES,
    **aggregates.RULES,
    **availability_zones.RULES,
    **server_groups.RULES,
    **limits.RULES,
    **services.RULES,
    **hypervisors.RULES,
    **cells.RULES,
    **quotas.RULES,
    **migrations.RULES,
}
