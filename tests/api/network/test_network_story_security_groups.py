"""Security groups: each project's ``default`` group made on first use with Neutron's four
rules, new groups with the two egress rules, rules created (checked, normalised, never
twice) and deleted, the default group guarded, a group in use kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import NeutronClient


def _shape(rule: dict[str, Any]) -> tuple[Any, ...]:
    return (
        rule["direction"],
        rule["ethertype"],
        rule["protocol"],
        rule["remote_ip_prefix"],
        rule["remote_group_id"],
    )


async def test_default_group_on_first_use(nt: NeutronClient) -> None:
    listed = await nt.get("/security-groups")
    assert listed.status_code == 200, listed.text
    [group] = listed.json()["security_groups"]
    assert group["name"] == "default" and group["description"] == "Default security group"
    assert group["project_id"] == group["tenant_id"] == nt.project_id
    assert group["stateful"] is True and group["shared"] is False
    rules = group["security_group_rules"]
    assert sorted(_shape(r) for r in rules) == sorted(
        [
            ("egress", "IPv4", None, None, None),
            ("egress", "IPv6", None, None, None),
            ("ingress", "IPv4", None, None, group["id"]),
            ("ingress", "IPv6", None, None, group["id"]),
        ]
    )
    assert all(r["security_group_id"] == group["id"] and r["belongs_to_default_sg"] for r in rules)
    again = (await nt.get("/security-groups")).json()["security_groups"]
    assert [g["id"] for g in again] == [group["id"]]
    rule_ids = await nt.ids("security-group-rules", security_group_id=group["id"])
    assert sorted(rule_ids) == sorted(r["id"] for r in rules)


async def test_groups_and_rules(nt: NeutronClient) -> None:
    group = await nt.create("security-groups", "security_group", name="web", description="front")
    assert sorted(_shape(r) for r in group["security_group_rules"]) == [
        ("egress", "IPv4", None, None, None),
        ("egress", "IPv6", None, None, None),
    ]
    response = await nt.post(
        "/security-group-rules",
        json={
            "security_group_rule": {
                "security_group_id": group["id"],
                "direction": "ingress",
                "protocol": "tcp",
                "port_range_min": 80,
                "port_range_max": 443,
                "remote_ip_prefix": "192.168.1.7/16",
            }
        },
    )
    assert response.status_code == 201, response.text
    rule = response.json()["security_group_rule"]
    assert rule["ethertype"] == "IPv4" and rule["remote_ip_prefix"] == "192.168.0.0/16"
    assert (rule["port_range_min"], rule["port_range_max"]) == (80, 443)
    assert rule["belongs_to_default_sg"] is False
    duplicate = await nt.post(
        "/security-group-rules",
        json={
            "security_group_rule": {
                "security_group_id": group["id"],
                "direction": "ingress",
                "protocol": "tcp",
                "port_range_min": 80,
                "port_range_max": 443,
                "remote_ip_prefix": "192.168.0.0/16",
            }
        },
    )
    assert rule["id"] in nt.error(duplicate, 409, "SecurityGroupRuleExists")["message"]
    shown = (await nt.get(f"/security-groups/{group['id']}")).json()["security_group"]
    assert len(shown["security_group_rules"]) == 3 and shown["revision_number"] == 1
    assert (await nt.get(f"/security-group-rules/{rule['id']}")).json()[
        "security_group_rule"
    ] == rule
    nt.error(await nt.put(f"/security-group-rules/{rule['id']}", json={}), 405)
    assert (await nt.delete(f"/security-group-rules/{rule['id']}")).status_code == 204
    nt.error(await nt.get(f"/security-group-rules/{rule['id']}"), 404, "SecurityGroupRuleNotFound")
    renamed = await nt.put(
        f"/security-groups/{group['id']}",
        json={"security_group": {"name": "www", "stateful": False}},
    )
    assert renamed.json()["security_group"]["name"] == "www"
    assert renamed.json()["security_group"]["stateful"] is False
    assert (await nt.delete(f"/security-groups/{group['id']}")).status_code == 204
    nt.error(await nt.get(f"/security-groups/{group['id']}"), 404, "SecurityGroupNotFound")


async def test_rule_checks(nt: NeutronClient) -> None:
    group = await nt.create("security-groups", "security_group", name="g")

    async def refused(status: int, kind: str, **fields: Any) -> str:
        body = {"security_group_id": group["id"], "direction": "ingress", **fields}
        response = await nt.post("/security-group-rules", json={"security_group_rule": body})
        return str(nt.error(response, status, kind)["message"])

    await refused(400, "HTTPBadRequest", direction="sideways")
    await refused(400, "HTTPBadRequest", protocol="tcp", port_range_min=90, port_range_max=80)
    await refused(400, "HTTPBadRequest", protocol="tcp", port_range_min=0, port_range_max=80)
    await refused(400, "HTTPBadRequest", port_range_min=22, port_range_max=22)
    await refused(400, "HTTPBadRequest", protocol="gre", port_range_min=1, port_range_max=2)
    await refused(400, "HTTPBadRequest", protocol="icmp", port_range_max=0)
    assert "not supported" in await refused(400, "HTTPBadRequest", protocol="smoke")
    await refused(400, "HTTPBadRequest", protocol=256)
    assert "Conflicting value ethertype" in await refused(
        400, "HTTPBadRequest", ethertype="IPv4", remote_ip_prefix="fd00::/64"
    )
    await refused(400, "HTTPBadRequest", remote_ip_prefix="10.0.0.0/8", remote_group_id=group["id"])
    await refused(404, "SecurityGroupNotFound", remote_group_id="nope")
    await refused(404, "SecurityGroupNotFound", security_group_id="nope")
    await refused(400, "HTTPBadRequest", security_group_id=group["id"], colour="red")
    icmp = await nt.create(
        "security-group-rules",
        "security_group_rule",
        security_group_id=group["id"],
        direction="ingress",
        protocol="icmp",
        port_range_min=8,
        port_range_max=0,
    )
    assert icmp["protocol"] == "icmp" and icmp["port_range_min"] == 8
    numbered = await nt.create(
        "security-group-rules",
        "security_group_rule",
        security_group_id=group["id"],
        direction="egress",
        ethertype="IPv6",
        protocol="58",
    )
    assert numbered["protocol"] == "58"
    shown = (await nt.get(f"/security-groups/{group['id']}")).json()["security_group"]
    assert len(shown["security_group_rules"]) == 4


async def test_default_group_is_guarded_and_groups_in_use_stay(nt: NeutronClient) -> None:
    project, token = await nt.member()
    [default] = (await nt.get("/security-groups", token=token)).json()["security_groups"]
    assert default["name"] == "default" and default["project_id"] == project
    nt.error(
        await nt.delete(f"/security-groups/{default['id']}", token=token),
        409,
        "SecurityGroupCannotRemoveDefault",
    )
    nt.error(
        await nt.put(
            f"/security-groups/{default['id']}",
            token=token,
            json={"security_group": {"name": "other"}},
        ),
        409,
        "SecurityGroupCannotUpdateDefault",
    )
    nt.error(
        await nt.post(
            "/security-groups", token=token, json={"security_group": {"name": "default"}}
        ),
        409,
        "SecurityGroupDefaultAlreadyExists",
    )
    net = await nt.create("networks", "network", token=token, name="n")
    port = await nt.create("ports", "port", token=token, network_id=net["id"])
    assert port["security_groups"] == [default["id"]]
    group = await nt.create("security-groups", "security_group", token=token, name="g")
    await nt.put(
        f"/ports/{port['id']}", token=token, json={"port": {"security_groups": [group["id"]]}}
    )
    nt.error(
        await nt.delete(f"/security-groups/{group['id']}", token=token), 409, "SecurityGroupInUse"
    )
    assert await nt.ids("ports", token=token, security_groups=group["id"]) == [port["id"]]
    # Admin may remove a project's default group (once no port uses it).
    assert (await nt.delete(f"/security-groups/{default['id']}")).status_code == 204
