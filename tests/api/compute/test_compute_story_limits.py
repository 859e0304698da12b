"""Story: a project's absolute limits are Nova's defaults until the project has its own
quota rows; its usage counts the live servers of every cell and its server groups."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient, compute_settings, nova_on

from pocketstack.compute.db.api_models import quotas
from pocketstack.compute.db.cell_models import instances
from pocketstack.compute.objects.instances import now


@pytest.fixture
async def nova(tmp_path: Path) -> AsyncIterator[ComputeClient]:
    """A cloud with Nova's default quotas."""
    async with nova_on(compute_settings(tmp_path, quota={})) as client:
        yield client


async def add_instance(nova: ComputeClient, project_id: str, *, cell: int, vcpus: int,
                       ram: int, deleted: bool = False, vm_state: str = "active") -> None:
    """A server row in a cell database, as the cell conductor would write it."""
    row_uuid = str(uuid.uuid4())
    async with nova.service.cells.all()[cell].writing() as conn:
        await conn.execute(sa.insert(instances).values(
            uuid=row_uuid, project_id=project_id, user_id="u", vm_state=vm_state,
            flavor={"vcpus": vcpus, "memory_mb": ram}, vcpus=vcpus, memory_mb=ram,
            metadata={}, system_metadata={},
            tags=[], addresses={}, security_groups=[], reservation_id="r-1", created_at=now(),
            deleted=0))
        if deleted:
            await conn.execute(sa.update(instances).where(instances.c.uuid == row_uuid)
                               .values(deleted=instances.c.id))


async def test_limits_story(nova: ComputeClient) -> None:
    member = await nova.user("member")
    fresh = await nova.get("/limits", token=member.token)
    assert fresh.status_code == 200, fresh.text
    body = fresh.json()["limits"]
    assert body["rate"] == []
    assert body["absolute"] == {
        "maxServerMeta": 128, "maxTotalInstances": 10, "maxTotalCores": 20,
        "maxTotalRAMSize": 51200, "maxTotalKeypairs": 100, "maxServerGroups": 10,
        "maxServerGroupMembers": 10, "totalInstancesUsed": 0, "totalCoresUsed": 0,
        "totalRAMUsed": 0, "totalServerGroupsUsed": 0}
    old = (await nova.get("/limits", token=member.token, version="2.1")).json()
    assert old["limits"]["absolute"]["maxPersonality"] == 5
    # The deprecated network quotas have no option any more: unlimited.
    assert old["limits"]["absolute"]["maxSecurityGroups"] == -1

    await add_instance(nova, member.project_id, cell=0, vcpus=1, ram=512, vm_state="error")
    await add_instance(nova, member.project_id, cell=1, vcpus=2, ram=2048)
    await add_instance(nova, member.project_id, cell=2, vcpus=4, ram=4096)
    await add_instance(nova, member.project_id, cell=2, vcpus=8, ram=8192, deleted=True)
    await add_instance(nova, member.project_id, cell=1, vcpus=8, ram=8192, vm_state="soft-delete")
    await add_instance(nova, "someone-else", cell=1, vcpus=8, ram=8192)
    made = await nova.post("/os-server-groups", token=member.token, json={
        "server_group": {"name": "g", "policy": "affinity"}})
    assert made.status_code == 200, made.text
    async with nova.service.writing() as conn:
        await conn.execute(sa.insert(quotas).values(
            project_id=member.project_id, resource="cores", hard_limit=50, created_at=now()))

    used = (await nova.get("/limits", token=member.token)).json()["limits"]["absolute"]
    assert (used["totalInstancesUsed"], used["totalCoresUsed"], used["totalRAMUsed"]) == (
        3, 7, 6656)
    assert used["totalServerGroupsUsed"] == 1 and used["maxTotalCores"] == 50

    theirs = (await nova.get("/limits", params={"tenant_id": member.project_id})).json()
    assert theirs["limits"]["absolute"]["totalInstancesUsed"] == 3
    ignored = (await nova.get("/limits", token=member.token,
                              params={"tenant_id": "someone-else"})).json()
    assert ignored["limits"]["absolute"]["totalInstancesUsed"] == 3
