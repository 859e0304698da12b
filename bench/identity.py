"""Identity benchmarks: token validation in the middleware, token issue rate, start-up time.

Prints a table; not a test. Run: ``.venv/bin/python bench/identity.py`` (about a minute).

1. Validation: the AuthTokenMiddleware path with a valid token (the cache hit every request
   after the first takes), and a cold validation (decrypt + resolve); SQL statements run
   during validation are counted (must be 0).
2. Issue: password tokens per second over HTTP against ``pocketstack up`` (bcrypt cost as
   configured, default 12), one client and four concurrent clients.
3. Start-up: ``pocketstack up`` to the first successful ``openstack token issue``, and the
   idle RSS of the server afterwards.
4. The peer, in the same run: upstream Keystone from PyPI in its own virtual environment
   (``bench/keystone_peer.py``), validation over HTTP (what keystonemiddleware pays per
   request on a cache miss) and issue rate; ratios against ours. ``--no-peer`` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from pocketstack.allinone import open_cloud
from pocketstack.common.middleware.auth_token import AuthTokenMiddleware
from pocketstack.common.settings import load_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from keystone_peer import measure_keystone

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def bench_validation(rows: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(tmp, env={}, overrides={"identity": {"password_hash_rounds": 4},
                                                         "api": {"log_requests": False}})
        async with open_cloud(settings) as cloud:
            transport = httpx.ASGITransport(app=cloud.dispatch)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as http:
                body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                    "name": "admin", "domain": {"id": "default"},
                    "password": cloud.admin_password}}},
                    "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
                issued = await http.post("/identity/v3/auth/tokens", json=body)
                token = issued.headers["x-subject-token"]
            statements = 0

            def count(*_: Any) -> None:
                nonlocal statements
                statements += 1

            event.listen(cloud.identity.engine.sync_engine, "before_cursor_execute", count)
            seen: list[object] = []

            async def inner(scope: Any, receive: Any, send: Any) -> None:
                seen.append(scope["state"]["auth"])

            middleware = AuthTokenMiddleware(inner, validator=cloud.identity.validator)
            scope = {"type": "http", "headers": [(b"x-auth-token", token.encode())], "state": {}}
            n = 50_000
            await middleware(dict(scope, state={}), None, None)  # type: ignore[arg-type]
            started = time.perf_counter()
            for _ in range(n):
                await middleware(dict(scope, state={}), None, None)  # type: ignore[arg-type]
            hot = (time.perf_counter() - started) / n * 1e6
            cold_times = []
            for _ in range(2000):
                cloud.identity.validator._cache.clear()
                t0 = time.perf_counter()
                await cloud.identity.validator.validate(token)
                cold_times.append(time.perf_counter() - t0)
            cold = statistics.median(cold_times) * 1e6
            assert all(a is not None for a in seen)
            rows.append(("validation in middleware, cached (per request)", f"{hot:.1f} µs"))
            rows.append(("validation, cold: decrypt + resolve (median)", f"{cold:.1f} µs"))
            rows.append(("SQL statements during 52,000 validations", str(statements)))


def _wait_up(url: str, proc: subprocess.Popen[bytes], limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            if httpx.get(url, timeout=1.0).status_code in (200, 300):
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _http_validation(base: str, pid: int, password: str) -> tuple[float, float]:
    """Median latency and server CPU per ``GET /v3/auth/tokens`` (ms), 300 requests."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/identity/v3/auth/tokens", json=body).headers["x-subject-token"]
        headers = {"X-Auth-Token": token, "X-Subject-Token": token}
        for _ in range(20):
            http.get("/identity/v3/auth/tokens", headers=headers)
        times = []
        cpu = _cpu_seconds(pid)
        for _ in range(300):
            t0 = time.perf_counter()
            assert http.get("/identity/v3/auth/tokens", headers=headers).status_code == 200
            times.append(time.perf_counter() - t0)
        cpu = _cpu_seconds(pid) - cpu
    return statistics.median(times) * 1000, cpu / 300 * 1000


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def _issue_rate(base: str, password: str, clients: int, seconds: float) -> float:
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    done = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            while time.monotonic() < deadline:
                response = await http.post("/identity/v3/auth/tokens", json=body)
                assert response.status_code == 201, response.text
                done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return done / (time.monotonic() - started)


def bench_server(rows: list[tuple[str, str]]) -> dict[str, float]:
    data = Path(tempfile.mkdtemp())
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "POCKETSTACK_"))}
    # Warm the install (first-run imports, bytecode), then measure a fresh data dir start.
    cmd = [str(BIN / "pocketstack"), "up", "--data-dir", str(data), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(f"http://127.0.0.1:{port}/identity", proc)
    finally:
        proc.terminate()
        proc.wait(10)
    cli_env = dict(env, OS_CLIENT_CONFIG_FILE=str(data / "clouds.yaml"), OS_CLOUD="pocketstack")
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 30
        while time.monotonic() < deadline:
            result = subprocess.run([str(BIN / "openstack"), "token", "issue", "-f", "value",
                                     "-c", "id"], env=cli_env, capture_output=True, timeout=30)
            if result.returncode == 0:
                break
        first = time.monotonic() - started
        rows.append(("`pocketstack up` to first `openstack token issue` (warm)", f"{first:.2f} s"))
        cli = time.monotonic()
        subprocess.run([str(BIN / "openstack"), "token", "issue"], env=cli_env,
                       capture_output=True, check=True, timeout=30)
        alone = time.monotonic() - cli
        rows.append(("  of which one `openstack token issue` alone", f"{alone:.2f} s"))
        time.sleep(1.0)
        rows.append(("idle RSS of the server", f"{_rss_kib(proc.pid) / 1024:.0f} MiB"))
        password = (data / "admin-password").read_text().strip()
        base = f"http://127.0.0.1:{port}"
        latency, cpu = _http_validation(base, proc.pid, password)
        rows.append(("validation over HTTP, GET /v3/auth/tokens (median)", f"{latency:.2f} ms"))
        rows.append(("  server CPU per HTTP validation", f"{cpu:.3f} ms"))
        one = asyncio.run(_issue_rate(base, password, 1, 5.0))
        four = asyncio.run(_issue_rate(base, password, 4, 5.0))
        rows.append(("token issue, 1 client (bcrypt cost 12)", f"{one:.1f} /s"))
        rows.append(("token issue, 4 concurrent clients (bcrypt cost 12)", f"{four:.1f} /s"))
        return {"validate_ms": latency, "validate_cpu_ms": cpu, "issue_per_s": one}
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(data, ignore_errors=True)


def hot_us(rows: list[tuple[str, str]]) -> float:
    return float(rows[0][1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-peer", action="store_true", help="skip upstream Keystone")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "pocketstack-keystone-peer")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    asyncio.run(bench_validation(rows))
    ours = bench_server(rows)
    if not args.no_peer:
        rows.append(("-- upstream Keystone (gunicorn, in-memory cache) --", ""))
        peer = measure_keystone(rows, workdir=args.workdir)
        rows.append(("-- ratios (upstream / ours) --", ""))
        rows.append(("server CPU per HTTP validation",
                     f"{peer['validate_cpu_ms'] / max(ours['validate_cpu_ms'], 1e-6):.0f}x"))
        rows.append(("HTTP validation latency",
                     f"{peer['validate_ms'] / ours['validate_ms']:.1f}x"))
        rows.append(("upstream HTTP validation CPU / our middleware validation (cached)",
                     f"{peer['validate_cpu_ms'] * 1000 / hot_us(rows):.0f}x"))
        rows.append(("token issue rate, ours / upstream",
                     f"{ours['issue_per_s'] / peer['issue_per_s']:.2f}x"))
    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
