"""Policy rules for availability zones (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "os_compute_api:os-availability-zone:list": "@",
    "os_compute_api:os-availability-zone:detail": ADMIN,
}
