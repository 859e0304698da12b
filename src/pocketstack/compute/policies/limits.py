"""Policy rules for limits (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "os_compute_api:limits": "@",
    "os_compute_api:limits:other_project": ADMIN,
}
