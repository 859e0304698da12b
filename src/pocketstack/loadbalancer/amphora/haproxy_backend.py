"""One ``backend <pool_id>:<listener_id>`` section: balance, session persistence, the health
monitor, inserted headers, timeouts and one ``server <member_id>`` line per member (§3.4).

Health monitors: HTTP and HTTPS send ``option httpchk`` and expect the listed codes; TCP is a
connect check; TLS-HELLO sends an SSLv3 client hello; PING is an external check that pings
the member (``PING_SCRIPT``, as the ping wrapper Octavia ships on its amphora image).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pocketstack.loadbalancer.amphora.base import AmphoraError
from pocketstack.loadbalancer.amphora.haproxy_tls import server_tls_options
from pocketstack.loadbalancer.amphora.haproxy_words import (
    address,
    check_name,
    check_token,
    listener_mode,
    quote,
)
from pocketstack.loadbalancer.amphora.model import (
    HealthMonitorConfig,
    ListenerConfig,
    MemberConfig,
    PoolConfig,
)

__all__ = ["PING_CHECK", "PING_SCRIPT", "backend_lines", "expand_expected_codes"]

# HAProxy runs an external check with the proxy's and the server's address and port.
PING_CHECK = "ping-check.sh"
PING_SCRIPT = """#!/bin/sh
# PING health monitor: <proxy address> <proxy port> <server address> <server port>
case "$3" in
  *:*) exec ping -6 -c 1 -W 1 -q "$3" >/dev/null 2>&1 ;;
  *) exec ping -c 1 -W 1 -q "$3" >/dev/null 2>&1 ;;
esac
"""

_BALANCE = {"ROUND_ROBIN": "roundrobin", "LEAST_CONNECTIONS": "leastconn", "SOURCE_IP": "source"}
_SSL_HEADERS = {
    "X-SSL-Client-Verify": "%[ssl_c_verify]",
    "X-SSL-Client-Has-Cert": "%[ssl_c_used]",
    "X-SSL-Client-DN": "%{+Q}[ssl_c_s_dn]",
    "X-SSL-Client-CN": "%{+Q}[ssl_c_s_dn(cn)]",
    "X-SSL-Issuer": "%{+Q}[ssl_c_i_dn]",
    "X-SSL-Client-SHA1": "%{+Q}[ssl_c_sha1,hex]",
    "X-SSL-Client-Not-Before": "%{+Q}[ssl_c_notbefore]",
    "X-SSL-Client-Not-After": "%{+Q}[ssl_c_notafter]",
}


def expand_expected_codes(codes: str) -> str:
    """``"200-202,204"`` -> ``"200|201|202|204"`` for ``http-check expect rstatus``."""
    expanded: list[str] = []
    for part in codes.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise AmphoraError(f"expected_codes {codes!r} is not a list of codes and ranges")
        expanded.extend(str(c) for c in range(int(low), int(high or low) + 1))
    return "|".join(expanded)


def backend_lines(listener: ListenerConfig, pool: PoolConfig, certs: Path) -> list[str]:
    mode = listener_mode(listener)
    balance = _BALANCE.get(pool.lb_algorithm)
    if balance is None:
        raise AmphoraError(f"pool {pool.id}: lb_algorithm {pool.lb_algorithm} is not supported")
    lines = [
        f"backend {check_name(pool.id)}:{listener.id}",
        f"    mode {mode}",
        f"    balance {balance}",
        *_persistence_lines(pool, mode),
    ]
    if pool.healthmonitor is not None:
        lines += _monitor_lines(pool.healthmonitor, certs.parent / PING_CHECK)
    if mode == "http":
        lines += _header_lines(listener)
    lines += [
        "    option allbackups",
        f"    timeout connect {listener.timeout_member_connect}",
        f"    timeout server {listener.timeout_member_data}",
    ]
    lines += [_server_line(listener, pool, member, certs) for member in pool.members]
    return lines


def _persistence_lines(pool: PoolConfig, mode: str) -> list[str]:
    """SOURCE_IP sticks on the client address; the cookie kinds need HTTP mode (the API only
    allows them on HTTP pools) and are left out of a TCP backend."""
    persistence = pool.session_persistence
    if persistence is None:
        return []
    if persistence.type == "SOURCE_IP":
        return ["    stick-table type ipv6 size 10k", "    stick on src"]
    if mode == "http" and persistence.type == "HTTP_COOKIE":
        return ["    cookie SRV insert indirect nocache"]
    if mode == "http" and persistence.type == "APP_COOKIE":
        cookie = check_token(persistence.cookie_name, f"pool {pool.id}: cookie_name")
        return [
            "    stick-table type string len 64 size 10k",
            f"    stick store-response res.cook({cookie})",
            f"    stick match req.cook({cookie})",
        ]
    return []


def _monitor_lines(monitor: HealthMonitorConfig, script: Path) -> list[str]:
    lines = [f"    timeout check {monitor.timeout}s"]
    if monitor.type in ("HTTP", "HTTPS"):
        method = monitor.http_method or "GET"
        path = monitor.url_path or "/"
        if not method.isalpha() or not path.startswith("/") or any(c.isspace() for c in path):
            raise AmphoraError(f"health monitor {monitor.id}: bad http_method or url_path")
        version = f" HTTP/{monitor.http_version:.1f}" if monitor.http_version else ""
        lines.append(f"    option httpchk {method.upper()} {path}{version}")
        if monitor.http_version == 1.1 and monitor.domain_name:
            lines.append(f"    http-check send hdr Host {quote(monitor.domain_name)}")
        codes = expand_expected_codes(monitor.expected_codes or "200")
        lines.append(f"    http-check expect rstatus {codes}")
    elif monitor.type == "TLS-HELLO":
        lines.append("    option ssl-hello-chk")
    elif monitor.type == "PING":
        lines += ["    option external-check", '    external-check path "/usr/bin:/bin"',
                  f"    external-check command {script}"]
    return lines


def _header_lines(listener: ListenerConfig) -> list[str]:
    wanted = {k for k, v in listener.insert_headers.items() if str(v).lower() == "true"}
    lines = ["    option forwardfor"] if "X-Forwarded-For" in wanted else []
    if "X-Forwarded-Port" in wanted:
        lines.append("    http-request set-header X-Forwarded-Port %[dst_port]")
    if "X-Forwarded-Proto" in wanted and listener.protocol in ("HTTP", "TERMINATED_HTTPS"):
        proto = "https" if listener.protocol == "TERMINATED_HTTPS" else "http"
        lines.append(f"    http-request set-header X-Forwarded-Proto {proto}")
    if listener.protocol == "TERMINATED_HTTPS":
        lines += [
            f"    http-request set-header {header} {value}"
            for header, value in _SSL_HEADERS.items()
            if header in wanted
        ]
    return lines


def _server_line(
    listener: ListenerConfig, pool: PoolConfig, member: MemberConfig, certs: Path
) -> str:
    words = [
        f"    server {check_name(member.id)}",
        address(member.address, member.protocol_port),
        f"weight {member.weight}",
    ]
    monitor = pool.healthmonitor
    if monitor is not None:
        words.append("check")
        if monitor.type == "HTTPS":
            # A re-encrypting pool's checks verify as its traffic does.
            words.append("check-ssl" if pool.tls_enabled else "check-ssl verify none")
        words.append(
            f"inter {monitor.delay}s fall {monitor.max_retries_down} rise {monitor.max_retries}"
        )
        if member.monitor_address:
            words.append("addr " + _ip(member.monitor_address))
        if member.monitor_port:
            words.append(f"port {member.monitor_port}")
    persistence = pool.session_persistence
    if persistence is not None and persistence.type == "HTTP_COOKIE":
        words.append(f"cookie {member.id}")
    if pool.protocol == "PROXY":
        words.append("send-proxy")
    elif pool.protocol == "PROXYV2":
        words.append("send-proxy-v2")
    if member.backup:
        words.append("backup")
    if not member.enabled:
        words.append("disabled")
    if pool.tls_enabled:
        words.append(server_tls_options(listener, pool, certs))
    return " ".join(words)


def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as error:
        raise AmphoraError(f"{value!r} is not an IP address") from error
