"""Policy rules for the cells' health and fault injection (a Pocketstack extension)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "pocketstack:os-cells:list": ADMIN,
    "pocketstack:os-cells:fault": ADMIN,
}
