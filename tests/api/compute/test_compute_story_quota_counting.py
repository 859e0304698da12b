"""Story: the documented differences between the two ways of counting usage (spec 3.3).
An ERROR server in cell0 counts as an instance in both, but as cores and RAM only when the
cells are counted; an allocation held by a migration consumer (as a server awaiting resize
confirmation holds its old flavor) counts only when placement is counted."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from tests.api.compute.conftest import ComputeClient

PLACEMENT = {"OpenStack-API-Version": "placement 1.36"}


async def _in_use(nova: ComputeClient, project: str, from_placement: bool) -> dict[str, int]:
    svc = nova.service
    svc.settings = dataclasses.replace(svc.settings, quota=dataclasses.replace(
        svc.settings.quota, count_usage_from_placement=from_placement))
    detail: dict[str, Any] = (await nova.get(f"/os-quota-sets/{project}/detail")).json()[
        "quota_set"]
    return {k: detail[k]["in_use"] for k in ("instances", "cores", "ram")}


async def test_the_two_counts_differ_as_documented(nova: ComputeClient) -> None:
    member = await nova.user("member")
    project = member.project_id
    ok = (await nova.boot(token=member.token, name="ok"))["id"]
    await nova.wait_for(ok, "ACTIVE", token=member.token)
    huge = await nova.post("/flavors", json={"flavor": {
        "name": "huge", "vcpus": 999, "ram": 9999999, "disk": 1}})
    nohost = (await nova.boot(token=member.token, name="nohost",
                              flavorRef=huge.json()["flavor"]["id"]))["id"]
    await nova.wait_for(nohost, "ERROR", token=member.token)

    assert await _in_use(nova, project, False) == {
        "instances": 2, "cores": 1 + 999, "ram": 512 + 9999999}
    assert await _in_use(nova, project, True) == {"instances": 2, "cores": 1, "ram": 512}

    # A migration consumer of the project holding an old flavor's resources on a host.
    providers = await nova.client.get("/placement/resource_providers?name=cell1-host1",
                                      headers={"X-Auth-Token": nova.admin.token, **PLACEMENT})
    provider = providers.json()["resource_providers"][0]["uuid"]
    held = await nova.client.put(
        f"/placement/allocations/{uuid.uuid4()}",
        headers={"X-Auth-Token": nova.admin.token, **PLACEMENT},
        json={"allocations": {provider: {"resources": {"VCPU": 2, "MEMORY_MB": 2048}}},
              "project_id": project, "user_id": member.user_id, "consumer_generation": None})
    assert held.status_code == 204, held.text
    assert await _in_use(nova, project, True) == {"instances": 2, "cores": 3, "ram": 2560}
    assert (await _in_use(nova, project, False))["cores"] == 1000
