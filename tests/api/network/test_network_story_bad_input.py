"""Bad input: malformed bodies, wrong shapes and types, unknown attributes, wrong methods,
odd query strings. Each answers Neutron's status and error shape, never a 500, and writes
nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import NeutronClient


BODIES: list[tuple[str, Any]] = [
    ("networks", b"{not json"),
    ("networks", b""),
    ("networks", []),
    ("networks", {"net": {}}),
    ("networks", {"network": "x"}),
    ("networks", {"network": {"name": 5}}),
    ("networks", {"network": {"name": "x" * 256}}),
    ("networks", {"network": {"admin_state_up": "yes"}}),
    ("networks", {"network": {"mtu": 9000}}),
    ("networks", {"network": {"status": "DOWN"}}),
    ("networks", {"network": {"id": "mine"}}),
    ("networks", {"network": {"tags": ["a,b"]}}),
    ("subnets", {"subnet": {"ip_version": 4}}),
    ("subnets", {"subnet": {"network_id": "x", "ip_version": "4", "cidr": "10.0.0.0/24"}}),
    ("subnets", {"subnet": {"network_id": "x", "ip_version": 4, "allocation_pools": "a"}}),
    ("ports", {"port": {}}),
    ("ports", {"port": {"network_id": 7}}),
    ("ports", {"port": {"network_id": "x", "fixed_ips": {"ip_address": "1.2.3.4"}}}),
    ("ports", {"port": {"network_id": "x", "binding:vnic_type": "fancy"}}),
    ("ports", {"port": {"network_id": "x", "security_groups": "default"}}),
    ("security-groups", {"security_group": {"name": None}}),
    ("security-group-rules", {"security_group_rule": {"direction": "ingress"}}),
    (
        "security-group-rules",
        {
            "security_group_rule": {
                "security_group_id": "x",
                "direction": "ingress",
                "port_range_min": "eighty",
            }
        },
    ),
]


async def test_bad_bodies_are_400_and_write_nothing(nt: NeutronClient) -> None:
    for plural, body in BODIES:
        before = await nt.ids(plural)
        if isinstance(body, bytes):
            response = await nt.post(
                f"/{plural}", content=body, headers={"Content-Type": "application/json"}
            )
        else:
            response = await nt.post(f"/{plural}", json=body)
        nt.error(response, 400, "HTTPBadRequest")
        assert await nt.ids(plural) == before, (plural, body)


async def test_bad_updates(nt: NeutronClient) -> None:
    net = await nt.network("n")
    path = f"/networks/{net['id']}"
    for body in (
        {"network": {"availability_zone_hints": ["nova"]}},
        {"network": {"project_id": "other"}},
        {"network": {"mtu": 10}},
        {"network": {"name": ["x"]}},
        {"port": {"name": "x"}},
    ):
        nt.error(await nt.put(path, json=body), 400, "HTTPBadRequest")
    shown = (await nt.get(path)).json()["network"]
    assert shown["name"] == "n" and shown["revision_number"] == 0


async def test_methods_and_paths(nt: NeutronClient) -> None:
    net = await nt.network()
    error = nt.error(await nt.post(f"/networks/{net['id']}", json={}), 405)
    assert error["type"] == "MethodNotAllowed"
    nt.error(await nt.delete("/networks"), 405)
    nt.error(await nt.get("/routers"), 404)
    nt.error(await nt.get("/networks/%00%27;drop"), 404, "NetworkNotFound")
    nt.error(await nt.get("/ports/" + "x" * 300), 404, "PortNotFound")


async def test_odd_queries(nt: NeutronClient) -> None:
    await nt.network()
    for params in (
        {"created_at": "2020"},
        {"subnets": "x"},
        {"router:internal": "1"},
        {"page_reverse": "sideways"},
        {"tags": ""},
        {"sort_key": "subnets"},
    ):
        response = await nt.get("/networks", params=params)
        assert response.status_code in (200, 400), response.text
        if response.status_code == 400:
            nt.error(response, 400)
    assert len(await nt.ids("networks", sort_key="created_at", sort_dir="desc")) == 1
    assert await nt.ids("networks", name="") == []
