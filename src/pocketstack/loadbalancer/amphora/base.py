"""The amphora driver seam: apply a load balancer's desired state, remove it, observe it."""

from __future__ import annotations

import dataclasses
from typing import Protocol

from pocketstack.loadbalancer.amphora.model import LoadBalancerConfig

__all__ = ["AmphoraDriver", "AmphoraError", "HealthReport", "ListenerStats"]


class AmphoraError(Exception):
    """The data plane refused the configuration for good (the object goes to ERROR)."""


@dataclasses.dataclass(frozen=True)
class ListenerStats:
    bytes_in: int = 0
    bytes_out: int = 0
    active_connections: int = 0
    total_connections: int = 0
    request_errors: int = 0


@dataclasses.dataclass(frozen=True)
class HealthReport:
    """What the data plane observes, in Octavia's heartbeat vocabulary.

    ``listeners``: listener id -> "OPEN" | "FULL"; a listener missing is not running.
    ``pools``: pool id -> "UP" | "DOWN"; ``members``: member id -> "UP" | "DOWN" | "DRAIN" |
    "MAINT" | "no check". ``stats``: per listener, cumulative since the amphora started.
    ``alive``: False when no process serves the load balancer at all.
    """

    alive: bool
    listeners: dict[str, str] = dataclasses.field(default_factory=dict)
    pools: dict[str, str] = dataclasses.field(default_factory=dict)
    members: dict[str, str] = dataclasses.field(default_factory=dict)
    stats: dict[str, ListenerStats] = dataclasses.field(default_factory=dict)


class AmphoraDriver(Protocol):
    """One implementation per provider: ``noop`` (records) and ``haproxy`` (real)."""

    async def apply(self, config: LoadBalancerConfig) -> None:
        """Make the data plane serve exactly ``config``: idempotent, hitless when already
        running (a reload, not a restart). Raises AmphoraError when it cannot, for good."""
        ...

    async def remove(self, lb_id: str) -> None:
        """Stop serving ``lb_id`` and leave nothing behind (process, socket, files, address).
        Idempotent: removing what is not there is fine."""
        ...

    async def failover(self, config: LoadBalancerConfig, old_amphora_ids: tuple[str, ...]) -> None:
        """Replace the amphorae ``old_amphora_ids`` by those of ``config`` (new ids), one at a
        time, keeping the service up where the topology allows."""
        ...

    async def health(self, lb_id: str) -> HealthReport:
        """What the data plane observes now (``alive=False`` when nothing runs)."""
        ...

    async def running(self) -> set[str]:
        """Load-balancer ids the data plane serves now (to find orphans after a crash)."""
        ...

    async def close(self) -> None:
        """Stop watching; the driver decides whether the processes stop with it (HAProxy:
        ``keep_running``); those left running are adopted by the next driver."""
        ...
