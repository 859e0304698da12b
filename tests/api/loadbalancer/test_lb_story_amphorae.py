"""Amphorae (admin): each load balancer has one STANDALONE amphora (SINGLE); failover
replaces it with a new one (the old DELETED, hidden); members of projects see none (403);
only an amphora in ERROR can be deleted; providers list the no-op driver too."""

from __future__ import annotations

from tests.api.loadbalancer.conftest import V2, LbClient

AMP = "/v2/octavia/amphorae"


async def test_amphorae_story(lbc: LbClient) -> None:
    member = await lbc.user("member")
    lb = await lbc.active_lb(name="one")
    listed = (await lbc.get(AMP, params={"loadbalancer_id": lb["id"]})).json()
    [amp] = listed["amphorae"]
    assert (amp["role"], amp["status"], amp["loadbalancer_id"]) == ("STANDALONE", "ALLOCATED",
                                                                     lb["id"])
    assert listed["amphorae_links"] == []
    shown = (await lbc.get(f"{AMP}/{amp['id']}")).json()["amphora"]
    assert shown["id"] == amp["id"] and shown["ha_ip"] == lb["vip_address"]
    stats = (await lbc.get(f"{AMP}/{amp['id']}/stats")).json()
    assert stats == {"amphora_stats": []}
    lbc.error(await lbc.get(AMP, token=member.token), 403)
    lbc.error(await lbc.delete(f"{AMP}/{amp['id']}"), 409, "only amphorae in ERROR")

    assert (await lbc.put(f"{AMP}/{amp['id']}/failover")).status_code == 202
    await lbc.wait_lb(lb["id"])
    [new] = (await lbc.get(AMP, params={"loadbalancer_id": lb["id"]})).json()["amphorae"]
    assert new["id"] != amp["id"] and new["role"] == "STANDALONE"
    lbc.error(await lbc.get(f"{AMP}/{amp['id']}"), 404)
    assert (await lbc.put(f"{V2}/loadbalancers/{lb['id']}/failover")).status_code == 202
    await lbc.wait_lb(lb["id"])
    lbc.error(await lbc.put(f"{V2}/loadbalancers/{lb['id']}/failover", token=member.token), 404)

    providers = (await lbc.get(f"{V2}/providers")).json()["providers"]
    assert {p["name"] for p in providers} >= {"amphora", "octavia", "noop_driver"}
    gone = await lbc.delete(f"{V2}/loadbalancers/{lb['id']}")
    assert gone.status_code == 204
    assert await lbc.wait_lb(lb["id"], None) is None
    assert (await lbc.get(AMP, params={"loadbalancer_id": lb["id"]})).json()["amphorae"] == []
