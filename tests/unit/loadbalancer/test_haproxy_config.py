"""Rendering haproxy.cfg (spec §3.4), and HAProxy's own ``-c`` check of what is rendered."""

from __future__ import annotations

import dataclasses
import hashlib
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.lb_pki import issue, make_ca, make_crl

from pocketstack.loadbalancer.amphora import (
    AmphoraError,
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
from pocketstack.loadbalancer.amphora.haproxy_backend import expand_expected_codes
from pocketstack.loadbalancer.amphora.haproxy_config import LbPaths, render, tls_files
from pocketstack.loadbalancer.amphora.haproxy_driver import max_connections_for_fd_limit
from pocketstack.loadbalancer.amphora.haproxy_tls import split_ciphers
from pocketstack.loadbalancer.amphora.haproxy_words import quote

HAPROXY = shutil.which("haproxy")
LB = "lb-0001"


def bundle(common_name: str, *, client: bool = False) -> CertBundle:
    issued = issue(make_ca(f"{common_name} CA"), common_name, client=client)
    return CertBundle(issued.cert_pem, issued.key_pem, (issued.chain_pem,))


def lb(*listeners: ListenerConfig, pools: tuple[PoolConfig, ...] = ()) -> LoadBalancerConfig:
    return LoadBalancerConfig(
        id=LB, project_id="p", vip_address="127.0.0.5", topology="SINGLE", amphorae=(),
        listeners=listeners, pools=pools,
    )  # fmt: skip


def http_pool(pool_id: str = "pool-1", **changes: object) -> PoolConfig:
    monitor = HealthMonitorConfig(
        id="hm-1", type="HTTP", delay=3, timeout=2, max_retries=2, max_retries_down=4,
        http_method="HEAD", url_path="/healthz", expected_codes="200-202,204",
        http_version=1.1, domain_name="app.example",
    )  # fmt: skip
    members = (
        MemberConfig("member-a", "10.0.0.10", 8080, weight=3),
        MemberConfig("member-b", "fd00::11", 8080, backup=True, monitor_port=9000),
        MemberConfig("member-c", "10.0.0.12", 8080, enabled=False),
    )
    pool = PoolConfig(pool_id, "HTTP", "ROUND_ROBIN", members=members, healthmonitor=monitor)
    return dataclasses.replace(pool, **changes)  # type: ignore[arg-type]


def http_listener(**changes: object) -> ListenerConfig:
    listener = ListenerConfig("listener-1", "HTTP", 80, default_pool_id="pool-1")
    return dataclasses.replace(listener, **changes)  # type: ignore[arg-type]


def rendered(config: LoadBalancerConfig, root: Path, **options: int) -> str:
    """Render into ``root`` with the files it names, and make HAProxy check it."""
    paths = LbPaths(root)
    text = render(config, paths, **options)  # type: ignore[arg-type]
    paths.certs.mkdir(exist_ok=True)
    for name, content in tls_files(config, paths.certs).items():
        (paths.certs / name).write_text(content)
    paths.server_state.write_text("1\n")
    paths.config.write_text(text)
    if HAPROXY is not None:
        check = subprocess.run(
            [HAPROXY, "-c", "-f", str(paths.config)], capture_output=True, text=True, timeout=30
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "WARNING" not in check.stdout + check.stderr, check.stdout + check.stderr
    return text


def section(text: str, header: str) -> list[str]:
    """The stripped lines of the section that starts with ``header``."""
    blocks = text.split("\n\n")
    block = next(b for b in blocks if b.startswith(header + "\n"))
    return [line.strip() for line in block.splitlines()[1:]]


@pytest.fixture(autouse=True)
def _need_haproxy() -> None:
    if HAPROXY is None:
        pytest.skip("haproxy is not on PATH: rendered configurations cannot be checked")


def test_http_round_robin_with_an_http_monitor(tmp_path: Path) -> None:
    text = rendered(lb(http_listener(), pools=(http_pool(),)), tmp_path)

    assert (
        f"    stats socket {tmp_path}/stats.sock mode 600 level admin expose-fd listeners" in text
    )
    assert f"    server-state-file {tmp_path}/servers.state" in text
    assert "    load-server-state-from-file global" in text
    assert section(text, "frontend listener-1") == [
        "maxconn 50000",
        "bind 127.0.0.5:80",
        "mode http",
        "default_backend pool-1:listener-1",
        "timeout client 50000",
    ]
    assert section(text, "backend pool-1:listener-1") == [
        "mode http",
        "balance roundrobin",
        "timeout check 2s",
        "option httpchk HEAD /healthz HTTP/1.1",
        "http-check send hdr Host 'app.example'",
        "http-check expect rstatus 200|201|202|204",
        "option allbackups",
        "timeout connect 5000",
        "timeout server 50000",
        "server member-a 10.0.0.10:8080 weight 3 check inter 3s fall 4 rise 2",
        "server member-b [fd00::11]:8080 weight 1 check inter 3s fall 4 rise 2 port 9000 backup",
        "server member-c 10.0.0.12:8080 weight 1 check inter 3s fall 4 rise 2 disabled",
    ]


def test_global_maxconn_sums_listeners_and_stays_under_the_cap(tmp_path: Path) -> None:
    listeners = (
        http_listener(connection_limit=1000),
        http_listener(id="listener-2", protocol_port=81, connection_limit=-1),
    )
    text = rendered(lb(*listeners, pools=(http_pool(),)), tmp_path)
    assert "    maxconn 51000\n" in text

    capped = render(lb(*listeners), LbPaths(tmp_path), max_connections=6000)
    assert "    maxconn 6000\n" in capped


def test_terminated_https_with_mandatory_client_auth(tmp_path: Path) -> None:
    client_ca = make_ca("clients")
    default, sni = bundle("www.example"), bundle("api.example")
    listener = http_listener(
        protocol="TERMINATED_HTTPS", protocol_port=443,
        default_cert=default, sni_certs=(sni,),
        client_authentication="MANDATORY", client_ca_pem=client_ca.cert_pem,
        client_crl_pem=make_crl(client_ca),
        tls_ciphers="ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384:ECDHE-ECDSA-AES128-GCM-SHA256",
        tls_versions=("TLSv1.2", "TLSv1.3"), alpn_protocols=("h2", "http/1.1"),
        hsts_max_age=31536000, hsts_include_subdomains=True, hsts_preload=True,
        insert_headers={"X-Forwarded-Proto": "true", "X-SSL-Client-CN": "true"},
    )  # fmt: skip
    config = lb(listener, pools=(http_pool(),))
    text = rendered(config, tmp_path)

    files = tls_files(config, tmp_path / "certs")
    ca_name = hashlib.sha1(client_ca.cert_pem.encode()).hexdigest() + ".pem"
    crl_name = next(n for n, c in files.items() if "X509 CRL" in c)
    crt_list = next(n for n in files if n.endswith(".crt-list"))
    assert [Path(line).name for line in files[crt_list].splitlines()] == [
        hashlib.sha1(default.pem().encode()).hexdigest() + ".pem",
        hashlib.sha1(sni.pem().encode()).hexdigest() + ".pem",
    ]
    assert ca_name in files
    certs = tmp_path / "certs"
    frontend = section(text, "frontend listener-1")
    assert frontend[1] == (
        f"bind 127.0.0.5:443 ssl crt-list {certs / crt_list}"
        f" ca-file {certs / ca_name} verify required crl-file {certs / crl_name}"
        " ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"
        " ciphersuites TLS_AES_256_GCM_SHA384"
        " no-sslv3 no-tlsv10 no-tlsv11 alpn h2,http/1.1"
    )
    assert (
        'http-response set-header Strict-Transport-Security "max-age=31536000;'
        ' includeSubDomains; preload;"'
    ) in frontend
    backend = section(text, "backend pool-1:listener-1")
    assert "http-request set-header X-Forwarded-Proto https" in backend
    assert "http-request set-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]" in backend
    assert not any("X-SSL-Client-DN" in line for line in backend)


@pytest.mark.parametrize(("mode", "verify"), [("NONE", "none"), ("OPTIONAL", "optional")])
def test_client_authentication_modes(tmp_path: Path, mode: str, verify: str) -> None:
    listener = http_listener(
        protocol="TERMINATED_HTTPS", default_cert=bundle("www.example"),
        client_authentication=mode, client_ca_pem=make_ca("clients").cert_pem,
    )  # fmt: skip
    text = rendered(lb(listener), tmp_path)
    assert f" verify {verify}" in section(text, "frontend listener-1")[1]


def test_client_authentication_needs_a_ca(tmp_path: Path) -> None:
    listener = http_listener(
        protocol="TERMINATED_HTTPS", default_cert=bundle("www.example"),
        client_authentication="MANDATORY",
    )  # fmt: skip
    bind = section(rendered(lb(listener), tmp_path), "frontend listener-1")[1]
    assert "verify" not in bind and "ca-file" not in bind


def test_a_reencrypting_pool_verifies_members_with_its_ca(tmp_path: Path) -> None:
    member_ca = make_ca("members")
    pool = http_pool(
        protocol="HTTP", tls_enabled=True, ca_pem=member_ca.cert_pem,
        crl_pem=make_crl(member_ca), client_cert=bundle("lb-client", client=True),
        tls_ciphers="ECDHE-ECDSA-AES256-GCM-SHA384", tls_versions=("TLSv1.2",),
        alpn_protocols=("h2", "http/1.1"), healthmonitor=None,
    )  # fmt: skip
    config = lb(http_listener(), pools=(pool,))
    text = rendered(config, tmp_path)
    server = section(text, "backend pool-1:listener-1")[-3]
    certs = tmp_path / "certs"
    ca_name = hashlib.sha1(member_ca.cert_pem.encode()).hexdigest() + ".pem"
    assert server.startswith("server member-a 10.0.0.10:8080 weight 3 ssl crt ")
    assert f" ca-file {certs / ca_name} verify required crl-file " in server
    assert server.endswith(
        " ciphers ECDHE-ECDSA-AES256-GCM-SHA384 no-sslv3 no-tlsv10 no-tlsv11 no-tlsv13"
        " alpn h2,http/1.1"
    )
    assert "sni" not in server  # a plain listener has no client SNI to forward

    terminated = http_listener(protocol="TERMINATED_HTTPS", default_cert=bundle("www.example"))
    tls_text = rendered(lb(terminated, pools=(pool,)), tmp_path)
    assert " sni ssl_fc_sni " in section(tls_text, "backend pool-1:listener-1")[-3]


def test_a_reencrypting_pool_without_a_ca_does_not_verify(tmp_path: Path) -> None:
    pool = http_pool(
        tls_enabled=True, healthmonitor=None, members=(MemberConfig("m", "10.0.0.1", 443),)
    )
    text = rendered(lb(http_listener(), pools=(pool,)), tmp_path)
    assert section(text, "backend pool-1:listener-1")[-1] == (
        "server m 10.0.0.1:443 weight 1 ssl verify none"
    )


def test_l7_policies_in_position_order(tmp_path: Path) -> None:
    path_rule = L7RuleConfig("rule-path", "PATH", "STARTS_WITH", "/api")
    header_rule = L7RuleConfig(
        "rule-hdr", "HEADER", "EQUAL_TO", "it's $HOME", key="X-Env", invert=True
    )
    host_rule = L7RuleConfig("rule-host", "HOST_NAME", "ENDS_WITH", ".old.example")
    type_rule = L7RuleConfig("rule-type", "FILE_TYPE", "REGEX", r"\.(png|jpg)$")
    cookie_rule = L7RuleConfig("rule-cookie", "COOKIE", "CONTAINS", "beta", key="flags")
    policies = (
        L7PolicyConfig("pol-pool", "REDIRECT_TO_POOL", 1, (path_rule,), redirect_pool_id="pool-2"),
        L7PolicyConfig("pol-url", "REDIRECT_TO_URL", 3, (host_rule,),
                       redirect_url="https://new.example/", redirect_http_code=301),
        L7PolicyConfig("pol-deny", "REJECT", 2, (header_rule, type_rule)),
        L7PolicyConfig("pol-prefix", "REDIRECT_PREFIX", 4, (cookie_rule,),
                       redirect_prefix="https://beta.example"),
        L7PolicyConfig("pol-empty", "REJECT", 5, ()),
    )  # fmt: skip
    listener = http_listener(l7policies=policies)
    pools = (http_pool(), http_pool("pool-2", members=(MemberConfig("m9", "10.0.0.9", 80),)))
    text = rendered(lb(listener, pools=pools), tmp_path)

    assert section(text, "frontend listener-1")[3:-2] == [
        "acl rule-path path -m beg '/api'",
        "acl rule-hdr req.hdr(X-Env) -m str 'it'\\''s $HOME'",
        r"acl rule-type path_end -m reg '\.(png|jpg)$'",
        "acl rule-host req.hdr(host) -i -m end '.old.example'",
        "acl rule-cookie req.cook(flags) -m sub 'beta'",
        "http-request deny if !rule-hdr rule-type",
        "redirect code 301 location 'https://new.example/' if rule-host",
        "redirect prefix 'https://beta.example' if rule-cookie",
        "use_backend pool-2:listener-1 if rule-path",
    ]
    assert "backend pool-2:listener-1" in text


def test_ssl_rules(tmp_path: Path) -> None:
    rules = (
        L7RuleConfig("r-used", "SSL_CONN_HAS_CERT", "EQUAL_TO", "True"),
        L7RuleConfig("r-verify", "SSL_VERIFY_RESULT", "EQUAL_TO", "0"),
        L7RuleConfig("r-dn", "SSL_DN_FIELD", "EQUAL_TO", "ops", key="OU"),
    )
    listener = http_listener(
        protocol="TERMINATED_HTTPS", default_cert=bundle("www.example"),
        l7policies=(L7PolicyConfig("p", "REJECT", 1, rules),),
    )  # fmt: skip
    frontend = section(rendered(lb(listener), tmp_path), "frontend listener-1")
    assert "acl r-used ssl_c_used" in frontend
    assert "acl r-verify ssl_c_verify eq 0" in frontend
    assert "acl r-dn ssl_c_s_dn(OU) -m str 'ops'" in frontend


@pytest.mark.parametrize(
    ("persistence", "backend_lines", "server_suffix"),
    [
        (SessionPersistence("SOURCE_IP"), ["stick-table type ipv6 size 10k", "stick on src"], ""),
        (SessionPersistence("HTTP_COOKIE"), ["cookie SRV insert indirect nocache"], " cookie m1"),
        (
            SessionPersistence("APP_COOKIE", "JSESSIONID"),
            [
                "stick-table type string len 64 size 10k",
                "stick store-response res.cook(JSESSIONID)",
                "stick match req.cook(JSESSIONID)",
            ],
            "",
        ),
    ],
)
def test_session_persistence(
    tmp_path: Path, persistence: SessionPersistence, backend_lines: list[str], server_suffix: str
) -> None:
    pool = PoolConfig(
        "pool-1", "HTTP", "SOURCE_IP", members=(MemberConfig("m1", "10.0.0.1", 80),),
        session_persistence=persistence,
    )  # fmt: skip
    backend = section(
        rendered(lb(http_listener(), pools=(pool,)), tmp_path), "backend pool-1:listener-1"
    )
    assert backend[: 2 + len(backend_lines)] == ["mode http", "balance source", *backend_lines]
    assert backend[-1] == "server m1 10.0.0.1:80 weight 1" + server_suffix


@pytest.mark.parametrize(
    ("monitor_type", "backend_line", "server_words"),
    [
        ("TCP", None, "check inter 5s"),
        ("TLS-HELLO", "option ssl-hello-chk", "check inter 5s"),
        ("HTTPS", "option httpchk GET /", "check check-ssl verify none inter 5s"),
        ("PING", "option external-check", "check inter"),
    ],
)
def test_monitor_types(
    tmp_path: Path, monitor_type: str, backend_line: str | None, server_words: str
) -> None:
    monitor = HealthMonitorConfig("hm", monitor_type, delay=5, timeout=3, max_retries=3,
                                  max_retries_down=3)  # fmt: skip
    pool = PoolConfig("pool-1", "TCP", "LEAST_CONNECTIONS", healthmonitor=monitor,
                      members=(MemberConfig("m1", "10.0.0.1", 443),))  # fmt: skip
    listener = http_listener(protocol="TCP", protocol_port=443)
    backend = section(rendered(lb(listener, pools=(pool,)), tmp_path), "backend pool-1:listener-1")
    assert backend[:3] == ["mode tcp", "balance leastconn", "timeout check 3s"]
    if backend_line is not None:
        assert backend[3] == backend_line
    assert server_words in backend[-1]


def test_tcp_listener_with_allowed_cidrs_and_proxy_pool(tmp_path: Path) -> None:
    listener = http_listener(
        protocol="TCP", protocol_port=5000, allowed_cidrs=("10.1.0.0/16", "fd00::/8"),
        timeout_tcp_inspect=500, l7policies=(L7PolicyConfig(
            "p", "REJECT", 1, (L7RuleConfig("r", "PATH", "EQUAL_TO", "/"),)),),
    )  # fmt: skip
    pool = PoolConfig(
        "pool-1", "PROXYV2", "ROUND_ROBIN", members=(MemberConfig("m1", "10.0.0.1", 80),)
    )
    text = rendered(lb(listener, pools=(pool,)), tmp_path)
    frontend = section(text, "frontend listener-1")
    assert "tcp-request connection reject if !{ src 10.1.0.0/16 fd00::/8 }" in frontend
    assert "tcp-request inspect-delay 500" in frontend
    assert not any(line.startswith("acl") for line in frontend)  # L7 needs HTTP mode
    assert section(text, "backend pool-1:listener-1")[-1].endswith(" send-proxy-v2")


def test_udp_listeners_and_disabled_load_balancers_are_not_haproxys(tmp_path: Path) -> None:
    udp = http_listener(id="listener-udp", protocol="UDP", protocol_port=53)
    udp_pool = PoolConfig("pool-udp", "UDP", "ROUND_ROBIN")
    text = rendered(lb(udp, http_listener(), pools=(udp_pool, http_pool())), tmp_path)
    assert "listener-udp" not in text and "pool-udp" not in text
    assert "frontend listener-1" in text

    disabled = dataclasses.replace(lb(http_listener(), pools=(http_pool(),)), enabled=False)
    assert "frontend" not in rendered(disabled, tmp_path)


def test_prometheus_listener(tmp_path: Path) -> None:
    listener = http_listener(protocol="PROMETHEUS", protocol_port=9100, default_pool_id=None)
    frontend = section(rendered(lb(listener), tmp_path), "frontend listener-1")
    assert "http-request use-service prometheus-exporter if { path /metrics }" in frontend
    without = render(lb(listener), LbPaths(tmp_path), prometheus_exporter=False)
    assert "use-service" not in without


def test_refusals() -> None:
    paths = LbPaths(Path("/nonexistent"))
    source_ip_port = http_pool(lb_algorithm="SOURCE_IP_PORT")
    with pytest.raises(AmphoraError, match="SOURCE_IP_PORT"):
        render(lb(http_listener(), pools=(source_ip_port,)), paths)
    with pytest.raises(AmphoraError, match="line break"):
        quote("a\nb")
    bad_name = http_listener(id="bad name")
    with pytest.raises(AmphoraError, match="cannot name"):
        render(lb(bad_name), paths)
    no_cert = http_listener(protocol="TERMINATED_HTTPS")
    with pytest.raises(AmphoraError, match="without a certificate"):
        render(lb(no_cert), paths)
    bad_key = L7RuleConfig("r", "HEADER", "EQUAL_TO", "v", key="X Bad")
    with pytest.raises(AmphoraError, match="not a token"):
        render(lb(http_listener(l7policies=(L7PolicyConfig("p", "REJECT", 1, (bad_key,)),))), paths)


def test_expected_codes_and_cipher_split() -> None:
    assert expand_expected_codes("200") == "200"
    assert expand_expected_codes("200, 202") == "200|202"
    assert expand_expected_codes("200-203,301") == "200|201|202|203|301"
    with pytest.raises(AmphoraError):
        expand_expected_codes("2xx")
    assert split_ciphers("TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256") == (
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_AES_128_GCM_SHA256",
    )


def test_the_connection_cap_fits_the_descriptor_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = max_connections_for_fd_limit()
    assert cap > 0
    assert soft == resource.RLIM_INFINITY or cap * 2 < soft  # two sockets per connection
