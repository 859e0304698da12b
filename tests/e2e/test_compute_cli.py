"""The real ``openstack`` CLI against a running ``pocketstack up``: compute on cells v2.

The default cloud has cell0 and two cells of four fake hosts each. Servers boot through the
whole Nova flow (build request, super-conductor, scheduler on placement, cell database, host
agent over the cell's bus); the CLI sees Nova's API at the microversions it negotiates.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e

WAIT_S = 30.0


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def basics(cloud: RunningCloud) -> dict[str, str]:
    """An image, a network with a subnet, a key pair: what a first server needs."""
    image = _name("cirros")
    disk = cloud.workdir / "disk.img"
    disk.write_bytes(b"\0" * 4096)
    cloud.cli("image", "create", "--disk-format", "qcow2", "--container-format", "bare",
              "--public", "--file", str(disk), image)
    network = _name("private")
    cloud.cli("network", "create", network)
    cloud.cli("subnet", "create", "--network", network, "--subnet-range", "10.20.0.0/24",
              network + "-v4")
    key = _name("key")
    assert "PRIVATE KEY" in cloud.cli("keypair", "create", key).stdout
    return {"image": image, "network": network, "key": key}


def test_flavor_lifecycle(cloud: RunningCloud) -> None:
    name = _name("flv")
    made = cloud.cli_json("flavor", "create", "--vcpus", "2", "--ram", "1024", "--disk", "10",
                          "--property", "hw:cpu_policy=shared", name)
    assert (made["vcpus"], made["ram"], made["disk"]) == (2, 1024, 10)
    listed = cloud.cli_json("flavor", "list", "--long")
    assert any(f["Name"] == name for f in listed)
    assert any(f["Name"] == "m1.tiny" for f in listed)  # DevStack's flavors are seeded
    cloud.cli("flavor", "set", "--property", "hw:numa_nodes=1", name)
    shown = cloud.cli_json("flavor", "show", name)
    assert shown["properties"] == {"hw:cpu_policy": "shared", "hw:numa_nodes": "1"}
    cloud.cli("flavor", "delete", name)
    cloud.cli_fails("flavor", "show", name)
    assert all(f["Name"] != name for f in cloud.cli_json("flavor", "list"))


def test_keypairs(cloud: RunningCloud) -> None:
    name = _name("kp")
    created = cloud.cli("keypair", "create", name).stdout
    assert "PRIVATE KEY" in created
    listed = cloud.cli_json("keypair", "list")
    assert any(k["Name"] == name for k in listed)
    cloud.cli("keypair", "delete", name)
    assert all(k["Name"] != name for k in cloud.cli_json("keypair", "list"))


def test_server_lifecycle(cloud: RunningCloud, basics: dict[str, str]) -> None:
    name = _name("vm")
    made = cloud.cli_json("server", "create", "--flavor", "m1.tiny", "--image", basics["image"],
                          "--network", basics["network"], "--key-name", basics["key"],
                          "--wait", name)
    assert made["status"] == "ACTIVE" and made["name"] == name
    shown = cloud.cli_json("server", "show", name)
    assert basics["network"] in str(shown["addresses"])
    assert shown["key_name"] == basics["key"]
    assert shown["OS-EXT-SRV-ATTR:host"].startswith("cell")  # admin sees the host

    cloud.cli("server", "set", "--name", name + "-renamed", "--property", "tier=gold", name)
    name += "-renamed"
    assert cloud.cli_json("server", "show", name)["properties"] == {"tier": "gold"}

    cloud.cli("server", "stop", name)
    cloud.wait_server(name, "SHUTOFF")
    cloud.cli("server", "start", name)
    cloud.wait_server(name, "ACTIVE")
    cloud.cli("server", "reboot", "--wait", name)
    cloud.wait_server(name, "ACTIVE")

    snapshot = _name("snap")
    cloud.cli("server", "image", "create", "--name", snapshot, "--wait", name)
    assert cloud.cli_json("image", "show", snapshot)["status"] == "active"

    events = cloud.cli_json("server", "event", "list", name)
    actions = {e["Action"] for e in events}
    assert {"create", "stop", "start", "reboot", "createImage"} <= actions

    cloud.cli("server", "delete", "--wait", name)
    assert all(s["Name"] != name for s in cloud.cli_json("server", "list"))


def test_many_servers_list_paging_and_sorting(cloud: RunningCloud,
                                              basics: dict[str, str]) -> None:
    prefix = _name("multi")
    cloud.cli("server", "create", "--flavor", "m1.nano", "--image", basics["image"],
              "--network", basics["network"], "--min", "3", "--max", "4", "--wait", prefix)
    listed = [s for s in cloud.cli_json("server", "list", "--long", "--name", prefix)]
    assert len(listed) == 4 and all(s["Status"] == "ACTIVE" for s in listed)
    hosts = {s["Host"] for s in listed}
    assert len(hosts) >= 2  # spread over hosts (and cells)

    everyone = cloud.cli_json("server", "list", "--all-projects", "--name", prefix,
                              "--sort-column", "Name")
    assert [s["Name"] for s in everyone] == sorted(s["Name"] for s in everyone)

    first = cloud.cli_json("server", "list", "--name", prefix, "--limit", "2")
    assert len(first) == 2
    rest = cloud.cli_json("server", "list", "--name", prefix, "--limit", "2",
                          "--marker", first[-1]["ID"])
    assert len(rest) == 2
    assert not {s["ID"] for s in first} & {s["ID"] for s in rest}
    for server in listed:
        cloud.cli("server", "delete", "--wait", server["ID"])


def test_unschedulable_boot_lands_in_cell0(cloud: RunningCloud, basics: dict[str, str]) -> None:
    huge = _name("huge")
    cloud.cli("flavor", "create", "--vcpus", "4096", "--ram", "999999999", "--disk", "1", huge)
    name = _name("nohost")
    boot = ("server", "create", "--flavor", huge, "--image", basics["image"],
            "--network", basics["network"], name)
    refused = cloud.cli_fails(*boot)  # Nova's default quotas come first
    assert "Quota exceeded for cores, ram: Requested 4096, 999999999" in refused
    cloud.cli("quota", "set", "--cores", "-1", "--ram", "-1", "admin")
    shown_quota = {q["Resource"]: q["Limit"] for q in cloud.cli_json(
        "quota", "show", "--compute", "admin")}
    assert shown_quota["cores"] == -1 and shown_quota["instances"] == 10
    absolute = {r["Name"]: r["Value"] for r in cloud.cli_json("limits", "show", "--absolute")}
    assert absolute["max_total_cores"] == -1 and absolute["max_total_instances"] == 10
    assert absolute["max_total_volumes"] == 10  # the volume service's limits too
    cloud.cli(*boot)
    shown = cloud.wait_server(name, "ERROR")
    assert "No valid host was found" in str(shown["fault"])
    assert any(s["Name"] == name for s in cloud.cli_json("server", "list"))
    events = cloud.cli_json("server", "event", "list", name)
    assert [e["Action"] for e in events] == ["create"]
    cloud.cli("server", "delete", "--wait", name)
    cloud.cli("flavor", "delete", huge)
    cloud.cli("quota", "set", "--cores", "20", "--ram", "51200", "admin")


def test_boot_from_volume(cloud: RunningCloud, basics: dict[str, str]) -> None:
    volume = _name("root")
    cloud.cli("volume", "create", "--size", "1", volume)
    deadline = time.monotonic() + WAIT_S
    while cloud.cli_json("volume", "show", volume)["status"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    name = _name("bfv")
    made = cloud.cli_json("server", "create", "--flavor", "m1.tiny", "--volume", volume,
                          "--network", basics["network"], "--wait", name)
    assert made["status"] == "ACTIVE"
    assert cloud.cli_json("volume", "show", volume)["status"] == "in-use"
    cloud.cli("server", "delete", "--wait", name)


def test_services_hypervisors_zones_aggregates(cloud: RunningCloud) -> None:
    services = cloud.cli_json("compute", "service", "list")
    computes = [s for s in services if s["Binary"] == "nova-compute"]
    assert len(computes) == 8 and all(s["State"] == "up" for s in computes)
    cloud.cli("compute", "service", "set", "--disable", "--disable-reason", "maintenance",
              "cell2-host4", "nova-compute")
    after = cloud.cli_json("compute", "service", "list", "--host", "cell2-host4")
    assert after[0]["Status"] == "disabled"
    cloud.cli("compute", "service", "set", "--enable", "cell2-host4", "nova-compute")

    hypervisors = cloud.cli_json("hypervisor", "list")
    assert len(hypervisors) == 8
    shown = cloud.cli_json("hypervisor", "show", "cell1-host1")
    assert shown["hypervisor_hostname"] == "cell1-host1"
    stats = cloud.cli_json("hypervisor", "stats", "show")
    assert stats["count"] == 8

    zone = _name("az")
    aggregate = _name("agg")
    cloud.cli("aggregate", "create", "--zone", zone, aggregate)
    cloud.cli("aggregate", "add", "host", aggregate, "cell1-host3")
    zones = cloud.cli_json("availability", "zone", "list", "--compute")
    assert {z["Zone Name"] for z in zones} >= {"nova", zone}
