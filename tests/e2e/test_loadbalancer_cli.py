"""The real ``openstack loadbalancer ...`` (python-octaviaclient) against a running
``pocketstack up``, with real traffic through the HAProxy each load balancer runs.

Backends are small HTTP servers the test starts on 127.0.0.1; VIPs come from the shared
``lb-vip-net-subnet`` (127.77.0.0/16, all local). ``--wait`` polls the load balancer as the
client does against Octavia.
"""

from __future__ import annotations

import base64
import collections
import json
import ssl
import time
import urllib.error
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.lb_backends import backends
from tests.lb_pki import issue, make_ca, pkcs12, write_pem

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e

SUBNET = "lb-vip-net-subnet"
WAIT_S = 20.0


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _get(url: str, timeout: float = 3.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), ""


def _until(check: Any, what: str, timeout: float = WAIT_S) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            assert found, f"{what} within {timeout} s"
            return found
        time.sleep(0.25)


def _member_status(cloud: RunningCloud, pool: str, member: str) -> str:
    shown: dict[str, Any] = cloud.cli_json("loadbalancer", "member", "show", pool, member)
    return str(shown["operating_status"])


def test_http_load_balancer_round_robin_health_l7_tags_failover(cloud: RunningCloud) -> None:
    lb, listener, pool = _name("lb"), _name("web"), _name("pool")
    made = cloud.cli_json("loadbalancer", "create", "--name", lb, "--vip-subnet-id", SUBNET,
                          "--wait")
    assert made["provisioning_status"] == "ACTIVE", made
    vip = made["vip_address"]
    assert vip.startswith("127.")
    cloud.cli("loadbalancer", "listener", "create", "--name", listener, "--protocol", "HTTP",
              "--protocol-port", "8080", "--wait", lb)
    cloud.cli("loadbalancer", "pool", "create", "--name", pool, "--lb-algorithm",
              "ROUND_ROBIN", "--listener", listener, "--protocol", "HTTP", "--wait")
    with backends("b1", "b2", "b3") as servers:
        for server in servers:
            cloud.cli("loadbalancer", "member", "create", "--name", server.name, "--address",
                      server.host, "--protocol-port", str(server.port), "--wait", pool)
        cloud.cli("loadbalancer", "healthmonitor", "create", "--name", _name("hm"), "--delay",
                  "1", "--timeout", "1", "--max-retries", "1", "--max-retries-down", "1",
                  "--type", "HTTP", "--url-path", "/", "--wait", pool)
        seen = collections.Counter(_get(f"http://{vip}:8080/")[1] for _ in range(30))
        assert seen == {"b1": 10, "b2": 10, "b3": 10}, seen
        _until(lambda: _member_status(cloud, pool, "b1") == "ONLINE", "b1 ONLINE")
        shown = cloud.cli_json("loadbalancer", "show", lb)
        assert shown["operating_status"] == "ONLINE", shown

        # A backend taken down: its member turns ERROR within the monitor's window.
        servers[2].stop()
        began = time.monotonic()
        _until(lambda: _member_status(cloud, pool, "b3") == "ERROR", "b3 ERROR")
        print(f"member down detected in {time.monotonic() - began:.2f} s")
        assert {_get(f"http://{vip}:8080/")[1] for _ in range(10)} == {"b1", "b2"}
        assert cloud.cli_json("loadbalancer", "show", lb)["operating_status"] == "DEGRADED"
        # Weights and removal: b1 takes three in four, then b3's member goes.
        cloud.cli("loadbalancer", "member", "set", "--weight", "3", "--wait", pool, "b1")
        weighted = collections.Counter(_get(f"http://{vip}:8080/")[1] for _ in range(40))
        assert set(weighted) == {"b1", "b2"} and 27 <= weighted["b1"] <= 33, weighted
        cloud.cli("loadbalancer", "member", "delete", "--wait", pool, "b3")
        names = {m["name"] for m in cloud.cli_json("loadbalancer", "member", "list", pool)}
        assert names == {"b1", "b2"}
        assert cloud.cli_json("loadbalancer", "show", lb)["operating_status"] == "ONLINE"

        # L7: requests under /blocked are refused by the load balancer itself.
        policy = _name("deny")
        cloud.cli("loadbalancer", "l7policy", "create", "--name", policy, "--action", "REJECT",
                  "--wait", listener)
        cloud.cli("loadbalancer", "l7rule", "create", "--compare-type", "STARTS_WITH",
                  "--type", "PATH", "--value", "/blocked", "--wait", policy)
        assert _get(f"http://{vip}:8080/blocked/x")[0] == 403
        assert _get(f"http://{vip}:8080/open")[0] == 200

        status = json.loads(cloud.cli("loadbalancer", "status", "show", lb).stdout)
        tree = status["loadbalancer"]
        assert tree["listeners"][0]["pools"][0]["members"], tree
        stats = cloud.cli_json("loadbalancer", "stats", "show", lb)
        assert stats["total_connections"] >= 40, stats

        cloud.cli("loadbalancer", "set", "--tag", "prod", "--tag", "e2e", lb)
        listed = cloud.cli_json("loadbalancer", "list", "--tags", "prod")
        assert [x["name"] for x in listed] == [lb]
        cloud.cli("loadbalancer", "failover", "--wait", lb)
        _until(lambda: _get(f"http://{vip}:8080/")[0] == 200, "traffic after failover")

    cloud.cli("loadbalancer", "delete", "--cascade", "--wait", lb)
    assert lb not in {x["name"] for x in cloud.cli_json("loadbalancer", "list")}
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{vip}:8080/", timeout=2)


def test_flavor_profile_flavor_and_create_with_flavor(cloud: RunningCloud) -> None:
    profile, flavor, lb = _name("fp"), _name("fl"), _name("lb")
    cloud.cli("loadbalancer", "flavorprofile", "create", "--name", profile, "--provider",
              "amphora", "--flavor-data", json.dumps({"loadbalancer_topology": "SINGLE"}))
    made = cloud.cli_json("loadbalancer", "flavor", "create", "--name", flavor,
                          "--flavorprofile", profile, "--enable")
    lbm = cloud.cli_json("loadbalancer", "create", "--name", lb, "--vip-subnet-id", SUBNET,
                         "--flavor", flavor, "--wait")
    assert lbm["flavor_id"] == made["id"] and lbm["provisioning_status"] == "ACTIVE"
    cloud.cli("loadbalancer", "delete", "--wait", lb)
    cloud.cli("loadbalancer", "flavor", "delete", flavor)
    cloud.cli("loadbalancer", "flavorprofile", "delete", profile)


def _secret(cloud: RunningCloud, payload: bytes, *, binary: bool) -> str:
    args = ["--payload-content-type", "application/octet-stream",
            "--payload-content-encoding", "base64",
            "--payload", base64.b64encode(payload).decode()] if binary else [
        "--payload-content-type", "text/plain", "--payload", payload.decode()]
    ref: str = cloud.cli_json("secret", "store", "--name", _name("s"), *args)["Secret href"]
    return ref


def test_terminated_https_client_auth_alpn_ciphers_and_reencryption(
        cloud: RunningCloud) -> None:
    ca, other = make_ca("lb-ca", rsa=True), make_ca("elsewhere", rsa=True)
    server = issue(ca, "www.example.test", rsa=True)
    client = issue(ca, "client-1", client=True)
    backend_cert = issue(ca, "127.0.0.1", rsa=True)
    stranger_cert = issue(other, "127.0.0.1", rsa=True)
    server_ref = _secret(cloud, pkcs12(server), binary=True)
    ca_ref = _secret(cloud, ca.cert_pem.encode(), binary=False)
    lb, listener, pool = _name("lb"), _name("tls"), _name("pool")
    vip = cloud.cli_json("loadbalancer", "create", "--name", lb, "--vip-subnet-id", SUBNET,
                         "--wait")["vip_address"]
    cloud.cli("loadbalancer", "listener", "create", "--name", listener, "--protocol",
              "TERMINATED_HTTPS", "--protocol-port", "8443", "--default-tls-container-ref",
              server_ref, "--client-authentication", "MANDATORY",
              "--client-ca-tls-container-ref", ca_ref, "--tls-version", "TLSv1.2",
              "--tls-ciphers", "ECDHE-RSA-AES128-GCM-SHA256", "--alpn-protocol", "h2",
              "--alpn-protocol", "http/1.1", "--wait", lb)
    presented = _secret(cloud, pkcs12(issue(ca, "lb-as-client", client=True)), binary=True)
    cloud.cli("loadbalancer", "pool", "create", "--name", pool, "--lb-algorithm",
              "ROUND_ROBIN", "--listener", listener, "--protocol", "HTTP", "--enable-tls",
              "--tls-container-ref", presented, "--ca-tls-container-ref", ca_ref, "--wait")
    work = cloud.workdir
    write_pem(work / "ca.pem", ca.cert_pem)
    write_pem(work / "client.pem", client.cert_pem)
    write_pem(work / "client.key", client.key_pem)
    good = ssl.create_default_context(cafile=str(work / "ca.pem"))
    good.check_hostname = False
    good_tls = ssl.create_default_context(purpose=ssl.Purpose.CLIENT_AUTH)
    good_tls.load_cert_chain(*_pem_files(work, "backend", backend_cert))
    bad_tls = ssl.create_default_context(purpose=ssl.Purpose.CLIENT_AUTH)
    bad_tls.load_cert_chain(*_pem_files(work, "stranger", stranger_cert))
    with backends("trusted", tls=good_tls) as [trusted], \
            backends("stranger", tls=bad_tls) as [stranger]:
        for member in (trusted, stranger):
            cloud.cli("loadbalancer", "member", "create", "--name", member.name, "--address",
                      member.host, "--protocol-port", str(member.port), "--wait", pool)
        url = f"https://{vip}:8443/"
        # Without a client certificate the handshake (or the request) is refused.
        with pytest.raises((ssl.SSLError, httpx.HTTPError, OSError)):
            httpx.get(url, verify=good, timeout=3)
        with_cert = ssl.create_default_context(cafile=str(work / "ca.pem"))
        with_cert.check_hostname = False
        with_cert.load_cert_chain(str(work / "client.pem"), str(work / "client.key"))
        # HTTP/2 by ALPN; only the backend whose certificate the CA signed gets traffic.
        with httpx.Client(verify=with_cert, http2=True, timeout=5) as h2:
            answers = [h2.get(url) for _ in range(6)]
        assert {r.http_version for r in answers} == {"HTTP/2"}
        assert {r.text for r in answers if r.status_code == 200} == {"trusted"}
        # A cipher outside the list is refused.
        weak = ssl.create_default_context(cafile=str(work / "ca.pem"))
        weak.check_hostname = False
        weak.load_cert_chain(str(work / "client.pem"), str(work / "client.key"))
        weak.maximum_version = ssl.TLSVersion.TLSv1_2
        weak.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384")
        with pytest.raises((ssl.SSLError, httpx.HTTPError, OSError)):
            httpx.get(url, verify=weak, timeout=3)
    cloud.cli("loadbalancer", "delete", "--cascade", "--wait", lb)


def _pem_files(work: Any, name: str, issued: Any) -> tuple[str, str]:
    cert, key = work / f"{name}.pem", work / f"{name}.key"
    write_pem(cert, issued.cert_pem)
    write_pem(key, issued.key_pem)
    return str(cert), str(key)
