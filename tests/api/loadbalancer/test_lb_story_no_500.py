"""Garbage at every endpoint: each answer is a 4xx in Octavia's fault shape, never a 500, and
nothing is recorded."""

from __future__ import annotations

from tests.api.loadbalancer.conftest import V2, LbClient

BAD_BODIES: list[object] = [
    None, [], "x", 7, {}, {"x": {}}, {"KEY": None}, {"KEY": []}, {"KEY": "x"},
    {"KEY": {"name": 5}}, {"KEY": {"protocol_port": "eighty"}}, {"KEY": {"admin_state_up": "y"}},
    {"KEY": {"tags": "t"}}, {"KEY": {"name": "x" * 300}}, {"KEY": {"unknown": 1}},
]


async def test_no_500_anywhere(lbc: LbClient) -> None:
    lb = await lbc.active_lb(name="target")
    listener = (await lbc.post(f"{V2}/listeners", json={"listener": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "protocol_port": 80}})).json()
    await lbc.wait_lb(lb["id"])
    pool = (await lbc.post(f"{V2}/pools", json={"pool": {
        "loadbalancer_id": lb["id"], "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN"}})).json()
    await lbc.wait_lb(lb["id"])
    lid, pid = listener["listener"]["id"], pool["pool"]["id"]
    targets = [
        ("POST", "/loadbalancers", "loadbalancer"), ("PUT", f"/loadbalancers/{lb['id']}",
                                                     "loadbalancer"),
        ("POST", "/listeners", "listener"), ("PUT", f"/listeners/{lid}", "listener"),
        ("POST", "/pools", "pool"), ("PUT", f"/pools/{pid}", "pool"),
        ("POST", f"/pools/{pid}/members", "member"), ("PUT", f"/pools/{pid}/members", "members"),
        ("POST", "/healthmonitors", "healthmonitor"), ("POST", "/l7policies", "l7policy"),
        ("POST", "/flavors", "flavor"), ("POST", "/flavorprofiles", "flavorprofile"),
        ("POST", "/availabilityzones", "availability_zone"),
        ("PUT", f"/quotas/{lbc.admin.project_id}", "quota"),
    ]
    for method, path, key in targets:
        for body in BAD_BODIES:
            sent = body
            if key == "members" and body == {"KEY": []}:
                continue  # a valid batch: no members at all
            if isinstance(body, dict):
                sent = {(key if k == "KEY" else k): v for k, v in body.items()}
            got = await lbc.request(method, f"{V2}{path}", json=sent)
            assert 400 <= got.status_code < 500, (method, path, sent, got.status_code, got.text)
            lbc.error(got, got.status_code)
    for path in ("/loadbalancers/nope", "/listeners/nope", "/pools/nope/members",
                 "/pools/nope/members/nope", "/healthmonitors/nope", "/l7policies/nope/rules",
                 "/flavors/nope", "/availabilityzones/nope", "/loadbalancers/nope/status",
                 "/loadbalancers/nope/stats", "/listeners/nope/stats"):
        lbc.error(await lbc.get(f"{V2}{path}"), 404)
    for query in ({"limit": "x"}, {"sort": "id:up"}, {"marker": "nope"}, {"page_reverse": "x"},
                  {"admin_state_up": "maybe"}, {"sort_key": "nope"}):
        got = await lbc.get(f"{V2}/loadbalancers", params=query)
        assert got.status_code in (200, 400), (query, got.text)
    listed = (await lbc.get(f"{V2}/loadbalancers")).json()["loadbalancers"]
    assert [x["id"] for x in listed] == [lb["id"]]
    shown = (await lbc.get(f"{V2}/loadbalancers/{lb['id']}")).json()["loadbalancer"]
    assert shown["provisioning_status"] == "ACTIVE" and len(shown["listeners"]) == 1
