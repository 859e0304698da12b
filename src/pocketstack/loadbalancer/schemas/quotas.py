"""Quota bodies: PUT (both spellings of load balancer and health monitor accepted)."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import body

__all__ = ["API_ITEMS", "UPDATE"]

# The API's quota items; "loadbalancer"/"healthmonitor" and their older misspellings
# "load_balancer"/"health_monitor" are both accepted and both emitted.
API_ITEMS = ("loadbalancer", "load_balancer", "listener", "member", "pool", "healthmonitor",
             "health_monitor", "l7policy", "l7rule")
_LIMIT: dict[str, Any] = {"type": ["integer", "null"], "minimum": -1, "maximum": 2000000000}

UPDATE = body("quota", {item: _LIMIT for item in API_ITEMS})
