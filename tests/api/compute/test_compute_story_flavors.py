"""Story: an admin creates flavors (public, private, with extra specs), a member lists and
pages them, shares a private one, and the admin deletes them."""

from __future__ import annotations

from tests.api.compute.conftest import ComputeClient


async def test_flavor_story(nova: ComputeClient) -> None:
    listed = await nova.get("/flavors/detail", params={"is_public": "None"}, version="2.61")
    assert listed.status_code == 200, listed.text
    ids = [f["id"] for f in listed.json()["flavors"]]
    assert ids == sorted(ids)
    assert set(ids) == {"1", "2", "3", "4", "5", "42", "84"}
    tiny = (await nova.get("/flavors/1", version="2.61")).json()["flavor"]
    assert tiny["swap"] == "" and tiny["extra_specs"] == {} and tiny["ram"] == 512
    assert (await nova.get("/flavors/1", version="2.75")).json()["flavor"]["swap"] == 0
    assert "description" not in (await nova.get("/flavors/1", version="2.54")).json()["flavor"]

    made = await nova.post("/flavors", version="2.55", json={"flavor": {
        "name": "f1", "ram": 1024, "vcpus": 2, "disk": 10, "description": "test"}})
    assert made.status_code == 200, made.text
    f1 = made.json()["flavor"]
    assert len(f1["id"]) == 36 and f1["description"] == "test" and f1["vcpus"] == 2
    nova.error(await nova.post("/flavors", json={"flavor": {
        "name": "f1", "ram": 1, "vcpus": 1, "disk": 1}}), 409, "Flavor with name f1 already")
    nova.error(await nova.post("/flavors", json={"flavor": {
        "name": "other", "ram": 1, "vcpus": 1, "disk": 1, "id": "1"}}), 409,
        "Flavor with ID 1 already exists.")
    nova.error(await nova.post("/flavors", json={"flavor": {"name": "x"}}), 400)

    specs = await nova.post(f"/flavors/{f1['id']}/os-extra_specs",
                            json={"extra_specs": {"hw:cpu_policy": "shared", "k": "v"}})
    assert specs.status_code == 200, specs.text
    nova.error(await nova.post(f"/flavors/{f1['id']}/os-extra_specs", json={
        "extra_specs": {"hw:cpu_policy": "fast"}}), 400, "'fast' is not one of")
    nova.error(await nova.put(f"/flavors/{f1['id']}/os-extra_specs/hw:bogus", json={
        "hw:bogus": "1"}), 400, "does not appear to be a valid extra spec")
    lax = await nova.post(f"/flavors/{f1['id']}/os-extra_specs", version="2.85",
                          json={"extra_specs": {"hw:bogus": "1"}})
    assert lax.status_code == 200, lax.text
    await nova.delete(f"/flavors/{f1['id']}/os-extra_specs/hw:bogus")
    one = await nova.get(f"/flavors/{f1['id']}/os-extra_specs/k")
    assert one.json() == {"k": "v"}
    put = await nova.put(f"/flavors/{f1['id']}/os-extra_specs/k", json={"k": "w"})
    assert put.json() == {"k": "w"}
    deleted = await nova.delete(f"/flavors/{f1['id']}/os-extra_specs/k")
    assert deleted.status_code == 200
    nova.error(await nova.delete(f"/flavors/{f1['id']}/os-extra_specs/k"), 404,
               f"Flavor {f1['id']} has no extra specs with key k.")
    shown = (await nova.get(f"/flavors/{f1['id']}", version="2.61")).json()["flavor"]
    assert shown["extra_specs"] == {"hw:cpu_policy": "shared"}
    described = await nova.put(f"/flavors/{f1['id']}", json={"flavor": {"description": "d"}})
    assert described.json()["flavor"]["description"] == "d"

    every = [f["id"] for f in (await nova.get("/flavors")).json()["flavors"]]
    assert every == sorted(every) and len(every) == 8  # flavorid order, f1's uuid included
    page = await nova.get("/flavors", params={"limit": 2, "is_public": "none"})
    body = page.json()
    assert [f["id"] for f in body["flavors"]] == every[:2]
    assert body["flavors_links"][0]["href"].endswith(f"/v2.1/flavors?limit=2&marker={every[1]}")
    rest = (await nova.get("/flavors", params={"marker": every[1]})).json()["flavors"]
    assert [f["id"] for f in rest] == every[2:]
    nova.error(await nova.get("/flavors", params={"is_public": "maybe"}), 400,
               "Invalid is_public filter [maybe]")
    small = (await nova.get("/flavors", params={"minRam": 8192})).json()["flavors"]
    assert {f["id"] for f in small} == {"4", "5"}


async def test_private_flavor_access(nova: ComputeClient) -> None:
    member = await nova.user("member")
    made = await nova.post("/flavors", json={"flavor": {
        "name": "secret", "ram": 64, "vcpus": 1, "disk": 0, "id": "s1",
        "os-flavor-access:is_public": False}})
    assert made.status_code == 200, made.text
    nova.error(await nova.post("/flavors", token=member.token, json={"flavor": {
        "name": "mine", "ram": 64, "vcpus": 1, "disk": 0}}), 403)
    seen = (await nova.get("/flavors", token=member.token)).json()["flavors"]
    assert "s1" not in {f["id"] for f in seen}
    nova.error(await nova.get("/flavors/s1", token=member.token), 404, "Flavor s1 could not")
    assert "s1" not in {f["id"] for f in (await nova.get("/flavors")).json()["flavors"]}
    admin_all = (await nova.get("/flavors", params={"is_public": "false"})).json()["flavors"]
    assert [f["id"] for f in admin_all] == ["s1"]

    shared = await nova.post("/flavors/s1/action",
                             json={"addTenantAccess": {"tenant": member.project_id}})
    assert shared.json() == {"flavor_access": [{"flavor_id": "s1",
                                                "tenant_id": member.project_id}]}
    nova.error(await nova.post("/flavors/s1/action", json={
        "addTenantAccess": {"tenant": member.project_id}}), 409)
    nova.error(await nova.post("/flavors/1/action", json={
        "addTenantAccess": {"tenant": member.project_id}}), 409)
    seen = (await nova.get("/flavors", token=member.token)).json()["flavors"]
    assert "s1" in {f["id"] for f in seen}
    assert (await nova.get("/flavors/s1", token=member.token)).status_code == 200
    listed = await nova.get("/flavors/s1/os-flavor-access")
    assert len(listed.json()["flavor_access"]) == 1
    removed = await nova.post("/flavors/s1/action",
                              json={"removeTenantAccess": {"tenant": member.project_id}})
    assert removed.json() == {"flavor_access": []}

    gone = await nova.delete("/flavors/s1")
    assert gone.status_code == 202
    nova.error(await nova.get("/flavors/s1"), 404, "Flavor s1 could not be found.")
