"""Placement's policy rules (upstream names): admin or the service role, reads for readers."""

from __future__ import annotations

__all__ = ["RULES"]

_ADMIN_OR_SERVICE = "role:admin or role:service"

RULES: dict[str, str] = {
    "admin_or_service": _ADMIN_OR_SERVICE,
    "placement:resource_providers:list": "rule:admin_or_service",
    "placement:resource_providers:create": "rule:admin_or_service",
    "placement:resource_providers:show": "rule:admin_or_service",
    "placement:resource_providers:update": "rule:admin_or_service",
    "placement:resource_providers:delete": "rule:admin_or_service",
    "placement:resource_classes:list": "rule:admin_or_service",
    "placement:resource_classes:create": "rule:admin_or_service",
    "placement:resource_classes:show": "rule:admin_or_service",
    "placement:resource_classes:update": "rule:admin_or_service",
    "placement:resource_classes:delete": "rule:admin_or_service",
    "placement:resource_providers:inventories:list": "rule:admin_or_service",
    "placement:resource_providers:inventories:create": "rule:admin_or_service",
    "placement:resource_providers:inventories:show": "rule:admin_or_service",
    "placement:resource_providers:inventories:update": "rule:admin_or_service",
    "placement:resource_providers:inventories:delete": "rule:admin_or_service",
    "placement:resource_providers:aggregates:list": "rule:admin_or_service",
    "placement:resource_providers:aggregates:update": "rule:admin_or_service",
    "placement:resource_providers:usages": "rule:admin_or_service",
    "placement:usages": "rule:admin_or_service",
    "placement:traits:list": "rule:admin_or_service",
    "placement:traits:show": "rule:admin_or_service",
    "placement:traits:update": "rule:admin_or_service",
    "placement:traits:delete": "rule:admin_or_service",
    "placement:resource_providers:traits:list": "rule:admin_or_service",
    "placement:resource_providers:traits:update": "rule:admin_or_service",
    "placement:resource_providers:traits:delete": "rule:admin_or_service",
    "placement:allocations:manage": "rule:admin_or_service",
    "placement:allocations:list": "rule:admin_or_service",
    "placement:allocations:update": "rule:admin_or_service",
    "placement:allocations:delete": "rule:admin_or_service",
    "placement:resource_providers:allocations:list": "rule:admin_or_service",
    "placement:allocation_candidates:list": "rule:admin_or_service",
    "placement:reshaper:reshape": "rule:admin_or_service",
}
