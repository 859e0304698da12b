"""Story: a member creates server groups in both API shapes (``policies`` before 2.64,
``policy`` and ``rules`` after), lists and shows them, hits the quota of 10, and deletes
them; another project cannot see them; members are added up to 10."""

from __future__ import annotations

import uuid

import pytest
from tests.api.compute.conftest import ComputeClient

from pocketstack.compute.objects import server_groups


async def test_server_group_story(nova: ComputeClient) -> None:
    member = await nova.user("member")
    old = await nova.post("/os-server-groups", token=member.token, version="2.13", json={
        "server_group": {"name": "g1", "policies": ["anti-affinity"]}})
    assert old.status_code == 200, old.text
    g1 = old.json()["server_group"]
    assert g1["policies"] == ["anti-affinity"] and g1["metadata"] == {} and g1["members"] == []
    assert g1["project_id"] == member.project_id
    nova.error(await nova.post("/os-server-groups", token=member.token, version="2.14", json={
        "server_group": {"name": "g", "policies": ["soft-affinity"]}}), 400)

    new = await nova.post("/os-server-groups", token=member.token, json={"server_group": {
        "name": "g2", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}}})
    g2 = new.json()["server_group"]
    assert g2["policy"] == "anti-affinity" and g2["rules"] == {"max_server_per_host": 2}
    assert "policies" not in g2
    nova.error(await nova.post("/os-server-groups", token=member.token, json={"server_group": {
        "name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}}), 400,
        "Only anti-affinity policy supports rules.")

    listed = (await nova.get("/os-server-groups", token=member.token)).json()["server_groups"]
    assert [g["id"] for g in listed] == [g1["id"], g2["id"]]
    shown = await nova.get(f"/os-server-groups/{g1['id']}", token=member.token)
    assert shown.json()["server_group"]["policy"] == "anti-affinity"
    other = await nova.user("member")
    assert (await nova.get("/os-server-groups", token=other.token)).json()["server_groups"] == []
    nova.error(await nova.get(f"/os-server-groups/{g1['id']}", token=other.token), 403)
    every = (await nova.get("/os-server-groups", params={"all_projects": "True"})).json()
    assert {g1["id"], g2["id"]} <= {g["id"] for g in every["server_groups"]}

    for number in range(8):
        made = await nova.post("/os-server-groups", token=member.token, json={
            "server_group": {"name": f"more{number}", "policy": "affinity"}})
        assert made.status_code == 200, made.text
    nova.error(await nova.post("/os-server-groups", token=member.token, json={
        "server_group": {"name": "eleventh", "policy": "affinity"}}), 403,
        "Quota exceeded, too many server groups.")

    async with nova.service.writing() as conn:
        await server_groups.add_members(conn, g2["id"], [str(uuid.uuid4()) for _ in range(9)])
        with pytest.raises(server_groups.GroupFull):
            await server_groups.add_members(conn, g2["id"], [str(uuid.uuid4()) for _ in range(2)])
        found = await server_groups.get_group(conn, g2["id"])
    assert found is not None and len(found["members"]) == 9

    assert (await nova.delete(f"/os-server-groups/{g1['id']}",
                              token=member.token)).status_code == 204
    nova.error(await nova.get(f"/os-server-groups/{g1['id']}", token=member.token), 404,
               f"Instance group {g1['id']} could not be found.")
