"""Bad input, other projects and roles: every refusal in Octavia's fault shape, with its
status, and nothing half-written."""

from __future__ import annotations

from tests.api.loadbalancer.conftest import V2, LbClient


async def test_bad_input_isolation_and_roles(lbc: LbClient) -> None:
    alice = await lbc.user("member")
    bob = await lbc.user("member")
    reader = await lbc.user("reader", alice.project_id)
    subnet = await lbc.vip_subnet()

    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token,
                             json={"loadbalancer": {"name": "x"}}),
              400, "VIP must contain one of: vip_port_id, vip_network_id, vip_subnet_id.")
    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token,
                             json={"loadbalancer": {"vip_subnet_id": subnet, "colour": "red"}}),
              400, "colour")
    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token, content=b"{nope",
                             headers={"Content-Type": "application/json"}), 400)
    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token, json={
        "loadbalancer": {"vip_subnet_id": "00000000-0000-0000-0000-00000000dead"}}),
        400, "not found")
    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token, json={
        "loadbalancer": {"vip_subnet_id": subnet, "provider": "f5"}}),
        400, "Provider 'f5' is not enabled.")
    listed = await lbc.get(f"{V2}/loadbalancers", token=alice.token)
    assert listed.json() == {"loadbalancers": [], "loadbalancers_links": []}

    lb = await lbc.active_lb(token=alice.token, name="mine")
    # A taken address is a conflict, and no second record is left behind.
    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token, json={
        "loadbalancer": {"vip_subnet_id": subnet, "vip_address": lb["vip_address"]}}), 409)
    listed = await lbc.get(f"{V2}/loadbalancers", token=alice.token)
    assert [x["id"] for x in listed.json()["loadbalancers"]] == [lb["id"]]

    # Another project sees nothing (404, not 403); a reader reads but does not write.
    lbc.error(await lbc.get(f"{V2}/loadbalancers/{lb['id']}", token=bob.token), 404,
              f"Load Balancer {lb['id']} not found.")
    assert (await lbc.get(f"{V2}/loadbalancers", token=bob.token)).json()["loadbalancers"] == []
    assert (await lbc.get(f"{V2}/loadbalancers/{lb['id']}", token=reader.token)).status_code \
        == 200
    lbc.error(await lbc.put(f"{V2}/loadbalancers/{lb['id']}", token=reader.token,
                            json={"loadbalancer": {"name": "z"}}),
              403, "Policy does not allow this request to be performed.")
    lbc.error(await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                            params={"flavour": "x"}),
              400, "One or more arguments are either duplicate or invalid")
    lbc.error(await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                            params={"sort": "colour:asc"}), 400, "sort_key")
    lbc.error(await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                            params={"marker": "nope"}), 400, "marker")
    lbc.error(await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                            headers={"Accept": "text/html"}), 406)
    # A bad listener leaves the load balancer ACTIVE and nothing recorded.
    lbc.error(await lbc.post(f"{V2}/listeners", token=alice.token, json={"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TCP", "protocol_port": 99,
        "insert_headers": {"X-Forwarded-For": "true"}}}), 400, "header insertion")
    lbc.error(await lbc.post(f"{V2}/listeners", token=alice.token, json={"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TERMINATED_HTTPS", "protocol_port": 443}}),
        400, "certificate container reference must be provided")
    lbc.error(await lbc.post(f"{V2}/listeners", token=alice.token, json={"listener": {
        "loadbalancer_id": lb["id"], "protocol": "TERMINATED_HTTPS", "protocol_port": 443,
        "default_tls_container_ref": "http://x/v1/secrets/0b9ecb3c-0000-4000-8000-000000000000"}}),
        400, "Could not retrieve certificate")
    lbc.error(await lbc.post(f"{V2}/listeners", token=alice.token, json={"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 0}}), 400)
    shown = (await lbc.get(f"{V2}/loadbalancers/{lb['id']}", token=alice.token)).json()
    assert shown["loadbalancer"]["provisioning_status"] == "ACTIVE"
    assert shown["loadbalancer"]["listeners"] == []
    # Paging: two more, then pages of one with next/previous links.
    ids = [lb["id"]] + [(await lbc.active_lb(token=alice.token))["id"] for _ in range(2)]
    first = (await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                           params={"limit": "1"})).json()
    assert [x["id"] for x in first["loadbalancers"]] == ids[:1]
    [link] = first["loadbalancers_links"]
    assert link["rel"] == "next" and f"marker={ids[0]}" in link["href"]
    second = (await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                            params={"limit": "1", "marker": ids[0]})).json()
    assert [x["id"] for x in second["loadbalancers"]] == ids[1:2]
    assert {x["rel"] for x in second["loadbalancers_links"]} == {"next", "previous"}
    last = (await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                          params={"limit": "1", "marker": ids[1]})).json()
    assert [x["rel"] for x in last["loadbalancers_links"]] == ["previous"]
    desc = (await lbc.get(f"{V2}/loadbalancers", token=alice.token,
                          params={"sort": "created_at:desc", "fields": "id"})).json()
    assert desc["loadbalancers"] == [{"id": i} for i in reversed(ids)]
    # Versions.
    root = (await lbc.get("/", token="")).json()["versions"]
    assert root[-1]["status"] == "CURRENT" and root[0]["id"] == "v2.0"
    assert (await lbc.get("/v2", token="")).json() == "v2"


async def test_a_vip_on_another_projects_network_is_not_found(lbc: LbClient) -> None:
    """Octavia asks the network service with the request's context: a network, subnet or
    port the caller cannot see is "not found" (400), and nothing is recorded."""
    admin = {"X-Auth-Token": lbc.admin.token}
    made = await lbc.client.post("/network/v2.0/networks", headers=admin,
                                 json={"network": {"name": "admins"}})
    assert made.status_code == 201, made.text
    network_id = made.json()["network"]["id"]
    made = await lbc.client.post("/network/v2.0/subnets", headers=admin, json={"subnet": {
        "network_id": network_id, "cidr": "10.9.0.0/24", "ip_version": 4}})
    assert made.status_code == 201, made.text
    subnet_id = made.json()["subnet"]["id"]
    made = await lbc.client.post("/network/v2.0/ports", headers=admin,
                                 json={"port": {"network_id": network_id}})
    assert made.status_code == 201, made.text
    port_id = made.json()["port"]["id"]
    alice = await lbc.user("member")
    for field, value, message in (("vip_network_id", network_id, f"Network {network_id}"),
                                  ("vip_subnet_id", subnet_id, f"Subnet {subnet_id}"),
                                  ("vip_port_id", port_id, f"Port {port_id}")):
        lbc.error(await lbc.post(f"{V2}/loadbalancers", token=alice.token,
                                 json={"loadbalancer": {field: value}}),
                  400, f"{message} not found.")
    listed = await lbc.get(f"{V2}/loadbalancers", token=alice.token)
    assert listed.json()["loadbalancers"] == []
    # The VIP network the cloud makes is external: every project may use it.
    await lbc.active_lb(token=alice.token)
