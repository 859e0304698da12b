"""The embedded objects of a full-graph load balancer create, checked with the same schemas
as their own POSTs (less the parent ids the graph supplies)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import validate
from pocketstack.loadbalancer.schemas import healthmonitors, l7, listeners, members, pools

__all__ = ["check"]


def _body(checker: Any, key: str, value: Any, drop: tuple[str, ...]) -> None:
    value = {k: v for k, v in value.items() if k not in drop} if isinstance(value, dict) \
        else value
    validate(checker, {key: value})


def check(spec: dict[str, Any]) -> None:
    """400 unless every embedded object is valid for its kind."""
    for pool in _all_pools(spec):
        if isinstance(pool, dict) and set(pool) != {"name"}:
            _body(pools.CREATE, "pool", pool, ())
            if pool.get("healthmonitor"):
                _body(healthmonitors.CREATE, "healthmonitor",
                      {"pool_id": "graph", **pool["healthmonitor"]}, ())
            for member in pool.get("members") or []:
                _body(members.CREATE, "member", member, ())
    for listener in spec.get("listeners") or []:
        _body(listeners.CREATE, "listener", {"loadbalancer_id": "graph", **listener}, ())
        for policy in listener.get("l7policies") or []:
            _body(l7.POLICY_CREATE, "l7policy",
                  {"listener_id": "graph", **policy}, ("redirect_pool",))
            for rule in policy.get("rules") or []:
                _body(l7.RULE_CREATE, "rule", rule, ())


def _all_pools(spec: dict[str, Any]) -> list[Any]:
    found = list(spec.get("pools") or [])
    for listener in spec.get("listeners") or []:
        if isinstance(listener, dict):
            found.append(listener.get("default_pool") or {"name": None})
            for policy in listener.get("l7policies") or []:
                if isinstance(policy, dict) and policy.get("redirect_pool"):
                    found.append(policy["redirect_pool"])
    return [p for p in found if p != {"name": None}]
