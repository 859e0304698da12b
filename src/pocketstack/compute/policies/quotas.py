"""Policy rules for quota sets and quota classes (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"
READER = "rule:project_reader_or_admin"

RULES: dict[str, str] = {
    "os_compute_api:os-quota-sets:show": READER,
    "os_compute_api:os-quota-sets:detail": READER,
    "os_compute_api:os-quota-sets:defaults": "@",
    "os_compute_api:os-quota-sets:update": ADMIN,
    "os_compute_api:os-quota-sets:delete": ADMIN,
    "os_compute_api:os-quota-class-sets:show": ADMIN,
    "os_compute_api:os-quota-class-sets:update": ADMIN,
}
