"""Story: an admin reads the default quotas, sets a project's quota (both spellings), lists the
projects with custom quotas and resets one; a member reads its own project's quota but may
not change it, and its second load balancer passes a quota of one."""

from __future__ import annotations

from tests.api.loadbalancer.conftest import V2, LbClient

QUOTAS = f"{V2}/quotas"
UNLIMITED = {"loadbalancer": -1, "load_balancer": -1, "listener": -1, "member": -1,
             "pool": -1, "healthmonitor": -1, "health_monitor": -1, "l7policy": -1,
             "l7rule": -1}


async def test_quota_defaults_set_list_and_reset(lbc: LbClient) -> None:
    member = await lbc.user("member")
    project = member.project_id
    defaults = await lbc.get(f"{QUOTAS}/defaults")
    assert defaults.status_code == 200, defaults.text
    assert defaults.json() == {"quota": UNLIMITED}
    own_default = await lbc.get(f"{QUOTAS}/{project}/default", token=member.token)
    assert own_default.json() == {"quota": {**UNLIMITED, "project_id": project}}
    assert (await lbc.get(QUOTAS)).json() == {"quotas": [], "quotas_links": []}
    shown = await lbc.get(f"{QUOTAS}/{project}")
    assert shown.json() == {"quota": {**UNLIMITED, "project_id": project}}

    put = await lbc.put(f"{QUOTAS}/{project}", json={"quota": {
        "loadbalancer": 5, "load_balancer": 7, "health_monitor": 3, "pool": 0}})
    assert put.status_code == 202, put.text
    expected = {**UNLIMITED, "loadbalancer": 5, "load_balancer": 5, "healthmonitor": 3,
                "health_monitor": 3, "pool": 0, "project_id": project}
    assert put.json() == {"quota": expected}
    assert (await lbc.get(f"{QUOTAS}/{project}", token=member.token)).json() == {
        "quota": expected}
    assert (await lbc.get(f"{QUOTAS}/{project}/default")).json()["quota"]["pool"] == -1

    again = await lbc.put(f"{QUOTAS}/{project}", json={"quota": {"pool": None,
                                                                  "listener": 10}})
    assert again.json()["quota"]["pool"] == -1 and again.json()["quota"]["listener"] == 10
    assert again.json()["quota"]["loadbalancer"] == 5

    await lbc.put(f"{QUOTAS}/{lbc.admin.project_id}", json={"quota": {"member": 100}})
    listed = (await lbc.get(QUOTAS)).json()
    assert sorted(q["project_id"] for q in listed["quotas"]) == sorted(
        [project, lbc.admin.project_id])
    mine = next(q for q in listed["quotas"] if q["project_id"] == project)
    assert mine["load_balancer"] == 5 and mine["healthmonitor"] == 3
    one = (await lbc.get(QUOTAS, params={"project_id": project})).json()["quotas"]
    assert [q["project_id"] for q in one] == [project]
    paged = (await lbc.get(QUOTAS, params={"limit": 1})).json()
    assert len(paged["quotas"]) == 1 and paged["quotas_links"][0]["rel"] == "next"
    seen_by_member = (await lbc.get(QUOTAS, token=member.token)).json()["quotas"]
    assert [q["project_id"] for q in seen_by_member] == [project]

    lbc.error(await lbc.put(f"{QUOTAS}/{project}", token=member.token,
                            json={"quota": {"loadbalancer": 100}}), 403,
              "Policy does not allow this request to be performed.")
    lbc.error(await lbc.delete(f"{QUOTAS}/{project}", token=member.token), 403)
    lbc.error(await lbc.get(f"{QUOTAS}/{lbc.admin.project_id}", token=member.token), 403)
    lbc.error(await lbc.get(QUOTAS, token=member.token,
                            params={"project_id": lbc.admin.project_id}), 403)
    lbc.error(await lbc.put(f"{QUOTAS}/{project}", json={"quota": {"loadbalancer": -2}}), 400)
    lbc.error(await lbc.put(f"{QUOTAS}/{project}", json={"quota": {"loadbalancer": "x"}}),
              400)
    lbc.error(await lbc.put(f"{QUOTAS}/{project}", json={"quota": {"amphora": 1}}), 400)
    lbc.error(await lbc.put(f"{QUOTAS}/{project}", json={"quota": {
        "pool": 2000000001}}), 400)

    reset = await lbc.delete(f"{QUOTAS}/{project}")
    assert reset.status_code == 202, reset.text
    assert (await lbc.get(f"{QUOTAS}/{project}")).json()["quota"] == {
        **UNLIMITED, "project_id": project}
    listed = (await lbc.get(QUOTAS)).json()["quotas"]
    assert [q["project_id"] for q in listed] == [lbc.admin.project_id]


async def test_quota_of_one_load_balancer(lbc: LbClient) -> None:
    member = await lbc.user("member")
    put = await lbc.put(f"{QUOTAS}/{member.project_id}", json={"quota": {"load_balancer": 1}})
    assert put.status_code == 202, put.text
    await lbc.create_lb(token=member.token, name="first")
    subnet = await lbc.vip_subnet()
    lbc.error(await lbc.post(f"{V2}/loadbalancers", token=member.token, json={
        "loadbalancer": {"vip_subnet_id": subnet, "name": "second"}}), 403,
        "Quota has been met for resources: Load Balancer")
    await lbc.create_lb(name="admin's own")  # another project: not counted
