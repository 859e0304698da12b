"""A member builds a load balancer's whole graph on the no-op provider, piece by piece, as
`openstack loadbalancer ...` would: each change locks the load balancer (409 while it is
PENDING), the controller settles it ACTIVE, operating statuses stay OFFLINE (no data plane),
and a cascade delete removes everything."""

from __future__ import annotations

from typing import Any

from tests.api.loadbalancer.conftest import V2, LbClient

from pocketstack.loadbalancer.amphora.noop import NoopDriver


async def _settled(lbc: LbClient, lb_id: str, token: str) -> dict[str, Any]:
    found = await lbc.wait_lb(lb_id, token=token)
    assert found is not None
    return found


async def test_graph_story(lbc: LbClient) -> None:
    member = await lbc.user("member")
    t = member.token
    made = await lbc.create_lb(token=t, name="web", tags=["blue"])
    assert made["provisioning_status"] == "PENDING_CREATE"
    assert made["operating_status"] == "OFFLINE"
    assert made["vip_address"].startswith("127.")
    assert made["tenant_id"] == made["project_id"] == member.project_id
    assert made["provider"] == "noop_driver" and made["listeners"] == [] and made["pools"] == []
    lb_id = made["id"]
    # Immutable while pending: a listener on a PENDING_CREATE load balancer is a 409.
    early = await lbc.post(f"{V2}/listeners", token=t, json={"listener": {
        "loadbalancer_id": lb_id, "protocol": "HTTP", "protocol_port": 80}})
    if early.status_code != 201:
        lbc.error(early, 409, "is immutable and cannot be updated")
    lb = await _settled(lbc, lb_id, t)
    assert lb["operating_status"] == "OFFLINE"

    if early.status_code == 201:
        listener = early.json()["listener"]
    else:
        got = await lbc.post(f"{V2}/listeners", token=t, json={"listener": {
            "loadbalancer_id": lb_id, "protocol": "HTTP", "protocol_port": 80, "name": "l1"}})
        assert got.status_code == 201, got.text
        listener = got.json()["listener"]
    assert listener["loadbalancers"] == [{"id": lb_id}]
    assert listener["connection_limit"] == -1 and listener["timeout_client_data"] == 50000
    assert listener["tls_ciphers"] is None and listener["insert_headers"] == {}
    await _settled(lbc, lb_id, t)
    # The same port on the same L4 protocol is taken; UDP on that port is fine.
    clash = await lbc.post(f"{V2}/listeners", token=t, json={"listener": {
        "loadbalancer_id": lb_id, "protocol": "TCP", "protocol_port": 80}})
    lbc.error(clash, 409, "already using protocol TCP and protocol_port 80")

    got = await lbc.post(f"{V2}/pools", token=t, json={"pool": {
        "listener_id": listener["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
        "name": "p1", "session_persistence": {"type": "APP_COOKIE", "cookie_name": "sid"}}})
    assert got.status_code == 201, got.text
    pool = got.json()["pool"]
    assert pool["listeners"] == [{"id": listener["id"]}]
    await _settled(lbc, lb_id, t)
    shown = (await lbc.get(f"{V2}/listeners/{listener['id']}", token=t)).json()["listener"]
    assert shown["default_pool_id"] == pool["id"]
    # A second default pool for the listener is a conflict.
    again = await lbc.post(f"{V2}/pools", token=t, json={"pool": {
        "listener_id": listener["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}})
    lbc.error(again, 409, "already has default pool")
    # SOURCE_IP_PORT: the amphora provider does not implement it (501); this one is no-op.
    bad = await lbc.post(f"{V2}/pools", token=t, json={"pool": {
        "loadbalancer_id": lb_id, "protocol": "HTTP", "lb_algorithm": "SOURCE_IP_PORT",
        "session_persistence": {"type": "APP_COOKIE"}}})
    lbc.error(bad, 400, "cookie_name is required")

    members = []
    for n in range(3):
        got = await lbc.post(f"{V2}/pools/{pool['id']}/members", token=t, json={"member": {
            "address": f"127.0.1.{n + 1}", "protocol_port": 8000, "name": f"m{n}"}})
        assert got.status_code == 201, got.text
        members.append(got.json()["member"])
        assert members[-1]["operating_status"] == "NO_MONITOR"
        await _settled(lbc, lb_id, t)
    dup = await lbc.post(f"{V2}/pools/{pool['id']}/members", token=t, json={"member": {
        "address": "127.0.1.1", "protocol_port": 8000}})
    lbc.error(dup, 409, "already using ip address 127.0.1.1")
    by_name = await lbc.get(f"{V2}/pools/{pool['id']}/members", token=t, params={"name": "m1"})
    assert [m["id"] for m in by_name.json()["members"]] == [members[1]["id"]]

    got = await lbc.post(f"{V2}/healthmonitors", token=t, json={"healthmonitor": {
        "pool_id": pool["id"], "type": "HTTP", "delay": 1, "timeout": 1, "max_retries": 2}})
    assert got.status_code == 201, got.text
    hm = got.json()["healthmonitor"]
    assert hm["http_method"] == "GET" and hm["url_path"] == "/" and hm["expected_codes"] == "200"
    assert hm["max_retries_down"] == 3 and hm["pools"] == [{"id": pool["id"]}]
    await _settled(lbc, lb_id, t)
    hm = (await lbc.get(f"{V2}/healthmonitors/{hm['id']}", token=t)).json()["healthmonitor"]
    assert (hm["provisioning_status"], hm["operating_status"]) == ("ACTIVE", "ONLINE")
    lbc.error(await lbc.post(f"{V2}/healthmonitors", token=t, json={"healthmonitor": {
        "pool_id": pool["id"], "type": "TCP", "delay": 1, "timeout": 1, "max_retries": 2}}),
        409, "already has a health monitor")

    got = await lbc.post(f"{V2}/l7policies", token=t, json={"l7policy": {
        "listener_id": listener["id"], "action": "REDIRECT_TO_URL",
        "redirect_url": "https://example.com/"}})
    assert got.status_code == 201, got.text
    policy = got.json()["l7policy"]
    assert policy["redirect_http_code"] == 302 and policy["position"] == 1
    await _settled(lbc, lb_id, t)
    got = await lbc.post(f"{V2}/l7policies/{policy['id']}/rules", token=t, json={"rule": {
        "type": "PATH", "compare_type": "STARTS_WITH", "value": "/old"}})
    assert got.status_code == 201, got.text
    await _settled(lbc, lb_id, t)

    # Every kind can be changed (and each change settles ACTIVE again).
    noop = lbc.service.drivers["noop"]
    assert isinstance(noop, NoopDriver)
    for path, key, change in (
            (f"listeners/{listener['id']}", "listener", {"name": "l1b", "connection_limit": 10}),
            (f"pools/{pool['id']}", "pool", {"lb_algorithm": "LEAST_CONNECTIONS"}),
            (f"pools/{pool['id']}/members/{members[0]['id']}", "member", {"weight": 7}),
            (f"healthmonitors/{hm['id']}", "healthmonitor", {"delay": 3}),
            (f"l7policies/{policy['id']}", "l7policy", {"redirect_http_code": 301}),
    ):
        noop.proceed.clear()  # the change stays in flight until the second try is refused
        put = await lbc.put(f"{V2}/{path}", token=t, json={key: change})
        assert put.status_code == 200, put.text
        assert put.json()[key]["provisioning_status"] == "PENDING_UPDATE"
        again = await lbc.put(f"{V2}/{path}", token=t, json={key: change})
        lbc.error(again, 409, "is immutable and cannot be updated")
        noop.proceed.set()
        await _settled(lbc, lb_id, t)
        shown = (await lbc.get(f"{V2}/{path}", token=t)).json()[key]
        assert shown["provisioning_status"] == "ACTIVE"
        assert {k: shown[k] for k in change} == change, shown

    status = (await lbc.get(f"{V2}/loadbalancers/{lb_id}/status", token=t)).json()
    tree = status["statuses"]["loadbalancer"]
    assert tree["provisioning_status"] == "ACTIVE"
    [tl] = tree["listeners"]
    [tp] = tl["pools"]
    assert tp["health_monitor"]["type"] == "HTTP" and len(tp["members"]) == 3
    stats = (await lbc.get(f"{V2}/loadbalancers/{lb_id}/stats", token=t)).json()["stats"]
    assert stats == {"bytes_in": 0, "bytes_out": 0, "active_connections": 0,
                     "total_connections": 0, "request_errors": 0}

    # Batch: replace the members by two (one kept, one new); 202 and one change.
    batch = await lbc.put(f"{V2}/pools/{pool['id']}/members", token=t, json={"members": [
        {"address": "127.0.1.1", "protocol_port": 8000, "weight": 5},
        {"address": "127.0.1.9", "protocol_port": 8000}]})
    assert batch.status_code == 202, batch.text
    await _settled(lbc, lb_id, t)
    now = (await lbc.get(f"{V2}/pools/{pool['id']}/members", token=t)).json()["members"]
    assert sorted((m["address"], m["weight"]) for m in now) == [("127.0.1.1", 5),
                                                                ("127.0.1.9", 1)]

    # Tags: set replaces; list filters.
    put = await lbc.put(f"{V2}/loadbalancers/{lb_id}", token=t,
                        json={"loadbalancer": {"tags": ["blue", "prod"]}})
    assert put.status_code == 200, put.text
    await _settled(lbc, lb_id, t)
    tagged = await lbc.get(f"{V2}/loadbalancers", token=t, params=[("tags", "prod")])
    assert [x["id"] for x in tagged.json()["loadbalancers"]] == [lb_id]
    none = await lbc.get(f"{V2}/loadbalancers", token=t, params=[("not-tags-any", "blue")])
    assert none.json()["loadbalancers"] == []

    # Without cascade a load balancer with children cannot go.
    lbc.error(await lbc.delete(f"{V2}/loadbalancers/{lb_id}", token=t), 400, "it has children")
    gone = await lbc.delete(f"{V2}/loadbalancers/{lb_id}", token=t, params={"cascade": "true"})
    assert gone.status_code == 204, gone.text
    assert await lbc.wait_lb(lb_id, None, token=t) is None
    for path in (f"listeners/{listener['id']}", f"pools/{pool['id']}",
                 f"healthmonitors/{hm['id']}", f"l7policies/{policy['id']}"):
        lbc.error(await lbc.get(f"{V2}/{path}", token=t), 404, "not found")
