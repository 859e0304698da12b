"""Scheduler weighers: pure functions giving each host a score, normalised to 0..1 and
summed with their multipliers, as Nova's weight handler does (higher goes first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pocketstack.compute.objects.scheduling import HostState
from pocketstack.compute.scheduler.filters import FilterRequest

__all__ = ["DEFAULT_WEIGHERS", "affinity_weight", "cross_cell_weight", "ram_weight",
           "sort_hosts"]

Weigher = Callable[[HostState, FilterRequest], float]


def ram_weight(host: HostState, request: FilterRequest) -> float:
    """Spread: the more free RAM, the better."""
    return float(host.free_ram_mb)


def affinity_weight(host: HostState, request: FilterRequest) -> float:
    """Soft affinity favours hosts with members; soft anti-affinity those with fewer."""
    members = request.group_host_counts.get(host.host, 0)
    if request.group_policy == "soft-affinity":
        return float(members)
    if request.group_policy == "soft-anti-affinity":
        return -float(members)
    return 0.0


def cross_cell_weight(host: HostState, request: FilterRequest) -> float:
    """Nova's CrossCellWeigher: a move that may leave its cell prefers to stay (+1 in the
    server's cell, -1 elsewhere); 0 when the request is no such move."""
    if request.preferred_cell is None:
        return 0.0
    return 1.0 if host.cell_uuid == request.preferred_cell else -1.0


DEFAULT_WEIGHERS: tuple[tuple[Weigher, float], ...] = ((ram_weight, 1.0),
                                                       (affinity_weight, 2.0))


def _normalised(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high == low:
        return [0.0 for _ in values]
    return [(v - low) / (high - low) for v in values]


def sort_hosts(hosts: Sequence[HostState], request: FilterRequest,
               weighers: Sequence[tuple[Weigher, float]] = DEFAULT_WEIGHERS
               ) -> list[HostState]:
    """The hosts, best first (ties keep their order)."""
    if not hosts:
        return []
    totals = [0.0 for _ in hosts]
    for weigher, multiplier in weighers:
        scores = _normalised([weigher(h, request) for h in hosts])
        totals = [t + multiplier * s for t, s in zip(totals, scores, strict=True)]
    order = sorted(range(len(hosts)), key=lambda i: -totals[i])
    return [hosts[i] for i in order]
