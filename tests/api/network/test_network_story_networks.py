"""Networks: created with Neutron's defaults, shown, listed, renamed, tagged, deleted;
``shared`` and ``router:external`` are admin's to set; a network with ports stays."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import NeutronClient


STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def test_create_answers_every_attribute_clients_read(nt: NeutronClient) -> None:
    response = await nt.post(
        "/networks", json={"network": {"name": "net1", "admin_state_up": True}}
    )
    assert response.status_code == 201, response.text
    net = response.json()["network"]
    assert net["name"] == "net1"
    assert net["status"] == "ACTIVE"
    assert net["admin_state_up"] is True
    assert net["shared"] is False and net["router:external"] is False
    assert net["mtu"] == 1500
    assert net["subnets"] == []
    assert net["project_id"] == net["tenant_id"] == nt.project_id
    assert net["availability_zones"] == ["nova"] and net["availability_zone_hints"] == []
    assert net["tags"] == [] and net["port_security_enabled"] is True
    assert net["revision_number"] == 0 and net["description"] == ""
    assert STAMP.match(net["created_at"]) and STAMP.match(net["updated_at"])

    shown = await nt.get(f"/networks/{net['id']}")
    assert shown.status_code == 200 and shown.json()["network"] == net


async def test_show_by_name_is_404_then_the_name_filter_finds_it(nt: NeutronClient) -> None:
    net = await nt.network("private")
    error = nt.error(await nt.get("/networks/private"), 404, "NetworkNotFound")
    assert error["message"] == "Network private could not be found."
    assert await nt.ids("networks", name="private") == [net["id"]]
    assert await nt.ids("networks", id=net["id"]) == [net["id"]]


async def test_update_counts_revisions_and_delete_removes(nt: NeutronClient) -> None:
    net = await nt.network("before", description="d")
    updated = await nt.put(
        f"/networks/{net['id']}",
        json={"network": {"name": "after", "mtu": 1400, "admin_state_up": False}},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()["network"]
    assert (body["name"], body["mtu"], body["admin_state_up"]) == ("after", 1400, False)
    assert body["revision_number"] == 1 and body["description"] == "d"
    gone = await nt.delete(f"/networks/{net['id']}")
    assert gone.status_code == 204 and gone.content == b""
    nt.error(await nt.get(f"/networks/{net['id']}"), 404, "NetworkNotFound")
    nt.error(await nt.delete(f"/networks/{net['id']}"), 404, "NetworkNotFound")


async def test_shared_and_external_are_admins_to_set(nt: NeutronClient) -> None:
    shared = await nt.network("public", shared=True, **{"router:external": True})
    assert shared["shared"] is True and shared["router:external"] is True
    _, token = await nt.member()
    error = nt.error(
        await nt.post("/networks", token=token, json={"network": {"name": "mine", "shared": True}}),
        403,
        "PolicyNotAuthorized",
    )
    assert error["message"] == "(rule:create_network:shared) is disallowed by policy"
    nt.error(
        await nt.post("/networks", token=token, json={"network": {"router:external": True}}),
        403,
        "PolicyNotAuthorized",
    )
    # The default value is not a privilege.
    mine = await nt.create("networks", "network", token=token, name="mine", shared=False)
    nt.error(
        await nt.put(f"/networks/{mine['id']}", token=token, json={"network": {"shared": True}}),
        403,
        "PolicyNotAuthorized",
    )
    assert (await nt.get(f"/networks/{mine['id']}")).json()["network"]["shared"] is False


async def test_a_network_with_ports_is_in_use(nt: NeutronClient) -> None:
    net = await nt.network()
    await nt.subnet(net["id"])
    port = await nt.port(net["id"])
    error = nt.error(await nt.delete(f"/networks/{net['id']}"), 409, "NetworkInUse")
    assert net["id"] in error["message"]
    assert (await nt.delete(f"/ports/{port['id']}")).status_code == 204
    assert (await nt.delete(f"/networks/{net['id']}")).status_code == 204
    assert await nt.ids("subnets", network_id=net["id"]) == []


async def test_tags_replace_add_check_remove(nt: NeutronClient) -> None:
    net = await nt.network(tags=["blue"])
    assert net["tags"] == ["blue"]
    path = f"/networks/{net['id']}/tags"
    replaced = await nt.put(path, json={"tags": ["red", "green", "red"]})
    assert replaced.status_code == 200 and replaced.json() == {"tags": ["green", "red"]}
    assert (await nt.put(f"{path}/yellow")).status_code == 201
    assert (await nt.get(path)).json() == {"tags": ["green", "red", "yellow"]}
    assert (await nt.get(f"{path}/red")).status_code == 204
    nt.error(await nt.get(f"{path}/blue"), 404, "TagNotFound")
    assert (await nt.delete(f"{path}/red")).status_code == 204
    nt.error(await nt.delete(f"{path}/red"), 404, "TagNotFound")
    assert await nt.ids("networks", tags="green,yellow") == [net["id"]]
    assert await nt.ids("networks", **{"not-tags-any": "green"}) == []
    assert (await nt.delete(path)).status_code == 204
    shown = (await nt.get(f"/networks/{net['id']}")).json()["network"]
    assert shown["tags"] == [] and shown["revision_number"] == 4
    nt.error(await nt.put(path, json={"tags": "nope"}), 400, "HTTPBadRequest")
    nt.error(await nt.put(f"/networks/{net['id']}/tags/a,b"), 400, "HTTPBadRequest")


async def test_availability_zone_hints(nt: NeutronClient) -> None:
    net = await nt.network(availability_zone_hints=["nova"])
    assert net["availability_zone_hints"] == ["nova"]
    nt.error(
        await nt.post("/networks", json={"network": {"availability_zone_hints": ["mars"]}}),
        404,
        "AvailabilityZoneNotFound",
    )
