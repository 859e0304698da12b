"""The real ``openstack`` CLI against ``/network`` of a running ``pocketstack up``.

The catalog names the unversioned URL; the client appends ``/v2.0`` itself. One story
walks a network's life: create, list, show; an IPv4 subnet with an allocation pool and an
IPv6 one; a port for a device, found by device, shown, refused a taken address, deleted;
the project's default security group; the network deleted. Names carry a unique suffix so
the story can share the session's cloud.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e


def _fixed_ips(port: dict[str, Any]) -> list[dict[str, str]]:
    """OSC prints fixed IPs as a list of dicts in JSON output."""
    found = port["fixed_ips"]
    assert isinstance(found, list), found
    return found


def test_network_subnet_port_story(cloud: RunningCloud) -> None:
    suffix = uuid.uuid4().hex[:8]
    net_name, sub4, sub6, port_name = (
        f"{kind}-{suffix}" for kind in ("net", "sub4", "sub6", "port")
    )
    device = f"vm-{suffix}"

    net = cloud.cli_json("network", "create", net_name)
    assert net["name"] == net_name and net["status"] == "ACTIVE" and net["mtu"] == 1500
    listed = cloud.cli_json("network", "list")
    assert any(n["ID"] == net["id"] and n["Name"] == net_name for n in listed)
    shown = cloud.cli_json("network", "show", net_name)
    assert shown["id"] == net["id"] and shown["router:external"] in (False, "Internal")

    v4 = cloud.cli_json(
        "subnet",
        "create",
        "--network",
        net_name,
        "--subnet-range",
        "192.168.5.0/24",
        "--allocation-pool",
        "start=192.168.5.10,end=192.168.5.20",
        sub4,
    )
    assert v4["cidr"] == "192.168.5.0/24" and v4["gateway_ip"] == "192.168.5.1"
    assert v4["allocation_pools"] == [{"start": "192.168.5.10", "end": "192.168.5.20"}]
    v6 = cloud.cli_json(
        "subnet",
        "create",
        "--network",
        net_name,
        "--ip-version",
        "6",
        "--subnet-range",
        "fd00::/64",
        sub6,
    )
    assert v6["cidr"] == "fd00::/64" and v6["ip_version"] == 6
    assert v6["gateway_ip"] == "fd00::1"
    subnets = cloud.cli_json("subnet", "list", "--network", net_name)
    assert sorted(s["Name"] for s in subnets) == sorted([sub4, sub6])

    port = cloud.cli_json("port", "create", "--network", net_name, "--device", device, port_name)
    assert port["device_id"] == device
    assert re.match(r"^fa:16:3e(:[0-9a-f]{2}){3}$", port["mac_address"])
    addresses = {f["subnet_id"]: f["ip_address"] for f in _fixed_ips(port)}
    assert addresses[v4["id"]] == "192.168.5.10"
    assert ipaddress.ip_address(addresses[v6["id"]]) in ipaddress.ip_network("fd00::/64")
    by_device = cloud.cli_json("port", "list", "--device-id", device)
    assert [p["ID"] for p in by_device] == [port["id"]]
    shown_port = cloud.cli_json("port", "show", port_name)
    assert shown_port["id"] == port["id"] and shown_port["network_id"] == net["id"]
    taken = cloud.cli_fails(
        "port",
        "create",
        "--network",
        net_name,
        "--fixed-ip",
        "ip-address=192.168.5.10",
        f"dup-{suffix}",
    )
    assert "already allocated" in taken
    cloud.cli("port", "delete", port_name)
    assert cloud.cli_json("port", "list", "--device-id", device) == []

    groups = cloud.cli_json("security", "group", "list")
    assert any(g["Name"] == "default" for g in groups)

    cloud.cli("network", "delete", net_name)
    assert all(n["ID"] != net["id"] for n in cloud.cli_json("network", "list"))
    assert "No Network found" in cloud.cli_fails("network", "show", net_name)
