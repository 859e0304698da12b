"""Policy rules for server groups (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "os_compute_api:os-server-groups:create": "rule:project_member_api",
    "os_compute_api:os-server-groups:delete": "rule:project_member_or_admin",
    "os_compute_api:os-server-groups:index": "rule:project_reader_or_admin",
    "os_compute_api:os-server-groups:index:all_projects": ADMIN,
    "os_compute_api:os-server-groups:show": "rule:project_reader_or_admin",
}
