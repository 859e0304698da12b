"""Ports: a generated MAC, fixed IPs from IPAM (defaults, by subnet, by address), taken
addresses refused, exhausted pools answered 409, updates that keep or change addresses,
binding to a host, the project's default security group, deletion freeing addresses."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import NeutronClient


MAC = re.compile(r"^fa:16:3e(:[0-9a-f]{2}){3}$")


async def test_port_defaults(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"])
    response = await nt.post(
        "/ports", json={"port": {"network_id": net["id"], "name": "p1", "admin_state_up": True}}
    )
    assert response.status_code == 201, response.text
    port = response.json()["port"]
    assert MAC.match(port["mac_address"])
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.0.0.2"}]
    assert port["status"] == "DOWN" and port["admin_state_up"] is True
    assert port["device_id"] == "" and port["device_owner"] == ""
    assert port["binding:vnic_type"] == "normal" and port["binding:vif_type"] == "unbound"
    assert port["binding:host_id"] == "" and port["binding:profile"] == {}
    assert port["project_id"] == port["tenant_id"] == nt.project_id
    assert port["port_security_enabled"] is True and port["allowed_address_pairs"] == []
    [default] = (await nt.get("/security-groups", params={"name": "default"})).json()[
        "security_groups"
    ]
    assert port["security_groups"] == [default["id"]]
    assert (await nt.get(f"/ports/{port['id']}")).json()["port"] == port
    second = await nt.port(net["id"])
    assert second["fixed_ips"][0]["ip_address"] == "10.0.0.3"
    assert second["mac_address"] != port["mac_address"]


async def test_requested_addresses(nt: NeutronClient) -> None:
    net = await nt.network()
    first = await nt.subnet(net["id"], "10.0.0.0/24")
    other = await nt.subnet(net["id"], "10.0.1.0/24")
    by_subnet = await nt.port(net["id"], fixed_ips=[{"subnet_id": other["id"]}])
    assert by_subnet["fixed_ips"] == [{"subnet_id": other["id"], "ip_address": "10.0.1.2"}]
    by_address = await nt.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.77"}])
    assert by_address["fixed_ips"] == [{"subnet_id": first["id"], "ip_address": "10.0.0.77"}]
    both = await nt.port(
        net["id"],
        fixed_ips=[
            {"subnet_id": first["id"], "ip_address": "10.0.0.200"},
            {"subnet_id": other["id"]},
        ],
    )
    assert [f["ip_address"] for f in both["fixed_ips"]] == ["10.0.0.200", "10.0.1.3"]

    async def refused(status: int, kind: str, fixed_ips: list[dict[str, str]]) -> str:
        response = await nt.post(
            "/ports", json={"port": {"network_id": net["id"], "fixed_ips": fixed_ips}}
        )
        return str(nt.error(response, status, kind)["message"])

    message = await refused(409, "IpAddressAlreadyAllocated", [{"ip_address": "10.0.0.77"}])
    assert message == f"IP address 10.0.0.77 already allocated in subnet {first['id']}"
    await refused(
        409, "IpAddressAlreadyAllocated", [{"ip_address": "10.0.0.9"}, {"ip_address": "10.0.0.9"}]
    )
    await refused(400, "InvalidIpForNetwork", [{"ip_address": "192.168.0.5"}])
    await refused(
        400, "InvalidIpForSubnet", [{"subnet_id": first["id"], "ip_address": "10.0.1.50"}]
    )
    await refused(400, "InvalidIpForNetwork", [{"ip_address": "10.0.0.255"}])
    await refused(400, "HTTPBadRequest", [{"ip_address": "not-an-ip"}])
    await refused(400, "HTTPBadRequest", [{}])
    await refused(404, "SubnetNotFound", [{"subnet_id": "nope"}])
    elsewhere = await nt.subnet((await nt.network("other"))["id"], "10.5.0.0/24")
    await refused(400, "InvalidInput", [{"subnet_id": elsewhere["id"]}])
    assert len(await nt.ids("ports", network_id=net["id"])) == 3


async def test_exhausted_pool_is_409(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(
        net["id"], allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.11"}]
    )
    for expected in ("10.0.0.10", "10.0.0.11"):
        assert (await nt.port(net["id"]))["fixed_ips"][0]["ip_address"] == expected
    error = nt.error(
        await nt.post("/ports", json={"port": {"network_id": net["id"]}}),
        409,
        "IpAddressGenerationFailure",
    )
    assert error["message"] == f"No more IP addresses available on network {net['id']}."
    error = nt.error(
        await nt.post(
            "/ports",
            json={"port": {"network_id": net["id"], "fixed_ips": [{"subnet_id": subnet["id"]}]}},
        ),
        409,
        "IpAddressGenerationFailure",
    )
    assert subnet["id"] in error["message"]
    # An address outside the pools may still be asked for by name.
    outside = await nt.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.99"}])
    assert outside["fixed_ips"][0]["ip_address"] == "10.0.0.99"


async def test_no_subnets_and_no_fixed_ips(nt: NeutronClient) -> None:
    net = await nt.network()
    assert (await nt.port(net["id"]))["fixed_ips"] == []
    await nt.subnet(net["id"])
    assert (await nt.port(net["id"], fixed_ips=[]))["fixed_ips"] == []


async def test_dual_stack_with_slaac(nt: NeutronClient) -> None:
    net = await nt.network()
    v4 = await nt.subnet(net["id"], "10.0.0.0/24")
    v6 = await nt.subnet(net["id"], "fd00::/64", ip_version=6)
    slaac = await nt.subnet(
        net["id"], "fd01::/64", ip_version=6, ipv6_ra_mode="slaac", ipv6_address_mode="slaac"
    )
    port = await nt.port(net["id"], mac_address="FA:16:3E:12:34:56")
    assert port["mac_address"] == "fa:16:3e:12:34:56"
    first, stateful, auto = port["fixed_ips"]
    assert first == {"subnet_id": v4["id"], "ip_address": "10.0.0.2"}
    # A /64 is too big to walk: its addresses are drawn at random from the pool.
    assert stateful["subnet_id"] == v6["id"]
    assert ipaddress.ip_address(stateful["ip_address"]) in ipaddress.ip_network("fd00::/64")
    assert stateful["ip_address"] not in ("fd00::", "fd00::1")
    # SLAAC: the prefix and the modified EUI-64 of the MAC.
    assert auto == {"subnet_id": slaac["id"], "ip_address": "fd01::f816:3eff:fe12:3456"}
    nt.error(
        await nt.post(
            "/ports",
            json={"port": {"network_id": net["id"], "fixed_ips": [{"ip_address": "fd01::5"}]}},
        ),
        400,
        "InvalidInput",
    )
    nt.error(
        await nt.post(
            "/ports", json={"port": {"network_id": net["id"], "mac_address": "fa:16:3e:12:34:56"}}
        ),
        409,
        "MacAddressInUse",
    )
    nt.error(
        await nt.post(
            "/ports", json={"port": {"network_id": net["id"], "mac_address": "01:00:5e:00:00:01"}}
        ),
        400,
        "HTTPBadRequest",
    )


async def test_huge_ipv6_pools_are_sampled(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"], "fd00::/48", ip_version=6)
    seen = set()
    for _ in range(3):
        [fixed] = (await nt.port(net["id"]))["fixed_ips"]
        address = ipaddress.ip_address(fixed["ip_address"])
        assert address in ipaddress.ip_network(subnet["cidr"]) and address != ipaddress.ip_address(
            "fd00::1"
        )
        seen.add(address)
    assert len(seen) == 3


async def test_update_binding_and_addresses(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"])
    port = await nt.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.5"}])
    path = f"/ports/{port['id']}"
    updated = await nt.put(
        path,
        json={
            "port": {
                "name": "vm-port",
                "device_id": "vm-1",
                "device_owner": "compute:nova",
                "binding:host_id": "host-a",
                "binding:profile": {"k": "v"},
            }
        },
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()["port"]
    assert body["status"] == "ACTIVE" and body["binding:vif_type"] == "ovs"
    assert body["binding:host_id"] == "host-a" and body["binding:profile"] == {"k": "v"}
    assert body["binding:vif_details"]["port_filter"] is True
    assert body["revision_number"] == 1
    kept = await nt.put(
        path,
        json={"port": {"fixed_ips": [{"ip_address": "10.0.0.5"}, {"subnet_id": subnet["id"]}]}},
    )
    assert kept.status_code == 200, kept.text
    assert [f["ip_address"] for f in kept.json()["port"]["fixed_ips"]] == ["10.0.0.5", "10.0.0.2"]
    moved = await nt.put(path, json={"port": {"fixed_ips": [{"ip_address": "10.0.0.9"}]}})
    assert moved.json()["port"]["fixed_ips"] == [
        {"subnet_id": subnet["id"], "ip_address": "10.0.0.9"}
    ]
    reused = await nt.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.5"}])
    assert reused["fixed_ips"][0]["ip_address"] == "10.0.0.5"
    nt.error(await nt.put(path, json={"port": {"network_id": "x"}}), 400, "HTTPBadRequest")
    nt.error(
        await nt.put(path, json={"port": {"mac_address": "fa:16:3e:00:00:01"}}), 409, "Conflict"
    )
    unbound = await nt.put(path, json={"port": {"binding:host_id": ""}})
    assert unbound.json()["port"]["status"] == "DOWN"
    assert (await nt.delete(path)).status_code == 204
    nt.error(await nt.get(path), 404, "PortNotFound")
    again = await nt.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.9"}])
    assert again["fixed_ips"][0]["ip_address"] == "10.0.0.9"


async def test_port_security_and_groups(nt: NeutronClient) -> None:
    net = await nt.network(port_security_enabled=False)
    await nt.subnet(net["id"])
    open_port = await nt.port(net["id"])
    assert open_port["port_security_enabled"] is False and open_port["security_groups"] == []
    group = await nt.create("security-groups", "security_group", name="web")
    nt.error(
        await nt.post(
            "/ports", json={"port": {"network_id": net["id"], "security_groups": [group["id"]]}}
        ),
        400,
        "PortSecurityAndIPRequiredForSecurityGroups",
    )
    guarded = await nt.port(
        net["id"],
        port_security_enabled=True,
        security_groups=[group["id"]],
        allowed_address_pairs=[{"ip_address": "10.0.0.100/32"}],
    )
    assert guarded["security_groups"] == [group["id"]]
    assert guarded["allowed_address_pairs"] == [
        {"ip_address": "10.0.0.100/32", "mac_address": guarded["mac_address"]}
    ]
    nt.error(
        await nt.put(f"/ports/{guarded['id']}", json={"port": {"port_security_enabled": False}}),
        409,
        "PortSecurityPortHasSecurityGroup",
    )
    nt.error(
        await nt.post(
            "/ports",
            json={
                "port": {
                    "network_id": net["id"],
                    "port_security_enabled": True,
                    "security_groups": ["nope"],
                }
            },
        ),
        404,
        "SecurityGroupNotFound",
    )
    router = await nt.port(
        net["id"], device_owner="network:router_interface", port_security_enabled=True
    )
    assert router["security_groups"] == []


async def test_bulk_create_is_all_or_nothing(nt: NeutronClient) -> None:
    net = await nt.network()
    await nt.subnet(net["id"], allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.12"}])
    response = await nt.post(
        "/ports",
        json={
            "ports": [
                {"network_id": net["id"], "name": "a", "tags": ["web"]},
                {"network_id": net["id"], "name": "b"},
            ]
        },
    )
    assert response.status_code == 201, response.text
    made = response.json()["ports"]
    assert [p["name"] for p in made] == ["a", "b"] and made[0]["tags"] == ["web"]
    assert [p["fixed_ips"][0]["ip_address"] for p in made] == ["10.0.0.10", "10.0.0.11"]
    # The third port would fit, the fourth not: neither is made.
    refused = await nt.post(
        "/ports",
        json={
            "ports": [
                {"network_id": net["id"], "name": "c"},
                {"network_id": net["id"], "name": "d"},
            ]
        },
    )
    nt.error(refused, 409, "IpAddressGenerationFailure")
    assert sorted(await nt.ids("ports")) == sorted(p["id"] for p in made)
    nt.error(await nt.post("/ports", json={"ports": []}), 400, "HTTPBadRequest")
    nt.error(
        await nt.post("/ports", json={"ports": [{"name": "no network"}]}), 400, "HTTPBadRequest"
    )
    nets = await nt.post("/networks", json={"networks": [{"name": "x"}, {"name": "y"}]})
    assert [n["name"] for n in nets.json()["networks"]] == ["x", "y"]
