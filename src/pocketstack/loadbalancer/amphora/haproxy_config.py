"""Render one load balancer's ``haproxy.cfg``: Octavia's combined-listeners template (spec §3.4).

Pure: no I/O. ``render`` returns the configuration text and ``tls_files`` the files it refers
to (certificate PEMs, crt-lists, CA and CRL files), each named by the SHA-1 of its content, so
a new configuration never changes a file the running one reads, and identical material is
written once. Layout: one ``frontend <listener_id>`` per listener HAProxy serves and one
``backend <pool_id>:<listener_id>`` per (listener, pool) pair, servers named by member id.

UDP and SCTP listeners and pools are not HAProxy's (upstream renders them as keepalived LVS):
they are left out. L7 policies only apply to listeners in HTTP mode, as the API enforces.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.haproxy_backend import PING_CHECK, backend_lines
from pocketstack.loadbalancer.amphora.haproxy_tls import bind_tls_options, tls_files
from pocketstack.loadbalancer.amphora.haproxy_words import (
    address,
    check_name,
    check_token,
    listener_mode,
    quote,
)
from pocketstack.loadbalancer.amphora.model import (
    L7PolicyConfig,
    L7RuleConfig,
    ListenerConfig,
    LoadBalancerConfig,
    PoolConfig,
)

__all__ = [
    "HAPROXY_PROTOCOLS",
    "MAX_GLOBAL_CONNECTIONS",
    "UNLIMITED_CONNECTIONS",
    "LbPaths",
    "pings",
    "render",
    "tls_files",
]

UNLIMITED_CONNECTIONS = 50000  # what Octavia counts for connection_limit -1
MAX_GLOBAL_CONNECTIONS = 1_000_000
HAPROXY_PROTOCOLS = frozenset({"HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "PROMETHEUS"})
_HAPROXY_POOLS = frozenset({"HTTP", "HTTPS", "TCP", "PROXY", "PROXYV2"})
_MATCH = {
    "REGEX": "-m reg",
    "STARTS_WITH": "-m beg",
    "ENDS_WITH": "-m end",
    "CONTAINS": "-m sub",
    "EQUAL_TO": "-m str",
}


@dataclasses.dataclass(frozen=True)
class LbPaths:
    """Where one load balancer's files live: ``<state_dir>/<lb_id>/``, and its two UNIX
    sockets there too unless ``run`` names a shorter directory for them (a socket path holds
    at most 97 bytes for HAProxy)."""

    root: Path
    run: Path | None = None

    @property
    def sockets(self) -> Path:
        return self.run or self.root

    @property
    def config(self) -> Path:
        return self.root / "haproxy.cfg"

    @property
    def pid_file(self) -> Path:
        return self.root / "haproxy.pid"

    @property
    def stats_socket(self) -> Path:
        return self.sockets / "stats.sock"

    @property
    def master_socket(self) -> Path:
        return self.sockets / "master.sock"

    @property
    def server_state(self) -> Path:
        return self.root / "servers.state"

    @property
    def log(self) -> Path:
        return self.root / "haproxy.log"

    @property
    def certs(self) -> Path:
        return self.root / "certs"

    @property
    def ping_check(self) -> Path:
        """The external check PING health monitors run (written by the driver, 0700)."""
        return self.root / PING_CHECK


def render(
    config: LoadBalancerConfig,
    paths: LbPaths,
    *,
    max_connections: int = MAX_GLOBAL_CONNECTIONS,
    prometheus_exporter: bool = True,
) -> str:
    """The whole ``haproxy.cfg``. ``max_connections`` caps the global ``maxconn`` (the driver
    derives it from the file-descriptor limit); ``prometheus_exporter`` says whether this
    HAProxy was built with the exporter service."""
    check_name(config.id)
    listeners = _served_listeners(config)
    limits = [_connection_limit(listener) for listener in listeners]
    maxconn = min(sum(limits) or UNLIMITED_CONNECTIONS, MAX_GLOBAL_CONNECTIONS, max_connections)
    lines = [
        f"# Rendered for load balancer {config.id}; rewritten on every change.",
        "global",
        f"    maxconn {max(maxconn, 1)}",
        f"    stats socket {paths.stats_socket} mode 600 level admin expose-fd listeners",
        f"    server-state-file {paths.server_state}",
        # A VIP address and port belong to one load balancer: without SO_REUSEPORT a second
        # HAProxy cannot bind them too (it fails, instead of silently sharing the traffic).
        # Reloads still hand the listening sockets over (expose-fd listeners).
        "    noreuseport",
        # PING monitors run an external check (a process per check, as Octavia's amphora).
        *(["    external-check", "    insecure-fork-wanted"] if pings(config) else []),
        "",
        "defaults",
        "    no log",
        "    retries 3",
        "    option redispatch",
        "    option splice-request",
        "    option splice-response",
        "    option http-keep-alive",
        "    load-server-state-from-file global",
        "    timeout connect 5s",
        "    timeout client 50s",
        "    timeout server 50s",
    ]
    pools = {pool.id: pool for pool in config.pools if pool.protocol in _HAPROXY_POOLS}
    for listener in listeners:
        lines += ["", *_frontend(config, listener, pools, paths, prometheus_exporter)]
        for pool in _listener_pools(listener, pools):
            lines += ["", *backend_lines(listener, pool, paths.certs)]
    return "\n".join(lines) + "\n"


def pings(config: LoadBalancerConfig) -> bool:
    """Whether a pool of ``config`` has a PING health monitor."""
    return any(pool.healthmonitor is not None and pool.healthmonitor.type == "PING"
               for pool in config.pools)


def _served_listeners(config: LoadBalancerConfig) -> list[ListenerConfig]:
    if not config.enabled:
        return []
    return [lis for lis in config.listeners if lis.protocol in HAPROXY_PROTOCOLS]


def _connection_limit(listener: ListenerConfig) -> int:
    limit = listener.connection_limit
    return UNLIMITED_CONNECTIONS if limit < 0 else limit


def _listener_pools(listener: ListenerConfig, pools: dict[str, PoolConfig]) -> list[PoolConfig]:
    """The default pool, then the pools L7 policies redirect to; each once."""
    ids = (
        [listener.default_pool_id]
        if listener_mode(listener) == "tcp"
        else [listener.default_pool_id, *(p.redirect_pool_id for p in _policies(listener))]
    )
    return [pools[i] for i in dict.fromkeys(ids) if i is not None and i in pools]


def _policies(listener: ListenerConfig) -> list[L7PolicyConfig]:
    """Policies HAProxy can apply, in position order: with rules, in HTTP mode."""
    if listener_mode(listener) != "http":
        return []
    return sorted((p for p in listener.l7policies if p.rules), key=lambda p: p.position)


def _frontend(
    config: LoadBalancerConfig,
    listener: ListenerConfig,
    pools: dict[str, PoolConfig],
    paths: LbPaths,
    prometheus_exporter: bool,
) -> list[str]:
    name = check_name(listener.id)
    bind = f"    bind {address(config.vip_address, listener.protocol_port)}"
    tls = bind_tls_options(listener, paths.certs)
    lines = [
        f"frontend {name}",
        f"    maxconn {_connection_limit(listener)}",
        bind + (" " + tls if tls else ""),
        f"    mode {listener_mode(listener)}",
    ]
    if listener.allowed_cidrs:
        cidrs = " ".join(_network(cidr) for cidr in listener.allowed_cidrs)
        lines.append(f"    tcp-request connection reject if !{{ src {cidrs} }}")
    if listener.protocol == "TERMINATED_HTTPS" and listener.hsts_max_age is not None:
        hsts = f"max-age={listener.hsts_max_age};"
        hsts += " includeSubDomains;" if listener.hsts_include_subdomains else ""
        hsts += " preload;" if listener.hsts_preload else ""
        lines.append(f'    http-response set-header Strict-Transport-Security "{hsts}"')
    lines += _l7_lines(listener, pools)
    if listener.protocol == "PROMETHEUS":
        if prometheus_exporter:
            lines.append("    http-request use-service prometheus-exporter if { path /metrics }")
        else:
            lines.append("    # this HAProxy was built without the prometheus-exporter service")
    if listener.default_pool_id in pools:
        lines.append(f"    default_backend {listener.default_pool_id}:{name}")
    lines.append(f"    timeout client {listener.timeout_client_data}")
    if listener.timeout_tcp_inspect:
        lines.append(f"    tcp-request inspect-delay {listener.timeout_tcp_inspect}")
    return lines


def _l7_lines(listener: ListenerConfig, pools: dict[str, PoolConfig]) -> list[str]:
    """ACLs first (named by rule id), then deny/redirect rules, then ``use_backend`` rules, each
    in position order: HAProxy runs every ``http-request`` rule before any ``use_backend``."""
    acls: list[str] = []
    requests: list[str] = []
    switches: list[str] = []
    for policy in _policies(listener):
        acls += [_acl(rule) for rule in policy.rules]
        cond = " ".join(("!" if r.invert else "") + r.id for r in policy.rules)
        code = f"code {policy.redirect_http_code} " if policy.redirect_http_code else ""
        if policy.action == "REJECT":
            requests.append(f"    http-request deny if {cond}")
        elif policy.action == "REDIRECT_TO_URL" and policy.redirect_url:
            requests.append(f"    redirect {code}location {quote(policy.redirect_url)} if {cond}")
        elif policy.action == "REDIRECT_PREFIX" and policy.redirect_prefix:
            requests.append(f"    redirect {code}prefix {quote(policy.redirect_prefix)} if {cond}")
        elif policy.action == "REDIRECT_TO_POOL" and policy.redirect_pool_id in pools:
            switches.append(f"    use_backend {policy.redirect_pool_id}:{listener.id} if {cond}")
    return acls + requests + switches


def _acl(rule: L7RuleConfig) -> str:
    name = check_name(rule.id)
    match = _MATCH.get(rule.compare_type)
    if match is None:
        raise AmphoraError(f"L7 rule {rule.id}: unknown compare_type {rule.compare_type}")
    value = quote(rule.value)
    if rule.type == "HOST_NAME":
        test = f"req.hdr(host) -i {match} {value}"
    elif rule.type == "PATH":
        test = f"path {match} {value}"
    elif rule.type == "FILE_TYPE":
        test = f"path_end {'-m reg ' if rule.compare_type == 'REGEX' else ''}{value}"
    elif rule.type in ("HEADER", "COOKIE"):
        key = check_token(rule.key, f"L7 rule {rule.id}: key")
        fetch = "req.hdr" if rule.type == "HEADER" else "req.cook"
        test = f"{fetch}({key}) {match} {value}"
    elif rule.type == "SSL_CONN_HAS_CERT":
        test = "ssl_c_used"
    elif rule.type == "SSL_VERIFY_RESULT":
        if not rule.value.isdigit():
            raise AmphoraError(f"L7 rule {rule.id}: {rule.value!r} is not a verify result")
        test = f"ssl_c_verify eq {rule.value}"
    elif rule.type == "SSL_DN_FIELD":
        key = check_token(rule.key, f"L7 rule {rule.id}: DN field")
        test = f"ssl_c_s_dn({key}) {match} {value}"
    else:
        raise AmphoraError(f"L7 rule {rule.id}: unknown type {rule.type}")
    return f"    acl {name} {test}"


def _network(cidr: str) -> str:
    try:
        return str(ipaddress.ip_network(cidr, strict=False))
    except ValueError as error:
        raise AmphoraError(f"allowed_cidrs: {cidr!r} is not a network") from error
