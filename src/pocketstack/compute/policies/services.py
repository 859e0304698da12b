"""Policy rules for compute services (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "os_compute_api:os-services:list": ADMIN,
    "os_compute_api:os-services:update": ADMIN,
    "os_compute_api:os-services:delete": ADMIN,
}
