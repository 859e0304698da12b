"""Collections: filters on any attribute (repeated values are alternatives), ``fields``,
``sort_key``/``sort_dir``, ``limit``/``marker`` pages with ``<plural>_links``, and the
filters clients send (``device_id``, ``network_id``, ``fixed_ips``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from conftest import NeutronClient


def base_url(nt: NeutronClient) -> str:
    return str(nt.client.base_url).rstrip("/")


async def test_filters(nt: NeutronClient) -> None:
    a = await nt.network("a", mtu=1400)
    b = await nt.network("b", admin_state_up=False)
    c = await nt.network("c", shared=True)
    assert await nt.ids("networks", name="b") == [b["id"]]
    assert sorted(await nt.ids("networks", name=["a", "c"])) == sorted([a["id"], c["id"]])
    assert await nt.ids("networks", admin_state_up="false") == [b["id"]]
    assert await nt.ids("networks", shared="True") == [c["id"]]
    assert await nt.ids("networks", mtu=1400) == [a["id"]]
    assert len(await nt.ids("networks", project_id=nt.project_id)) == 3
    assert len(await nt.ids("networks", tenant_id=nt.project_id)) == 3
    assert await nt.ids("networks", name="a", mtu=1500) == []
    error = nt.error(await nt.get("/networks", params={"colour": "red"}), 400, "HTTPBadRequest")
    assert error["message"] == "['colour'] is invalid attribute for filtering"
    nt.error(await nt.get("/networks", params={"mtu": "big"}), 400, "InvalidInput")
    nt.error(await nt.get("/networks", params={"shared": "maybe"}), 400, "InvalidInput")


async def test_port_filters(nt: NeutronClient) -> None:
    net = await nt.network()
    subnet = await nt.subnet(net["id"])
    vm1 = await nt.port(net["id"], device_id="vm-1", device_owner="compute:nova")
    vm2 = await nt.port(net["id"], device_id="vm-2", device_owner="compute:nova")
    other = await nt.port((await nt.network("other"))["id"], device_id="vm-1")
    assert sorted(await nt.ids("ports", device_id="vm-1")) == sorted([vm1["id"], other["id"]])
    assert await nt.ids("ports", device_id="vm-1", network_id=net["id"]) == [vm1["id"]]
    assert sorted(await nt.ids("ports", device_owner="compute:nova")) == sorted(
        [vm1["id"], vm2["id"]]
    )
    address = vm2["fixed_ips"][0]["ip_address"]
    assert await nt.ids("ports", fixed_ips=f"ip_address={address}") == [vm2["id"]]
    assert sorted(await nt.ids("ports", fixed_ips=f"subnet_id={subnet['id']}")) == sorted(
        [vm1["id"], vm2["id"]]
    )
    assert await nt.ids("ports", mac_address=vm1["mac_address"]) == [vm1["id"]]
    nt.error(await nt.get("/ports", params={"fixed_ips": "colour=red"}), 400, "HTTPBadRequest")


async def test_fields(nt: NeutronClient) -> None:
    net = await nt.network("f")
    await nt.subnet(net["id"])
    port = await nt.port(net["id"], name="p")
    response = await nt.get(
        "/ports",
        params=[
            ("fields", "id"),
            ("fields", "name"),
            ("fields", "mac_address"),
            ("fields", "fixed_ips"),
            ("fields", "status"),
            ("fields", "no_such_field"),
        ],
    )
    [item] = response.json()["ports"]
    assert set(item) == {"id", "name", "mac_address", "fixed_ips", "status"}
    assert item["id"] == port["id"]
    shown = await nt.get(f"/networks/{net['id']}", params={"fields": "name"})
    assert shown.json() == {"network": {"name": "f"}}


async def test_sorting(nt: NeutronClient) -> None:
    for name, mtu in (("b", 1400), ("a", 1400), ("c", 1300)):
        await nt.network(name, mtu=mtu)

    async def names(*sort: tuple[str, str]) -> list[str]:
        params = [
            (k, v)
            for key, direction in sort
            for k, v in (("sort_key", key), ("sort_dir", direction))
        ]
        response = await nt.get("/networks", params=params)
        assert response.status_code == 200, response.text
        return [n["name"] for n in response.json()["networks"]]

    assert await names(("name", "asc")) == ["a", "b", "c"]
    assert await names(("name", "desc")) == ["c", "b", "a"]
    assert await names(("mtu", "asc"), ("name", "desc")) == ["c", "b", "a"]
    assert await names(("mtu", "desc"), ("name", "asc")) == ["a", "b", "c"]
    keys_only = await nt.get("/networks", params={"sort_key": "name"})
    assert [n["name"] for n in keys_only.json()["networks"]] == ["a", "b", "c"]
    nt.error(await nt.get("/networks", params={"sort_key": "colour"}), 400, "HTTPBadRequest")
    nt.error(
        await nt.get("/networks", params={"sort_key": "name", "sort_dir": "up"}),
        400,
        "HTTPBadRequest",
    )
    nt.error(
        await nt.get(
            "/networks", params=[("sort_key", "name"), ("sort_dir", "asc"), ("sort_dir", "asc")]
        ),
        400,
        "HTTPBadRequest",
    )


async def test_paging_follows_next_links(nt: NeutronClient) -> None:
    made = [await nt.network(f"n{i}") for i in range(5)]
    expected = sorted(n["name"] for n in made)
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2", "sort_key": "name", "sort_dir": "asc"}
    pages = 0
    while True:
        response = await nt.get("/networks", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [n["name"] for n in body["networks"]]
        pages += 1
        nexts = [link for link in body.get("networks_links", []) if link["rel"] == "next"]
        if not nexts:
            break
        href = nexts[0]["href"]
        assert href.startswith(f"{base_url(nt)}/network/v2.0/networks?")
        params = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        assert params["limit"] == "2"
    assert seen == expected and pages == 3
    # A previous link leads back.
    second = await nt.get(
        "/networks", params={"limit": "2", "sort_key": "name", "marker": made[1]["id"]}
    )
    body = second.json()
    assert [n["name"] for n in body["networks"]] == ["n2", "n3"]
    [previous] = [link for link in body["networks_links"] if link["rel"] == "previous"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(previous["href"]).query).items()}
    back = await nt.get("/networks", params=query)
    assert [n["name"] for n in back.json()["networks"]] == ["n0", "n1"]
    nt.error(await nt.get("/networks", params={"limit": "-1"}), 400, "HTTPBadRequest")
    nt.error(await nt.get("/networks", params={"limit": "x"}), 400, "HTTPBadRequest")
    nt.error(await nt.get("/networks", params={"marker": "nope"}), 404, "NetworkNotFound")
    everything = await nt.get("/networks", params={"limit": "0"})
    assert len(everything.json()["networks"]) == 5
    assert "networks_links" not in everything.json()
