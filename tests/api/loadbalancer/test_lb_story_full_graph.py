"""A load balancer created with its whole graph in one POST: listeners with default pools
and L7 policies (a redirect pool referenced by name, rules), pools with members and a health
monitor. The answer embeds the objects; the controller settles the graph as one change; a
bad part refuses the whole request and records nothing."""

from __future__ import annotations

from typing import Any

from tests.api.loadbalancer.conftest import V2, LbClient


def _graph(subnet: str) -> dict[str, Any]:
    return {"loadbalancer": {
        "vip_subnet_id": subnet, "name": "graph",
        "listeners": [{
            "name": "http", "protocol": "HTTP", "protocol_port": 80,
            "default_pool": {"name": "web"},
            "l7policies": [{"name": "api", "action": "REDIRECT_TO_POOL",
                            "redirect_pool": {"name": "api"},
                            "rules": [{"type": "PATH", "compare_type": "STARTS_WITH",
                                       "value": "/api"}]}],
        }],
        "pools": [
            {"name": "web", "protocol": "HTTP", "lb_algorithm": "ROUND_ROBIN",
             "members": [{"address": "127.0.0.1", "protocol_port": 8001},
                         {"address": "127.0.0.2", "protocol_port": 8001}],
             "healthmonitor": {"type": "HTTP", "delay": 2, "timeout": 1, "max_retries": 2}},
            {"name": "api", "protocol": "HTTP", "lb_algorithm": "LEAST_CONNECTIONS",
             "members": [{"address": "127.0.0.3", "protocol_port": 9000}]},
        ],
    }}


async def test_full_graph_story(lbc: LbClient) -> None:
    subnet = await lbc.vip_subnet()
    made = await lbc.post(f"{V2}/loadbalancers", json=_graph(subnet))
    assert made.status_code == 201, made.text
    lb = made.json()["loadbalancer"]
    [listener] = lb["listeners"]
    pools = {p["name"]: p for p in lb["pools"]}
    assert listener["default_pool_id"] == pools["web"]["id"]
    assert listener["provisioning_status"] == "PENDING_CREATE"
    assert len(pools["web"]["members"]) == 2 and pools["web"]["healthmonitor_id"]
    assert await lbc.wait_lb(lb["id"]) is not None
    tree = (await lbc.get(f"{V2}/loadbalancers/{lb['id']}/status")).json()["statuses"]
    [tl] = tree["loadbalancer"]["listeners"]
    assert {p["name"] for p in tl["pools"]} == {"web", "api"}
    policies = (await lbc.get(f"{V2}/l7policies")).json()["l7policies"]
    assert [(p["action"], p["redirect_pool_id"], p["position"], p["provisioning_status"])
            for p in policies] == [("REDIRECT_TO_POOL", pools["api"]["id"], 1, "ACTIVE")]
    shown = (await lbc.get(f"{V2}/loadbalancers/{lb['id']}")).json()["loadbalancer"]
    assert shown["listeners"] == [{"id": listener["id"]}]

    # A reference to a pool nobody specified, a duplicate pool name, a bad member: 400,
    # nothing recorded.
    bad = _graph(subnet)
    bad["loadbalancer"]["listeners"][0]["default_pool"] = {"name": "nowhere"}
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json=bad), 400,
              "Missing details for Pool object: nowhere")
    bad = _graph(subnet)
    bad["loadbalancer"]["pools"][1]["name"] = "web"
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json=bad), 400, "given twice")
    bad = _graph(subnet)
    bad["loadbalancer"]["pools"][0]["members"][0]["address"] = "not-an-ip"
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json=bad), 400)
    bad = _graph(subnet)
    bad["loadbalancer"]["listeners"].append({"protocol": "TCP", "protocol_port": 80})
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json=bad), 409, "protocol_port 80")
    bad = _graph(subnet)  # a taken VIP address fails after the records were written
    bad["loadbalancer"]["vip_address"] = lb["vip_address"]
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json=bad), 409)
    listed = (await lbc.get(f"{V2}/loadbalancers")).json()["loadbalancers"]
    assert [x["id"] for x in listed] == [lb["id"]]
    assert len((await lbc.get(f"{V2}/pools")).json()["pools"]) == 2
    # The quota counts the whole graph.
    put = await lbc.put(f"/v2/lbaas/quotas/{lbc.admin.project_id}",
                        json={"quota": {"member": 4}})
    assert put.status_code == 202, put.text
    lbc.error(await lbc.post(f"{V2}/loadbalancers", json=_graph(subnet)), 403,
              "Quota has been met for resources: Member")
