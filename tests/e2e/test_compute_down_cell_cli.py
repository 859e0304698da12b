"""A rehearsal with the real CLI on the scaled-out backends: `pocketstack cell fault` cuts
cell2's database, then its bus, off a running cloud (PostgreSQL and RabbitMQ behind the
cloud's fault proxies); the unmodified `openstack` CLI at 2.69 shows the UNKNOWN servers and
services, boots go on in cell1, and healing brings everything back."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rabbitmq]

WAIT_S = 30.0


def _until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"never: {what}")


def _zone(cloud: RunningCloud, zone: str, host: str) -> None:
    cloud.cli("aggregate", "create", "--zone", zone, f"agg-{zone}")
    _until(lambda: cloud.cli("aggregate", "add", "host", f"agg-{zone}", host,
                             check=False).returncode == 0, f"{host} mapped")


def test_down_cell_rehearsal(cloud_factory: RunningCloud, backends: dict[str, str]) -> None:
    cloud = cloud_factory
    cloud.configure(
        "hosts_per_cell = 1\n"
        "discover_hosts_interval = 0.5\n"
        "[cells]\n"
        "timeout = 2.0\n"
        "recheck_interval = 1.0\n"
        "fault_injection = true\n", backends=backends)
    cloud.start()
    disk = cloud.workdir / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    cloud.cli("image", "create", "--disk-format", "raw", "--container-format", "bare",
              "--public", "--file", str(disk), "img")
    _zone(cloud, "az-one", "cell1-host1")
    _zone(cloud, "az-two", "cell2-host1")
    cloud.cli("project", "create", "rehearsal")
    cloud.cli("user", "create", "--password", "pw", "--project", "rehearsal", "operator")
    cloud.cli("role", "add", "--user", "operator", "--project", "rehearsal", "member")
    member = cloud.user_env("operator", "pw", "rehearsal")

    def boot(name: str, *extra: str) -> dict[str, Any]:
        made: dict[str, Any] = cloud.cli_json(
            "server", "create", "--flavor", "m1.nano", "--image", "img", "--nic", "none",
            *extra, "--wait", name, env=member)
        return made

    one, two = boot("one", "--availability-zone", "az-one"), boot(
        "two", "--availability-zone", "az-two")
    assert one["status"] == two["status"] == "ACTIVE"

    # -- the database of cell2 blackholed ---------------------------------------------------
    cloud.admin("cell", "fault", "cell2", "--db", "blackhole")
    rows = {r["ID"]: r for r in cloud.cli_json(
        "--os-compute-api-version", "2.69", "server", "list", env=member)}
    assert rows[two["id"]]["Status"] == "UNKNOWN" and not rows[two["id"]]["Name"]
    assert rows[one["id"]]["Status"] == "ACTIVE"
    older = cloud.cli_json("--os-compute-api-version", "2.68", "server", "list", env=member)
    assert [r["ID"] for r in older] == [one["id"]]
    services = cloud.cli_json("--os-compute-api-version", "2.69", "compute", "service", "list")
    assert {"cell2-host1": "UNKNOWN"}.items() <= {s["Host"]: s["Status"]
                                                  for s in services}.items()
    assert boot("three")["status"] == "ACTIVE"  # in cell1
    listed = cloud.admin("cell", "list").stdout
    assert "down" in next(line for line in listed.splitlines() if "cell2" in line)

    cloud.admin("cell", "fault", "cell2", "--db", "heal")
    rows = {r["ID"]: r for r in cloud.cli_json("server", "list", env=member)}
    assert rows[two["id"]]["Status"] == "ACTIVE" and rows[two["id"]]["Name"] == "two"

    # -- the bus of cell2 blackholed: a build there fails, later boots avoid the cell -------
    cloud.admin("cell", "fault", "cell2", "--bus", "blackhole")
    cut = cloud.cli_json("server", "create", "--flavor", "m1.nano", "--image", "img",
                         "--nic", "none", "--availability-zone", "az-two", "cut",
                         env=member)
    failed = _until(lambda: (s := cloud.cli_json("server", "show", cut["id"], env=member))[
        "status"] == "ERROR" and s, "the build on the cut bus fails")
    assert "did not take the build" in str(failed.get("fault"))
    assert boot("four")["status"] == "ACTIVE"  # the scheduler skips cell2 now
    cloud.admin("cell", "fault", "cell2", "--bus", "heal")
    _until(lambda: "up" in next(line for line in cloud.admin("cell", "list").stdout
                                .splitlines() if "cell2" in line), "cell2 up again")

    def boot_in_cell2() -> dict[str, Any] | None:
        proc = cloud.cli("server", "create", "--flavor", "m1.nano", "--image", "img",
                         "--nic", "none", "--availability-zone", "az-two", "--wait",
                         "-f", "json", f"back-{time.monotonic_ns()}", env=member, check=False)
        made: dict[str, Any] | None = json.loads(proc.stdout) if proc.returncode == 0 else None
        return made

    again = _until(boot_in_cell2, "a boot in cell2 after heal")
    assert again["status"] == "ACTIVE"
    stopped = cloud.stop()  # the cut bus left aio-pika's reconnect tracebacks in the log
    assert stopped.returncode in (0, 130, -2) and not stopped.killed, stopped.describe()
