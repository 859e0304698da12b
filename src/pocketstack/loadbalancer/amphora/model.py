"""What the controller hands an amphora driver: one load balancer's whole desired state.

Plain frozen values, built by the controller from the database (only enabled, not
PENDING_DELETE objects; TLS material already fetched from the key manager and validated),
so a driver never reads the database or the key manager. Enumerations carry Octavia's
API values (``"ROUND_ROBIN"``, ``"TERMINATED_HTTPS"``, ``"HTTP_COOKIE"``...).
"""

from __future__ import annotations

import dataclasses

__all__ = [
    "AmphoraSpec",
    "CertBundle",
    "HealthMonitorConfig",
    "L7PolicyConfig",
    "L7RuleConfig",
    "ListenerConfig",
    "LoadBalancerConfig",
    "MemberConfig",
    "PoolConfig",
    "SessionPersistence",
]


@dataclasses.dataclass(frozen=True)
class CertBundle:
    """A certificate to present: PEM certificate, its unencrypted PEM key, PEM chain."""

    certificate: str
    private_key: str
    intermediates: tuple[str, ...] = ()

    def pem(self) -> str:
        """cert + key + intermediates, as HAProxy's ``crt`` files want them."""
        parts = [self.certificate, self.private_key, *self.intermediates]
        return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


@dataclasses.dataclass(frozen=True)
class HealthMonitorConfig:
    id: str
    type: str  # HTTP HTTPS PING TCP TLS-HELLO UDP-CONNECT SCTP
    delay: int  # seconds
    timeout: int  # seconds
    max_retries: int  # rise
    max_retries_down: int  # fall
    http_method: str | None = None
    url_path: str | None = None
    expected_codes: str | None = None  # "200", "200,202", "200-204"
    http_version: float | None = None
    domain_name: str | None = None


@dataclasses.dataclass(frozen=True)
class MemberConfig:
    id: str
    address: str
    protocol_port: int
    weight: int = 1
    backup: bool = False
    enabled: bool = True  # admin_state_up; a disabled member renders as ``disabled``
    monitor_address: str | None = None
    monitor_port: int | None = None


@dataclasses.dataclass(frozen=True)
class SessionPersistence:
    type: str  # SOURCE_IP HTTP_COOKIE APP_COOKIE
    cookie_name: str | None = None
    # UDP/SCTP pools only: seconds a client stays on its member, and the mask of the client
    # address that counts as one client ("255.255.255.0": a /24 sticks together).
    persistence_timeout: int | None = None
    persistence_granularity: str | None = None


@dataclasses.dataclass(frozen=True)
class PoolConfig:
    id: str
    protocol: str  # TCP HTTP HTTPS PROXY PROXYV2 UDP SCTP
    lb_algorithm: str  # ROUND_ROBIN LEAST_CONNECTIONS SOURCE_IP SOURCE_IP_PORT
    members: tuple[MemberConfig, ...] = ()
    healthmonitor: HealthMonitorConfig | None = None
    session_persistence: SessionPersistence | None = None
    # Re-encryption to the members.
    tls_enabled: bool = False
    client_cert: CertBundle | None = None  # tls_container_ref: presented to members
    ca_pem: str | None = None  # ca_tls_container_ref: verifies members
    crl_pem: str | None = None  # crl_container_ref
    tls_ciphers: str | None = None
    tls_versions: tuple[str, ...] = ()  # subset of SSLv3 TLSv1 TLSv1.1 TLSv1.2 TLSv1.3
    alpn_protocols: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class L7RuleConfig:
    id: str
    # HOST_NAME PATH FILE_TYPE HEADER COOKIE SSL_CONN_HAS_CERT SSL_VERIFY_RESULT SSL_DN_FIELD
    type: str
    compare_type: str  # REGEX STARTS_WITH ENDS_WITH CONTAINS EQUAL_TO
    value: str
    key: str | None = None
    invert: bool = False


@dataclasses.dataclass(frozen=True)
class L7PolicyConfig:
    id: str
    action: str  # REJECT REDIRECT_TO_URL REDIRECT_TO_POOL REDIRECT_PREFIX
    position: int
    rules: tuple[L7RuleConfig, ...]  # enabled rules only; a policy without rules is skipped
    redirect_pool_id: str | None = None
    redirect_url: str | None = None
    redirect_prefix: str | None = None
    redirect_http_code: int | None = None


@dataclasses.dataclass(frozen=True)
class ListenerConfig:
    id: str
    protocol: str  # HTTP HTTPS TCP UDP SCTP TERMINATED_HTTPS PROMETHEUS
    protocol_port: int
    connection_limit: int = -1  # -1: unlimited (rendered as 50000)
    default_pool_id: str | None = None
    l7policies: tuple[L7PolicyConfig, ...] = ()  # in position order
    insert_headers: dict[str, str] = dataclasses.field(default_factory=dict)
    timeout_client_data: int = 50000  # ms
    timeout_member_connect: int = 5000
    timeout_member_data: int = 50000
    timeout_tcp_inspect: int = 0
    allowed_cidrs: tuple[str, ...] = ()
    # TLS termination (TERMINATED_HTTPS; PROMETHEUS when a certificate is given).
    default_cert: CertBundle | None = None
    sni_certs: tuple[CertBundle, ...] = ()
    client_authentication: str = "NONE"  # NONE OPTIONAL MANDATORY
    client_ca_pem: str | None = None
    client_crl_pem: str | None = None
    tls_ciphers: str | None = None
    tls_versions: tuple[str, ...] = ()
    alpn_protocols: tuple[str, ...] = ()
    hsts_max_age: int | None = None
    hsts_include_subdomains: bool = False
    hsts_preload: bool = False


@dataclasses.dataclass(frozen=True)
class AmphoraSpec:
    """One amphora of the load balancer (SINGLE: one STANDALONE; ACTIVE_STANDBY: a MASTER and
    a BACKUP). ``id`` changes on failover."""

    id: str
    role: str  # STANDALONE MASTER BACKUP
    vrrp_priority: int | None = None


@dataclasses.dataclass(frozen=True)
class LoadBalancerConfig:
    id: str
    project_id: str
    vip_address: str
    topology: str  # SINGLE ACTIVE_STANDBY
    amphorae: tuple[AmphoraSpec, ...]
    enabled: bool = True  # admin_state_up False: nothing listens
    listeners: tuple[ListenerConfig, ...] = ()  # enabled listeners only
    pools: tuple[PoolConfig, ...] = ()  # enabled pools of the load balancer, by id
    # The VIP subnet's CIDR (its gateway is the first address). ACTIVE_STANDBY needs it: the
    # VIP floats between two network namespaces on a bridge holding that subnet; SINGLE
    # ignores it.
    vip_cidr: str | None = None
