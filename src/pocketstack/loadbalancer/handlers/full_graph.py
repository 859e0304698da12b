"""A load balancer created with its whole graph in one POST (Octavia's "full graph"):
``listeners`` (each with a ``default_pool`` and ``l7policies``, each policy with a
``redirect_pool`` and ``rules``) and ``pools`` (each with ``members`` and a
``healthmonitor``). A pool given only by ``{"name": ...}`` refers to the pool of that name
specified elsewhere in the request; names of specified pools are unique.

Every record is built (and checked) before anything is written, then inserted in the load
balancer's own transaction, PENDING_CREATE: the controller applies and settles the graph
as one change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.loadbalancer.handlers.certificates import check_listener_tls, check_pool_tls
from pocketstack.loadbalancer.handlers.healthmonitors import new_health_monitor
from pocketstack.loadbalancer.handlers.l7policies import new_l7policy
from pocketstack.loadbalancer.handlers.l7rules import new_l7rule
from pocketstack.loadbalancer.handlers.listeners import new_listener, render_listeners
from pocketstack.loadbalancer.handlers.members import new_member
from pocketstack.loadbalancer.handlers.pools import new_pool, render_pools
from pocketstack.loadbalancer.objects import flavors, graph, l7, protocols
from pocketstack.loadbalancer.objects.errors import Conflict, Invalid
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.schemas import full_graph as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["Planned", "build", "check_certificates", "embedded", "insert", "is_full_graph",
           "plan"]

Planned = list[tuple[str, Record]]  # (kind, record), in insertion order


def is_full_graph(spec: dict[str, Any]) -> bool:
    return bool(spec.get("listeners") or spec.get("pools"))


def _embedded_pools(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from spec.get("pools") or []
    for listener in spec.get("listeners") or []:
        if listener.get("default_pool"):
            yield listener["default_pool"]
        for policy in listener.get("l7policies") or []:
            if policy.get("redirect_pool"):
                yield policy["redirect_pool"]


def _specified(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every fully specified pool of the request, by name."""
    found: dict[str, dict[str, Any]] = {}
    for pool in _embedded_pools(spec):
        if set(pool) == {"name"}:
            continue
        name = pool.get("name")
        if not name:
            raise Invalid.validation("Pools in a full graph must have a name.")
        if name in found:
            raise Invalid.validation(f"Pool name {name} is given twice in the request.")
        found[name] = pool
    for pool in _embedded_pools(spec):
        if pool.get("name") not in found:
            raise Invalid.validation(f"Missing details for Pool object: {pool.get('name')}")
    return found


def build(spec: dict[str, Any], lb: Record) -> Planned:
    """The records of the graph below ``lb`` (400/409 on any bad part)."""
    schemas.check(spec)
    planned: Planned = []
    pools: dict[str, Record] = {}
    for name, pool_spec in _specified(spec).items():
        pool = new_pool(pool_spec, lb)
        pools[name] = pool
        planned.append(("pool", pool))
        monitor = pool_spec.get("healthmonitor")
        if monitor:
            planned.append(("healthmonitor", new_health_monitor(monitor, pool)))
        for member in pool_spec.get("members") or []:
            planned.append(("member", new_member(pool, member, bool(monitor))))
    ports: dict[tuple[str, int], str] = {}
    for listener_spec in spec.get("listeners") or []:
        listener = new_listener(listener_spec, lb)
        key = (protocols.l4_of(listener["protocol"]), listener["protocol_port"])
        if key in ports:
            raise Conflict(f"Another Listener on this Load Balancer is already using protocol "
                           f"{key[0]} and protocol_port {key[1]}")
        ports[key] = listener["id"]
        default = listener_spec.get("default_pool")
        if default:
            pool = pools[default["name"]]
            protocols.check_pool_protocol(listener["protocol"], pool["protocol"])
            listener["default_pool_id"] = pool["id"]
        planned.append(("listener", listener))
        for position, policy_spec in enumerate(listener_spec.get("l7policies") or [], 1):
            redirect = policy_spec.get("redirect_pool")
            if redirect:
                policy_spec = {**policy_spec, "redirect_pool_id": pools[redirect["name"]]["id"]}
            policy = new_l7policy(policy_spec, listener)
            policy["position"] = position
            planned.append(("l7policy", policy))
            rules = policy_spec.get("rules") or []
            if len(rules) > l7.MAX_RULES:
                raise Conflict(f"Too many rules on L7 policy {policy['id']}.")
            planned += [("l7rule", new_l7rule(rule, policy)) for rule in rules]
    return planned


async def plan(svc: LoadBalancerService, spec: dict[str, Any], lb_id: str,
               project_id: str) -> Planned:
    """The graph a create asks for, built and its certificates checked ([] for none)."""
    if not is_full_graph(spec):
        return []
    async with svc.reading() as conn:
        provider, _ = await flavors.placement_of(
            conn, spec.get("flavor_id"), spec.get("provider"), svc.settings.loadbalancer)
    planned = build(spec, {"id": lb_id, "project_id": project_id, "provider": provider})
    await check_certificates(svc, planned)
    return planned


async def embedded(svc: LoadBalancerService, lb_id: str) -> dict[str, Any]:
    """The listeners and pools of a new full graph as whole objects."""
    async with svc.reading() as conn:
        made_listeners = await graph.select(conn, "listener", load_balancer_id=lb_id)
        made_pools = await graph.select(conn, "pool", load_balancer_id=lb_id)
    return {"listeners": await render_listeners(svc, made_listeners),
            "pools": await render_pools(svc, made_pools)}


async def check_certificates(svc: LoadBalancerService, planned: Planned) -> None:
    for kind, record in planned:
        if kind == "listener":
            await check_listener_tls(svc, record)
        elif kind == "pool":
            await check_pool_tls(svc, record)


async def insert(conn: AsyncConnection, planned: Planned) -> None:
    for kind, record in planned:
        await graph.insert(conn, kind, {"provisioning_status": "PENDING_CREATE", "tags": [],
                                        **record})
