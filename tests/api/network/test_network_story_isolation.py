"""Projects apart: another project's private network, subnet, port and security group are
404 (never 403); shared networks are seen by all and take anyone's ports, but only their
owner adds subnets or picks addresses; readers read; binding details are admin's."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import NeutronClient


async def test_private_resources_are_404_elsewhere(nt: NeutronClient) -> None:
    _, alice = await nt.member()
    _, bob = await nt.member()
    net = await nt.create("networks", "network", token=alice, name="alice-net")
    subnet = await nt.create(
        "subnets", "subnet", token=alice, network_id=net["id"], ip_version=4, cidr="10.0.0.0/24"
    )
    port = await nt.create("ports", "port", token=alice, network_id=net["id"])
    group = await nt.create("security-groups", "security_group", token=alice, name="g")
    for path, kind in (
        (f"/networks/{net['id']}", "NetworkNotFound"),
        (f"/subnets/{subnet['id']}", "SubnetNotFound"),
        (f"/ports/{port['id']}", "PortNotFound"),
        (f"/security-groups/{group['id']}", "SecurityGroupNotFound"),
    ):
        nt.error(await nt.get(path, token=bob), 404, kind)
        nt.error(await nt.delete(path, token=bob), 404, kind)
        assert (await nt.get(path, token=alice)).status_code == 200
        assert (await nt.get(path)).status_code == 200  # admin sees every project's
    assert await nt.ids("networks", token=bob) == []
    assert await nt.ids("ports", token=bob) == []
    assert await nt.ids("subnets", token=bob) == []
    nt.error(
        await nt.post("/ports", token=bob, json={"port": {"network_id": net["id"]}}),
        404,
        "NetworkNotFound",
    )
    nt.error(
        await nt.put(f"/networks/{net['id']}", token=bob, json={"network": {"name": "mine"}}),
        404,
        "NetworkNotFound",
    )
    assert (await nt.get(f"/networks/{net['id']}", token=alice)).json()["network"][
        "name"
    ] == "alice-net"


async def test_shared_networks(nt: NeutronClient) -> None:
    public = await nt.network("public", shared=True)
    subnet = await nt.subnet(public["id"])
    project, bob = await nt.member()
    assert await nt.ids("networks", token=bob) == [public["id"]]
    assert await nt.ids("subnets", token=bob) == [subnet["id"]]
    port = await nt.create("ports", "port", token=bob, network_id=public["id"])
    assert port["project_id"] == project and port["fixed_ips"][0]["subnet_id"] == subnet["id"]
    nt.error(
        await nt.put(f"/networks/{public['id']}", token=bob, json={"network": {"name": "x"}}),
        403,
        "PolicyNotAuthorized",
    )
    nt.error(await nt.delete(f"/networks/{public['id']}", token=bob), 403, "PolicyNotAuthorized")
    nt.error(
        await nt.post(
            "/subnets",
            token=bob,
            json={"subnet": {"network_id": public["id"], "ip_version": 4, "cidr": "10.9.0.0/24"}},
        ),
        403,
        "PolicyNotAuthorized",
    )
    nt.error(
        await nt.post(
            "/ports",
            token=bob,
            json={"port": {"network_id": public["id"], "fixed_ips": [{"ip_address": "10.0.0.50"}]}},
        ),
        403,
        "PolicyNotAuthorized",
    )
    assert await nt.ids("ports", token=bob) == [port["id"]]
    # The network's owner sees the ports on it; a third project does not.
    assert port["id"] in await nt.ids("ports")
    _, carol = await nt.member()
    assert await nt.ids("ports", token=carol) == []


async def test_admin_creates_for_another_project_members_cannot(nt: NeutronClient) -> None:
    project, alice = await nt.member()
    net = await nt.network("theirs", project_id=project)
    assert net["project_id"] == net["tenant_id"] == project
    assert await nt.ids("networks", token=alice) == [net["id"]]
    nt.error(
        await nt.post("/networks", token=alice, json={"network": {"project_id": nt.project_id}}),
        403,
        "PolicyNotAuthorized",
    )
    nt.error(
        await nt.post("/networks", json={"network": {"project_id": "a", "tenant_id": "b"}}),
        400,
        "HTTPBadRequest",
    )


async def test_readers_read(nt: NeutronClient) -> None:
    project, reader = await nt.member("reader")
    net = await nt.network("theirs", project_id=project)
    assert await nt.ids("networks", token=reader) == [net["id"]]
    nt.error(
        await nt.post("/networks", token=reader, json={"network": {"name": "n"}}),
        403,
        "PolicyNotAuthorized",
    )
    nt.error(await nt.delete(f"/networks/{net['id']}", token=reader), 403, "PolicyNotAuthorized")


async def test_binding_details_are_admins(nt: NeutronClient) -> None:
    _, alice = await nt.member()
    net = await nt.create("networks", "network", token=alice, name="n")
    nt.error(
        await nt.post(
            "/ports", token=alice, json={"port": {"network_id": net["id"], "binding:host_id": "h1"}}
        ),
        403,
        "PolicyNotAuthorized",
    )
    port = await nt.create("ports", "port", token=alice, network_id=net["id"])
    assert "binding:host_id" not in port and "binding:vif_type" not in port
    assert port["binding:vnic_type"] == "normal"
    bound = await nt.put(f"/ports/{port['id']}", json={"port": {"binding:host_id": "h1"}})
    assert bound.json()["port"]["binding:host_id"] == "h1"
    seen = (await nt.get(f"/ports/{port['id']}", token=alice)).json()["port"]
    assert seen["status"] == "ACTIVE" and "binding:host_id" not in seen
