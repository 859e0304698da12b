"""Placement side by side with upstream: allocation candidates and claims, server CPU per request.

Prints a table; not a test. Run: ``.venv/bin/python bench/placement.py`` (flags below; the
full run, SQLite then PostgreSQL at 1,000 and 10,000 providers, takes a while: about half of
it is filling upstream with 10,000 providers over HTTP).

Ours is ``pocketstack up`` in a subprocess with a fresh data dir (the placement database on
SQLite, or on a scratch PostgreSQL database through ``POCKETSTACK_DATABASE__PLACEMENT``),
called with an admin token. Upstream is ``openstack-placement`` from PyPI served by gunicorn
with ``noauth2`` (``bench/placement_upstream.py``), on the same kind of database, running
at the same time on the same machine. Both get the same data through the HTTP API: compute
nodes with VCPU 64 / MEMORY_MB 262144 / DISK_GB 4000, one in ten with a child provider
holding VGPU 8 and the trait CUSTOM_BENCH_VGPU, one in twenty with an allocation.

Measured per server, one keep-alive client, at each provider count:

* ``GET /allocation_candidates?resources=VCPU:2,MEMORY_MB:2048,DISK_GB:20``, the same with a
  granular group (``resources1=VGPU:1&group_policy=none``), and the first with ``limit=10``;
* then ``PUT /allocations/{new consumer}`` (claims) from 8 concurrent clients.

Server CPU per request is the utime + stime of the server's processes (``/proc``) over the
run divided by the requests; on PostgreSQL the CPU of the database's backends is shown
apart. Latency p50/p95 is client-side. Every loop is bounded in count and in time, traffic
goes only to 127.0.0.1, and servers and scratch databases are removed in ``finally``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

# bench/ is sys.path[0] when this runs as a script
import placement_upstream as upstream
from placement_target import VERSION, Target, analyze, ours, scratch_database, spent, theirs

NS = uuid.UUID("8d3c1a52-6f0e-4b8e-9a41-2f6c0b6f5a10")
PROJECT, USER = str(uuid.uuid5(NS, "project")), str(uuid.uuid5(NS, "user"))
TRAIT = "CUSTOM_BENCH_VGPU"
HOST_INVENTORY = {"VCPU": {"total": 64}, "MEMORY_MB": {"total": 262144}, "DISK_GB": {"total": 4000}}
EXISTING = {"VCPU": 4, "MEMORY_MB": 8192, "DISK_GB": 40}
CLAIM = {"VCPU": 1, "MEMORY_MB": 1024, "DISK_GB": 10}
RESOURCES = "resources=VCPU:2,MEMORY_MB:2048,DISK_GB:20"
CASES = {
    "plain": f"/allocation_candidates?{RESOURCES}",
    "VGPU group": f"/allocation_candidates?{RESOURCES}&resources1=VGPU:1&group_policy=none",
    "limit=10": f"/allocation_candidates?{RESOURCES}&limit=10",
}
CLIENTS = 8
POPULATE_CLIENTS = 8
WARMUP = 2
MIN_REQUESTS = 3
MAX_REQUESTS = 500
CASE_SECONDS = 10.0
MAX_CLAIMS = 3000
CLAIM_SECONDS = 20.0
POPULATE_SECONDS = 1800.0


# -- the data set ---------------------------------------------------------------------------


def _host(i: int) -> str:
    return str(uuid.uuid5(NS, f"host-{i}"))


def _gpu(i: int) -> str | None:
    return str(uuid.uuid5(NS, f"gpu-{i}")) if i % 10 == 0 else None


def _consumer(i: int) -> str | None:
    return str(uuid.uuid5(NS, f"vm-{i}")) if i % 20 == 0 else None


def _add_host(t: Target, i: int) -> None:
    host = _host(i)
    t.expect("POST", "/resource_providers", {"uuid": host, "name": f"cn-{i:05d}"}, 200)
    t.expect(
        "PUT",
        f"/resource_providers/{host}/inventories",
        {"resource_provider_generation": 0, "inventories": HOST_INVENTORY},
        200,
    )


def _add_extras(t: Target, i: int) -> None:
    host, gpu, consumer = _host(i), _gpu(i), _consumer(i)
    if gpu is not None:
        t.expect(
            "POST",
            "/resource_providers",
            {"uuid": gpu, "name": f"cn-{i:05d}-vgpu", "parent_provider_uuid": host},
            200,
        )
        t.expect(
            "PUT",
            f"/resource_providers/{gpu}/inventories",
            {"resource_provider_generation": 0, "inventories": {"VGPU": {"total": 8}}},
            200,
        )
        t.expect(
            "PUT",
            f"/resource_providers/{gpu}/traits",
            {"resource_provider_generation": 1, "traits": [TRAIT]},
            200,
        )
    if consumer is not None:
        t.expect(
            "PUT",
            f"/allocations/{consumer}",
            {
                "allocations": {host: {"resources": EXISTING}},
                "project_id": PROJECT,
                "user_id": USER,
                "consumer_generation": None,
            },
            204,
        )


def _in_parallel(work: list[Callable[[], None]], deadline: float) -> None:
    def guarded(job: Callable[[], None]) -> None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"population ran past {POPULATE_SECONDS:.0f} s")
        job()

    with ThreadPoolExecutor(POPULATE_CLIENTS) as pool:
        futures = [pool.submit(guarded, job) for job in work]
        try:
            for future in futures:
                future.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def populate(t: Target, start: int, stop: int) -> float:
    """Providers ``start..stop-1`` (with their children and allocations); seconds taken."""
    began = time.monotonic()
    deadline = began + POPULATE_SECONDS
    t.expect("PUT", f"/traits/{TRAIT}", None, 201, 204)
    _in_parallel([partial(_add_host, t, i) for i in range(start, stop)], deadline)
    _in_parallel([partial(_add_extras, t, i) for i in range(start, stop)], deadline)
    return time.monotonic() - began


# -- measurements ---------------------------------------------------------------------------


@dataclass
class Sample:
    cpu_ms: float
    db_cpu_ms: float
    p50_ms: float
    p95_ms: float
    count: int
    note: str  # candidates returned, or claims per second and failures
    result: float  # candidates returned, or claims per second


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]


def measure_candidates(t: Target, *, path: str) -> Sample:
    for _ in range(WARMUP):
        body = json.loads(t.expect("GET", path, None, 200))
    found = len(body["allocation_requests"])
    server, db = t.cpu()
    times: list[float] = []
    deadline = time.monotonic() + CASE_SECONDS
    while len(times) < MAX_REQUESTS and (len(times) < MIN_REQUESTS or time.monotonic() < deadline):
        began = time.perf_counter()
        t.expect("GET", path, None, 200)
        times.append(time.perf_counter() - began)
    server_after, db_after = t.cpu()
    n = len(times)
    return Sample(
        spent(server, server_after) / n * 1e3,
        spent(db, db_after) / n * 1e3,
        statistics.median(times) * 1e3,
        _p95(times) * 1e3,
        n,
        f"{found} candidates",
        found,
    )


def _reason(status: int, data: bytes) -> str:
    """``409 <the last line of placement's error detail>``, short."""
    try:
        detail = str(json.loads(data)["errors"][0]["detail"])
    except (ValueError, KeyError, IndexError, TypeError):
        detail = data.decode(errors="replace")
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if "database is locked" in detail:
        last = "database is locked"
    return f"{status} {last[:60]}"


def measure_claims(t: Target, *, hosts: int) -> Sample:
    """CLIENTS threads claiming on distinct hosts; a claim that does not answer 204 failed."""
    times: list[float] = []
    failures: list[str] = []
    deadline = time.monotonic() + CLAIM_SECONDS
    per_client = MAX_CLAIMS // CLIENTS

    def client(k: int) -> None:
        for j in range(per_client):
            if time.monotonic() > deadline:
                return
            host = _host((k + j * CLIENTS) % hosts)
            claim = {
                "allocations": {host: {"resources": CLAIM}},
                "project_id": PROJECT,
                "user_id": USER,
                "consumer_generation": None,
            }
            began = time.perf_counter()
            status, data = t.call("PUT", f"/allocations/{uuid.uuid4()}", claim)
            times.append(time.perf_counter() - began)
            if status != 204:
                failures.append(_reason(status, data))

    server, db = t.cpu()
    began = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        for future in [pool.submit(client, k) for k in range(CLIENTS)]:
            future.result()
    elapsed = time.monotonic() - began
    server_after, db_after = t.cpu()
    n = max(1, len(times) - len(failures))
    note = f"{n / elapsed:.0f} claims/s"
    if failures:
        common = max(set(failures), key=failures.count)
        note += f", {len(failures)} of {len(times)} failed (mostly {common})"
    return Sample(
        spent(server, server_after) / n * 1e3,
        spent(db, db_after) / n * 1e3,
        statistics.median(times) * 1e3,
        _p95(times) * 1e3,
        n,
        note,
        n / elapsed,
    )


# -- the run --------------------------------------------------------------------------------


@dataclass
class Report:
    database: str
    notes: list[str] = field(default_factory=list)
    rows: list[tuple[str, dict[str, Sample]]] = field(default_factory=list)


def _each(targets: list[Target], how: Callable[[Target], Sample]) -> dict[str, Sample]:
    return {t.name: how(t) for t in targets}


def run_database(
    kind: str,
    counts: list[int],
    install: upstream.Install | None,
    workdir: Path,
    log: Callable[[str], None],
    *,
    with_ours: bool = True,
) -> Report:
    """The servers on ``kind`` (sqlite or postgresql), filled and measured at each count."""
    report = Report(kind)
    tag = os.getpid()
    with contextlib.ExitStack() as stack:

        def database(side: str) -> str | None:
            if kind != "postgresql":
                return None
            return stack.enter_context(scratch_database(f"bench_placement_{side}_{tag}"))

        targets = []
        if with_ours:
            targets.append(stack.enter_context(ours(workdir, database("ours"))))
        if install is not None:
            targets.append(stack.enter_context(theirs(install, workdir, database("upstream"))))
        have = 0
        for count in counts:
            for t in targets:
                took = populate(t, have, count)
                log(f"{kind}: {t.name} filled to {count} providers in {took:.1f} s")
                rate = (count - have) / took
                report.notes.append(
                    f"{t.name}: providers {have}..{count - 1} added over HTTP in {took:.0f} s "
                    f"({rate:.0f} providers/s, {POPULATE_CLIENTS} clients, "
                    f"{t.retries} requests retried on 'database is locked')"
                )
                t.retries = 0
                if t.database:
                    analyze(t.database)
            have = count
            for case, path in CASES.items():
                samples = _each(targets, partial(measure_candidates, path=path))
                log(f"{kind} {count} {case}: " + ", ".join(
                    f"{name} {s.cpu_ms:.2f} ms CPU/req, {s.note}" for name, s in samples.items()
                ))  # fmt: skip
                report.rows.append((f"{count} providers: candidates, {case}", samples))
        claims = _each(targets, partial(measure_claims, hosts=have))
        log(f"{kind} claims: " + ", ".join(f"{n} {s.note}" for n, s in claims.items()))
        report.rows.append((f"{have} providers: claims, {CLIENTS} clients", claims))
    return report


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"


def _goal(case: str, mine: Sample | None, peer: Sample | None) -> tuple[str, str]:
    """(ratio, verdict) against the issue's goals: >= 25x less CPU; claims <= 1 ms, >= 500/s."""
    ratio = f"{peer.cpu_ms / mine.cpu_ms:.1f}x" if mine and peer and mine.cpu_ms else "-"
    if mine is None:
        return ratio, ""
    if "claims" in case:
        met = mine.cpu_ms <= 1.0 and mine.result >= 500
        return ratio, ("met" if met else "MISSED") + " (<= 1 ms, >= 500/s)"
    if peer is None:
        return ratio, ""
    if mine.result != peer.result:
        return ratio, "DIFFERENT RESULTS"
    return ratio, ("met" if peer.cpu_ms >= 25 * mine.cpu_ms else "MISSED") + " (>= 25x)"


def print_report(report: Report) -> None:
    """One line per case and side, the ratio and the goal on the line of ours."""
    db_cpu = report.database == "postgresql"
    print(f"\n== {report.database} ==")
    for note in report.notes:
        print(f"  {note}")
    head = ["case", "server", "CPU ms/req", *(["DB CPU ms/req"] if db_cpu else []),
            "p50/p95 ms", "result", "n", "ratio", "goal"]  # fmt: skip
    table = [head]
    for case, samples in report.rows:
        ratio, verdict = _goal(case, samples.get("ours"), samples.get("upstream"))
        for side, sample in samples.items():
            first = side == next(iter(samples))
            table.append([
                case if first else "", side, _ms(sample.cpu_ms),
                *([_ms(sample.db_cpu_ms)] if db_cpu else []),
                f"{_ms(sample.p50_ms)}/{_ms(sample.p95_ms)}", sample.note, str(sample.count),
                ratio if first else "", verdict if first else "",
            ])  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for row in table:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--providers", default="1000,10000", help="provider counts, filled in increasing order"
    )
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite, postgresql or both")
    parser.add_argument("--skip-upstream", action="store_true", help="measure ours only")
    parser.add_argument("--skip-ours", action="store_true", help="measure upstream only")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "pocketstack-placement-bench",
        help="data dirs and logs of both servers (replaced each run)",
    )
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.providers.split(",")})
    kinds = [k.strip() for k in args.db.split(",")]
    if counts[0] < 1 or not set(kinds) <= {"sqlite", "postgresql"}:
        parser.error("--providers takes positive counts; --db takes sqlite and/or postgresql")
    if args.skip_upstream and args.skip_ours:
        parser.error("nothing to measure")
    started = time.monotonic()

    def log(line: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {line}", file=sys.stderr, flush=True)

    install = None
    if not args.skip_upstream:
        install = upstream.ensure_placement()
        log(f"upstream: {install.describe()} in {install.venv}")
    reports = [
        run_database(kind, counts, install, args.workdir, log, with_ours=not args.skip_ours)
        for kind in kinds
    ]
    peer = install.describe() if install else "skipped"
    print(
        f"Placement, ours (pocketstack up) vs upstream ({peer}); {VERSION}.\n"
        "CPU = server utime+stime per request; ratio = upstream CPU / ours."
    )
    for report in reports:
        print_report(report)
    print(f"\nbench run time: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
