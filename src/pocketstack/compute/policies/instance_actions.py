"""Policy rules for instance actions (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

RULES: dict[str, str] = {
    "os_compute_api:os-instance-actions:list": "rule:project_reader_or_admin",
    "os_compute_api:os-instance-actions:show": "rule:project_reader_or_admin",
    "os_compute_api:os-instance-actions:events": "rule:context_is_admin",
    "os_compute_api:os-instance-actions:events:details": "rule:context_is_admin",
}
