"""Subnets with IPAM: defaults (gateway, pools) for IPv4 and IPv6, explicit pools checked,
no gateway, CIDRs normalised, overlaps refused, updates re-checked, deletion while in use."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import NeutronClient


async def test_ipv4_defaults(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"], "192.168.5.0/24", name="sub1")
    assert subnet["cidr"] == "192.168.5.0/24" and subnet["ip_version"] == 4
    assert subnet["gateway_ip"] == "192.168.5.1"
    assert subnet["allocation_pools"] == [{"start": "192.168.5.2", "end": "192.168.5.254"}]
    assert subnet["enable_dhcp"] is True
    assert subnet["dns_nameservers"] == [] and subnet["host_routes"] == []
    assert subnet["ipv6_ra_mode"] is None and subnet["ipv6_address_mode"] is None
    assert subnet["subnetpool_id"] is None
    assert subnet["project_id"] == subnet["tenant_id"] == nt.project_id
    shown = (await nt.get(f"/networks/{net['id']}")).json()["network"]
    assert shown["subnets"] == [subnet["id"]]
    assert (await nt.get(f"/subnets/{subnet['id']}")).json()["subnet"] == subnet


async def test_ipv6_defaults_and_slaac(nt: NeutronClient) -> None:
    net = await nt.network()
    v6 = await nt.subnet(net["id"], "FD00::/64", ip_version=6)
    assert v6["cidr"] == "fd00::/64" and v6["gateway_ip"] == "fd00::1"
    assert v6["allocation_pools"] == [{"start": "fd00::2", "end": "fd00::ffff:ffff:ffff:ffff"}]
    slaac = await nt.subnet(
        net["id"], "fd01::/64", ip_version=6, ipv6_ra_mode="slaac", ipv6_address_mode="slaac"
    )
    assert slaac["ipv6_address_mode"] == "slaac"
    error = nt.error(
        await nt.post(
            "/subnets",
            json={
                "subnet": {
                    "network_id": net["id"],
                    "ip_version": 6,
                    "cidr": "fd02::/80",
                    "ipv6_address_mode": "slaac",
                }
            },
        ),
        400,
        "InvalidInput",
    )
    assert "/64" in error["message"]
    nt.error(
        await nt.post(
            "/subnets",
            json={
                "subnet": {
                    "network_id": net["id"],
                    "ip_version": 6,
                    "cidr": "fd03::/64",
                    "ipv6_ra_mode": "slaac",
                    "ipv6_address_mode": "dhcpv6-stateful",
                }
            },
        ),
        400,
        "InvalidInput",
    )


async def test_host_bits_are_cleared_and_no_gateway_frees_the_first_host(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"], "10.1.2.77/24", gateway_ip=None)
    assert subnet["cidr"] == "10.1.2.0/24" and subnet["gateway_ip"] is None
    assert subnet["allocation_pools"] == [{"start": "10.1.2.1", "end": "10.1.2.254"}]


async def test_explicit_pools_and_gateway(nt: NeutronClient) -> None:
    net = await nt.network()
    pools = [
        {"start": "10.0.0.100", "end": "10.0.0.149"},
        {"start": "10.0.0.10", "end": "10.0.0.19"},
    ]
    subnet = await nt.subnet(
        net["id"],
        allocation_pools=pools,
        gateway_ip="10.0.0.254",
        dns_nameservers=["8.8.8.8", "1.1.1.1"],
        host_routes=[{"destination": "172.16.0.0/16", "nexthop": "10.0.0.5"}],
    )
    assert subnet["allocation_pools"] == pools and subnet["gateway_ip"] == "10.0.0.254"
    assert subnet["dns_nameservers"] == ["8.8.8.8", "1.1.1.1"]
    assert subnet["host_routes"] == [{"destination": "172.16.0.0/16", "nexthop": "10.0.0.5"}]


async def test_bad_pools_and_gateways_write_nothing(nt: NeutronClient) -> None:
    net = await nt.network()

    async def refused(status: int, kind: str, **fields: object) -> str:
        body = {"network_id": net["id"], "ip_version": 4, "cidr": "10.0.0.0/24", **fields}
        error = nt.error(await nt.post("/subnets", json={"subnet": body}), status, kind)
        return str(error["message"])

    pool = [{"start": "10.0.0.2", "end": "10.0.1.9"}]
    assert "spans beyond" in await refused(400, "OutOfBoundsAllocationPool", allocation_pools=pool)
    await refused(
        400,
        "OutOfBoundsAllocationPool",
        allocation_pools=[{"start": "10.0.0.0", "end": "10.0.0.9"}],
    )
    await refused(
        400,
        "OutOfBoundsAllocationPool",
        allocation_pools=[{"start": "10.0.0.200", "end": "10.0.0.255"}],
    )
    await refused(
        400, "HTTPBadRequest", allocation_pools=[{"start": "10.0.0.9", "end": "10.0.0.2"}]
    )
    await refused(
        409,
        "OverlappingAllocationPools",
        allocation_pools=[
            {"start": "10.0.0.2", "end": "10.0.0.9"},
            {"start": "10.0.0.9", "end": "10.0.0.20"},
        ],
    )
    message = await refused(
        409,
        "GatewayConflictWithAllocationPools",
        gateway_ip="10.0.0.5",
        allocation_pools=[{"start": "10.0.0.2", "end": "10.0.0.9"}],
    )
    assert "10.0.0.5" in message
    await refused(400, "InvalidInput", gateway_ip="10.0.0.255")
    await refused(400, "HTTPBadRequest", gateway_ip="banana")
    await refused(400, "HTTPBadRequest", allocation_pools=[{"start": "10.0.0.2"}])
    await refused(400, "HTTPBadRequest", dns_nameservers=["8.8.8.8", "8.8.8.8"])
    await refused(400, "HTTPBadRequest", host_routes=[{"destination": "x", "nexthop": "y"}])
    assert await nt.ids("subnets", network_id=net["id"]) == []


async def test_cidr_checks(nt: NeutronClient) -> None:
    net = await nt.network()

    async def refused(kind: str, **fields: object) -> str:
        body = {"network_id": net["id"], **fields}
        error = nt.error(await nt.post("/subnets", json={"subnet": body}), 400, kind)
        return str(error["message"])

    assert "does not match the ip_version" in await refused(
        "InvalidInput", ip_version=4, cidr="fd00::/64"
    )
    await refused("HTTPBadRequest", ip_version=4, cidr="10.0.0.0/33")
    await refused("HTTPBadRequest", ip_version=4, cidr="10.0.0.0")
    await refused("HTTPBadRequest", ip_version=5, cidr="10.0.0.0/24")
    assert "Required attribute 'ip_version'" in await refused("HTTPBadRequest", cidr="10.0.0.0/24")
    assert "subnetpool" in await refused("HTTPBadRequest", ip_version=4)
    assert "Unrecognized attribute(s) 'colour'" in await refused(
        "HTTPBadRequest", ip_version=4, cidr="10.0.0.0/24", colour="red"
    )
    await nt.subnet(net["id"], "10.0.0.0/16")
    assert "overlaps with another subnet" in await refused(
        "InvalidInput", ip_version=4, cidr="10.0.5.0/24"
    )
    missing = await nt.post(
        "/subnets", json={"subnet": {"network_id": "nope", "ip_version": 4, "cidr": "10.9.0.0/24"}}
    )
    nt.error(missing, 404, "NetworkNotFound")


async def test_update_rechecks_and_delete_waits_for_ports(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"])
    path = f"/subnets/{subnet['id']}"
    nt.error(
        await nt.put(path, json={"subnet": {"gateway_ip": "10.0.0.7"}}),
        409,
        "GatewayConflictWithAllocationPools",
    )
    nt.error(await nt.put(path, json={"subnet": {"cidr": "10.1.0.0/24"}}), 400, "HTTPBadRequest")
    updated = await nt.put(
        path,
        json={
            "subnet": {
                "name": "renamed",
                "gateway_ip": None,
                "enable_dhcp": False,
                "allocation_pools": [{"start": "10.0.0.50", "end": "10.0.0.60"}],
            }
        },
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()["subnet"]
    assert body["name"] == "renamed" and body["gateway_ip"] is None
    assert body["allocation_pools"] == [{"start": "10.0.0.50", "end": "10.0.0.60"}]
    assert body["enable_dhcp"] is False and body["revision_number"] == 1
    port = await nt.port(net["id"])
    assert port["fixed_ips"] == [{"subnet_id": subnet["id"], "ip_address": "10.0.0.50"}]
    nt.error(await nt.delete(path), 409, "SubnetInUse")
    assert (await nt.delete(f"/ports/{port['id']}")).status_code == 204
    assert (await nt.delete(path)).status_code == 204
    nt.error(await nt.get(path), 404, "SubnetNotFound")
    assert (await nt.get(f"/networks/{net['id']}")).json()["network"]["subnets"] == []
