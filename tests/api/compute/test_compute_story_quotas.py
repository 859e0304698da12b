"""Story: an admin reads and sets a project's compute quotas (show, detail, defaults, per
user, the default class), a member boots into them: refused with Nova's 403 past a limit,
fewer servers built when only ``min_count`` fit, metadata, key pairs and server groups held
to their limits; quota sets check the project with identity and refuse bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.api.compute.conftest import ComputeClient, compute_settings, nova_on


@pytest.fixture
async def nova(tmp_path: Path) -> AsyncIterator[ComputeClient]:
    """A cloud with Nova's default quotas."""
    async with nova_on(compute_settings(tmp_path, quota={})) as client:
        yield client


async def test_quota_sets_story(nova: ComputeClient) -> None:
    member = await nova.user("member")
    project = member.project_id
    shown = (await nova.get(f"/os-quota-sets/{project}")).json()["quota_set"]
    assert shown == {"id": project, "instances": 10, "cores": 20, "ram": 51200,
                     "metadata_items": 128, "key_pairs": 100, "server_groups": 10,
                     "server_group_members": 10}
    old = (await nova.get(f"/os-quota-sets/{project}", version="2.56")).json()["quota_set"]
    assert old["injected_files"] == 5 and old["injected_file_path_bytes"] == 255
    assert "floating_ips" not in old
    legacy = (await nova.get(f"/os-quota-sets/{project}", version="2.1")).json()["quota_set"]
    assert legacy["floating_ips"] == -1 and legacy["security_group_rules"] == -1
    assert (await nova.get(f"/os-quota-sets/{project}", token=member.token)).status_code == 200

    updated = await nova.put(f"/os-quota-sets/{project}", json={"quota_set": {
        "instances": 3, "cores": "4", "ram": 2048}})
    assert updated.status_code == 200, updated.text
    body = updated.json()["quota_set"]
    assert "id" not in body and body["instances"] == 3 and body["cores"] == 4

    # A member boots m1.tiny (1 vCPU, 512 MB): 3 of 5 fit the instances quota.
    made = await nova.post("/servers", token=member.token, json={"server": {
        "name": "many", "flavorRef": "1", "imageRef": await nova.default_image(),
        "networks": "none", "min_count": 2, "max_count": 5, "return_reservation_id": True}})
    assert made.status_code == 202, made.text
    listed = (await nova.get("/servers", token=member.token)).json()["servers"]
    assert len(listed) == 3
    for server in listed:
        await nova.wait_for(server["id"], "ACTIVE", token=member.token)
    refused = await nova.post("/servers", token=member.token, json={"server": {
        "name": "one-more", "flavorRef": "1", "imageRef": await nova.default_image(),
        "networks": "none"}})
    nova.error(refused, 403, "Quota exceeded for instances: Requested 1, but already used "
                             "3 of 3 instances")

    detail = (await nova.get(f"/os-quota-sets/{project}/detail")).json()["quota_set"]
    assert detail["instances"] == {"in_use": 3, "limit": 3, "reserved": 0}
    assert detail["cores"] == {"in_use": 3, "limit": 4, "reserved": 0}
    assert detail["ram"]["in_use"] == 1536 and detail["key_pairs"]["in_use"] == 0
    limits = (await nova.get("/limits", token=member.token)).json()["limits"]["absolute"]
    assert limits["totalInstancesUsed"] == 3 and limits["maxTotalInstances"] == 3

    # Below what is in use: refused unless forced.
    nova.error(await nova.put(f"/os-quota-sets/{project}", json={"quota_set": {
        "instances": 1}}), 400, "Quota limit 1 for instances must be greater than or equal "
                               "to already used and reserved 3.")
    forced = await nova.put(f"/os-quota-sets/{project}", json={"quota_set": {
        "instances": 1, "force": "True"}})
    assert forced.status_code == 200 and forced.json()["quota_set"]["instances"] == 1

    # Cores and RAM together, sorted in the message.
    await nova.put(f"/os-quota-sets/{project}", json={"quota_set": {"instances": -1}})
    big = await nova.post("/flavors", json={"flavor": {
        "name": "big", "vcpus": 4, "ram": 4096, "disk": 1}})
    big_id = big.json()["flavor"]["id"]
    nova.error(await nova.post("/servers", token=member.token, json={"server": {
        "name": "big", "flavorRef": big_id, "imageRef": await nova.default_image(),
        "networks": "none"}}), 403, "Quota exceeded for cores, ram: Requested 4, 4096, but "
                                    "already used 3, 1536 of 4, 2048 cores, ram")

    # Per user: a user limit below the project's, checked on boot too.
    user_url = f"/os-quota-sets/{project}?user_id={member.user_id}"
    nova.error(await nova.put(user_url, json={"quota_set": {"cores": 10}}), 400,
               "must be less than or equal to 4")
    await nova.put(f"/os-quota-sets/{project}", json={"quota_set": {"cores": 10}})
    assert (await nova.put(user_url, json={"quota_set": {"cores": 3}})).status_code == 200
    user_view = (await nova.get(user_url)).json()["quota_set"]
    assert user_view["cores"] == 3 and user_view["instances"] == -1
    nova.error(await nova.post("/servers", token=member.token, json={"server": {
        "name": "user-capped", "flavorRef": "1", "imageRef": await nova.default_image(),
        "networks": "none"}}), 403, "Quota exceeded for cores")
    deleted = await nova.delete(user_url)
    assert deleted.status_code == 202
    assert (await nova.get(user_url)).json()["quota_set"]["cores"] == 10

    # Back to the defaults; the default class changes every project without rows.
    assert (await nova.delete(f"/os-quota-sets/{project}")).status_code == 202
    assert (await nova.get(f"/os-quota-sets/{project}")).json()["quota_set"]["instances"] == 10
    klass = await nova.put("/os-quota-class-sets/default", json={"quota_class_set": {
        "instances": 12}})
    assert klass.status_code == 200 and klass.json()["quota_class_set"]["instances"] == 12
    assert (await nova.get("/os-quota-class-sets/default")).json()["quota_class_set"][
        "id"] == "default"
    defaults = (await nova.get(f"/os-quota-sets/{project}/defaults")).json()["quota_set"]
    assert defaults["instances"] == 12 and defaults["id"] == project


async def test_small_quotas_hold_metadata_key_pairs_and_groups(nova: ComputeClient) -> None:
    member = await nova.user("member")
    project = member.project_id
    await nova.put(f"/os-quota-sets/{project}", json={"quota_set": {
        "metadata_items": 1, "key_pairs": 1, "server_groups": 1}})
    nova.error(await nova.post("/servers", token=member.token, json={"server": {
        "name": "meta", "flavorRef": "1", "imageRef": await nova.default_image(),
        "networks": "none", "metadata": {"a": "1", "b": "2"}}}), 403,
        "Maximum number of metadata items exceeds 1")
    made = await nova.post("/os-keypairs", token=member.token, version="2.91",
                           json={"keypair": {"name": "k1"}})  # generated (before 2.92)
    assert made.status_code == 201, made.text
    nova.error(await nova.post("/os-keypairs", token=member.token, version="2.91",
                               json={"keypair": {"name": "k2"}}), 403, "key pairs")
    group = {"server_group": {"name": "g", "policy": "affinity"}}
    assert (await nova.post("/os-server-groups", token=member.token, json=group)).status_code == 200
    nova.error(await nova.post("/os-server-groups", token=member.token, json=group), 403)


async def test_quota_sets_refuse_bad_input_and_callers(nova: ComputeClient) -> None:
    member = await nova.user("member")
    project = member.project_id
    nova.error(await nova.get("/os-quota-sets/not-a-project"), 400,
               "Project ID not-a-project is not a valid project.")
    nova.error(await nova.put(f"/os-quota-sets/{project}", token=member.token,
                              json={"quota_set": {"instances": 1}}), 403)
    nova.error(await nova.delete(f"/os-quota-sets/{project}", token=member.token), 403)
    other = await nova.user("member")
    nova.error(await nova.get(f"/os-quota-sets/{project}", token=other.token), 403)
    for bad in ({"quota_set": {"instances": -2}}, {"quota_set": {"instances": "x"}},
                {"quota_set": {"bogus": 1}}, {"quota_set": {"instances": 2147483648}},
                {"quota_set": {"floating_ips": 1}}, {"instances": 1}, []):
        nova.error(await nova.put(f"/os-quota-sets/{project}", json=bad), 400)
    nova.error(await nova.get("/os-quota-class-sets/default", token=member.token), 403)
    assert (await nova.get(f"/os-quota-sets/{project}")).json()["quota_set"]["instances"] == 10
