"""Scheduler filters: pure functions ``(host, request) -> bool``, as Nova's filter classes.

``FilterRequest`` carries what the filters need from the request spec; the host states come
from ``objects.scheduling``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from pocketstack.compute.objects.scheduling import HostState

__all__ = [
    "DEFAULT_FILTERS",
    "FilterRequest",
    "affinity_filter",
    "anti_affinity_filter",
    "availability_zone_filter",
    "compute_filter",
    "run_filters",
]


@dataclasses.dataclass
class FilterRequest:
    availability_zone: str | None = None
    group_policy: str | None = None  # affinity, anti-affinity, soft-affinity, ...
    group_hosts: set[str] = dataclasses.field(default_factory=set)  # hosts of group members
    max_server_per_host: int | None = None
    group_host_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    ignore_hosts: set[str] = dataclasses.field(default_factory=set)
    force_host: str | None = None
    force_node: str | None = None
    preferred_cell: str | None = None  # a move's own cell (the cross-cell weigher)


Filter = Callable[[HostState, FilterRequest], bool]


def compute_filter(host: HostState, request: FilterRequest) -> bool:
    """The host's compute service is enabled and up."""
    return not host.disabled and host.up


def availability_zone_filter(host: HostState, request: FilterRequest) -> bool:
    return request.availability_zone is None or host.availability_zone == (
        request.availability_zone)


def affinity_filter(host: HostState, request: FilterRequest) -> bool:
    """Hard affinity: once a member is placed, every other goes to its host."""
    if request.group_policy != "affinity" or not request.group_hosts:
        return True
    return host.host in request.group_hosts


def anti_affinity_filter(host: HostState, request: FilterRequest) -> bool:
    """Hard anti-affinity: at most ``max_server_per_host`` members (1 by default) per host."""
    if request.group_policy != "anti-affinity":
        return True
    limit = request.max_server_per_host or 1
    return request.group_host_counts.get(host.host, 0) < limit


def ignore_hosts_filter(host: HostState, request: FilterRequest) -> bool:
    if host.host in request.ignore_hosts:
        return False
    if request.force_host is not None and host.host != request.force_host:
        return False
    return request.force_node is None or host.nodename == request.force_node


DEFAULT_FILTERS: tuple[Filter, ...] = (ignore_hosts_filter, compute_filter,
                                       availability_zone_filter, affinity_filter,
                                       anti_affinity_filter)


def run_filters(hosts: Sequence[HostState], request: FilterRequest,
                filters: Sequence[Filter] = DEFAULT_FILTERS) -> list[HostState]:
    return [host for host in hosts if all(check(host, request) for check in filters)]
