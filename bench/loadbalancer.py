"""Load balancer: create -> ACTIVE, a listener or member change applied, and requests per
second through a load balancer against HAProxy alone with the same configuration (wrk).
Prints a table (or ``--json``).

Run: ``.venv/bin/python bench/loadbalancer.py`` (options: ``--creates``, ``--changes``,
``--seconds``, ``--connections``). Needs ``haproxy`` and ``wrk`` (Debian packages).

Everything but the data plane runs in this process: a fresh all-in-one cloud (SQLite) and an
httpx client on its ASGI app; each load balancer is a real HAProxy on a 127.x VIP.

* Create -> ACTIVE: ``POST /lbaas/loadbalancers`` (provider amphora), then GET every 5 ms
  until ACTIVE: the VIP port, the amphora row, the rendered configuration checked by
  ``haproxy -c`` and a started HAProxy answering on its stats socket.
* A change applied: on a load balancer with an HTTP listener, a pool and three members,
  ``PUT /listeners/{id}`` (a timeout) and ``POST .../members`` then ``DELETE`` one, each timed
  until the load balancer is ACTIVE again (rendered, checked, reloaded hitlessly, the new
  worker serving).
* Requests per second: the backends are one more HAProxy answering ``200 ok`` itself on
  three ports (so they are never the bottleneck); ``wrk`` drives the load balancer's VIP, then
  a standalone HAProxy started from a copy of the same ``haproxy.cfg`` (only its bind address
  and its socket and state paths changed), the same duration and connections, in one run:
  ``--rounds`` interleaved rounds of each, medians compared.

Octavia with amphora VMs takes one to three minutes from create to ACTIVE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.common.settings import load_settings

BASE = "http://127.0.0.1:8080"
V2 = "/load-balancer/v2.0/lbaas"
POLL_S = 0.005
VIP_CIDR = "127.231.7.0/24"
STATIC = "127.231.8.1"  # the static backends and the standalone HAProxy
BACKEND_PORTS = (18081, 18082, 18083)


def _settings(data_dir: Path) -> Any:
    return load_settings(data_dir, env={}, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False},
        "compute": {"hosts_per_cell": 0},
        "loadbalancer": {"default_provider": "amphora", "vip_cidr": VIP_CIDR}})


async def _client(cloud: Cloud) -> httpx.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=cloud.dispatch), base_url=BASE,
                             timeout=60)
    made = await http.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": cloud.admin_password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    http.headers["X-Auth-Token"] = made.headers["x-subject-token"]
    return http


async def _subnet(http: httpx.AsyncClient) -> str:
    for _ in range(400):
        found = (await http.get("/network/v2.0/subnets",
                                params={"name": "lb-vip-net-subnet"})).json()["subnets"]
        if found:
            return str(found[0]["id"])
        await asyncio.sleep(0.05)
    raise RuntimeError("no VIP subnet")


async def _active(http: httpx.AsyncClient, lb_id: str) -> None:
    for _ in range(int(30 / POLL_S)):
        got = (await http.get(f"{V2}/loadbalancers/{lb_id}")).json()["loadbalancer"]
        if got["provisioning_status"] == "ACTIVE":
            return
        if got["provisioning_status"] == "ERROR":
            raise RuntimeError(f"load balancer {lb_id} went ERROR")
        await asyncio.sleep(POLL_S)
    raise RuntimeError(f"load balancer {lb_id} never ACTIVE")


async def _timed(http: httpx.AsyncClient, lb_id: str, method: str, path: str,
                 body: Any = None) -> float:
    began = time.perf_counter()
    answer = await http.request(method, path, json=body)
    assert answer.status_code < 300, answer.text
    await _active(http, lb_id)
    return (time.perf_counter() - began) * 1000


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": statistics.median(ordered),
            "p90_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
            "n": len(ordered)}


def _static_backends(work: Path) -> subprocess.Popen[bytes]:
    """One HAProxy answering 200 itself on the backend ports (never the bottleneck)."""
    lines = ["global", "    maxconn 4000", "defaults", "    mode http",
             "    timeout client 30s", "    timeout server 30s", "    timeout connect 5s"]
    for port in BACKEND_PORTS:
        lines += [f"frontend b{port}", f"    bind {STATIC}:{port}",
                  f"    http-request return status 200 content-type text/plain string b{port}"]
    cfg = work / "backends.cfg"
    cfg.write_text("\n".join(lines) + "\n")
    return subprocess.Popen(["haproxy", "-f", str(cfg)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _standalone(config: Path, work: Path, vip: str) -> tuple[subprocess.Popen[bytes], str]:
    """The load balancer's own haproxy.cfg, bound elsewhere, as a plain HAProxy."""
    text = config.read_text().replace(f"bind {vip}:", f"bind {STATIC}:")
    text = re.sub(r"(?m)^\s*(stats socket|server-state-file|load-server-state-from-file).*$",
                  "", text)
    copy = work / "standalone.cfg"
    copy.write_text(text)
    return subprocess.Popen(["haproxy", "-f", str(copy)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL), STATIC


def _wrk(url: str, seconds: int, connections: int) -> float:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],
                         capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed answers from {url}")
    assert found is not None, out
    return float(found.group(1))


async def run(creates: int, changes: int, seconds: int, connections: int,
              rounds: int) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="psb-", dir="/tmp"))
    backends = _static_backends(data)
    try:
        async with open_cloud(_settings(data / "cloud")) as cloud:
            http = await _client(cloud)
            subnet = await _subnet(http)
            create_ms = []
            for n in range(creates + 2):
                began = time.perf_counter()
                made = await http.post(f"{V2}/loadbalancers", json={"loadbalancer": {
                    "vip_subnet_id": subnet, "name": f"bench-{n}"}})
                lb_id = made.json()["loadbalancer"]["id"]
                await _active(http, lb_id)
                if n >= 2:  # the first two warm every path
                    create_ms.append((time.perf_counter() - began) * 1000)
            lb = made.json()["loadbalancer"]
            listener = (await http.post(f"{V2}/listeners", json={"listener": {
                "loadbalancer_id": lb_id, "protocol": "HTTP", "protocol_port": 8080}}
                                        )).json()["listener"]
            await _active(http, lb_id)
            pool = (await http.post(f"{V2}/pools", json={"pool": {
                "listener_id": listener["id"], "protocol": "HTTP",
                "lb_algorithm": "ROUND_ROBIN"}})).json()["pool"]
            await _active(http, lb_id)
            for port in BACKEND_PORTS:
                await _timed(http, lb_id, "POST", f"{V2}/pools/{pool['id']}/members",
                             {"member": {"address": STATIC, "protocol_port": port}})
            listener_ms, member_ms = [], []
            for n in range(changes):
                listener_ms.append(await _timed(
                    http, lb_id, "PUT", f"{V2}/listeners/{listener['id']}",
                    {"listener": {"timeout_client_data": 50000 + n + 1}}))
                began = time.perf_counter()
                made = await http.post(f"{V2}/pools/{pool['id']}/members", json={"member": {
                    "address": STATIC, "protocol_port": 19000 + n, "admin_state_up": False}})
                await _active(http, lb_id)
                member_ms.append((time.perf_counter() - began) * 1000)
                member_id = made.json()["member"]["id"]
                member_ms.append(await _timed(
                    http, lb_id, "DELETE", f"{V2}/pools/{pool['id']}/members/{member_id}"))
            vip = lb["vip_address"]
            config = cloud.settings.data_dir / "loadbalancer" / lb_id / "haproxy.cfg"
            alone, host = _standalone(config, data, vip)
            through_lb, through_alone = [], []
            try:
                await asyncio.sleep(0.5)
                for _ in range(rounds):  # interleaved, so drift hits both alike
                    through_lb.append(_wrk(f"http://{vip}:8080/", seconds, connections))
                    through_alone.append(_wrk(f"http://{host}:8080/", seconds, connections))
            finally:
                alone.terminate()
                alone.wait(5)
            await http.aclose()
    finally:
        backends.terminate()
        backends.wait(5)
        shutil.rmtree(data, ignore_errors=True)
    return {"create": _percentiles(create_ms), "listener_change": _percentiles(listener_ms),
            "member_change": _percentiles(member_ms),
            "rps_through_lb": statistics.median(through_lb),
            "rps_haproxy_alone": statistics.median(through_alone),
            "ratio": statistics.median(through_lb) / statistics.median(through_alone),
            "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--creates", type=int, default=20)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.creates, args.changes, args.seconds, args.connections,
                             args.rounds))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        return
    for key, label, target in (("create", "create -> ACTIVE", "p50 < 1000 ms"),
                               ("listener_change", "listener change applied", "p50 < 300 ms"),
                               ("member_change", "member change applied", "p50 < 300 ms")):
        row = result[key]
        print(f"{label:<24} p50 {row['p50_ms']:7.1f} ms  p90 {row['p90_ms']:7.1f} ms  "
              f"(n={row['n']}; target {target})")
    print(f"requests/s through the load balancer {result['rps_through_lb']:9.0f}")
    print(f"requests/s HAProxy alone, same config {result['rps_haproxy_alone']:8.0f}")
    print(f"ratio {result['ratio']:.3f} (target >= 0.95; medians of {result['rounds']} "
          "interleaved rounds)")


if __name__ == "__main__":
    main()
