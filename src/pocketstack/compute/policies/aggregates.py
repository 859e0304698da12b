"""Policy rules for aggregates (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

RULES: dict[str, str] = {}
