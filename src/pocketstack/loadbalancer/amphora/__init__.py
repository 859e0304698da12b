"""Amphora drivers: what serves a load balancer's traffic.

``NoopDriver`` records and serves nothing (API-only deployments); ``HaproxyDriver`` runs one
HAProxy per load balancer on this host. Both implement ``AmphoraDriver`` over the values of
``model``.
"""

from __future__ import annotations

from pocketstack.loadbalancer.amphora.base import (
    AmphoraDriver,
    AmphoraError,
    HealthReport,
    ListenerStats,
)
from pocketstack.loadbalancer.amphora.haproxy_driver import HaproxyDriver
from pocketstack.loadbalancer.amphora.model import (
    AmphoraSpec,
    CertBundle,
    HealthMonitorConfig,
    L7PolicyConfig,
    L7RuleConfig,
    ListenerConfig,
    LoadBalancerConfig,
    MemberConfig,
    PoolConfig,
    SessionPersistence,
)
from pocketstack.loadbalancer.amphora.noop import NoopDriver

__all__ = [
    "AmphoraDriver",
    "AmphoraError",
    "AmphoraSpec",
    "CertBundle",
    "HaproxyDriver",
    "HealthMonitorConfig",
    "HealthReport",
    "L7PolicyConfig",
    "L7RuleConfig",
    "ListenerConfig",
    "ListenerStats",
    "LoadBalancerConfig",
    "MemberConfig",
    "NoopDriver",
    "PoolConfig",
    "SessionPersistence",
]
