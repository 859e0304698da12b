"""Story: an admin lists the hypervisors of every cell (brief, detail, by hostname pattern,
page by page), shows one with its servers, and reads the statistics below 2.88."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from tests.api.compute.conftest import ComputeClient
from tests.api.compute.test_compute_story_services import add_service

from pocketstack.compute.db.cell_models import compute_nodes, services
from pocketstack.compute.objects.instances import now


async def add_node(nova: ComputeClient, host: str, *, cell: int = 0,
                   disabled: bool = False) -> str:
    """A compute service and its node in a cell database; the node's uuid."""
    service_uuid = await add_service(nova, host, cell=cell)
    node_uuid = str(uuid.uuid4())
    async with nova.service.cells.computes()[cell].writing() as conn:
        service_id = (await conn.execute(sa.select(services.c.id).where(
            services.c.uuid == service_uuid))).scalar_one()
        await conn.execute(sa.update(services).where(services.c.id == service_id)
                           .values(disabled=disabled))
        await conn.execute(sa.insert(compute_nodes).values(
            uuid=node_uuid, service_id=service_id, host=host, hypervisor_hostname=host,
            hypervisor_type="fake", hypervisor_version=1000, host_ip="10.1.0.1", vcpus=32,
            memory_mb=4096, local_gb=100, vcpus_used=2, memory_mb_used=1024, local_gb_used=10,
            running_vms=1, mapped=1, created_at=now(), deleted=0))
    return node_uuid


async def test_hypervisor_story(nova: ComputeClient) -> None:
    first = await add_node(nova, "hv-a")
    second = await add_node(nova, "hv-b", cell=1, disabled=True)
    brief = await nova.get("/os-hypervisors", params={"hypervisor_hostname_pattern": "hv-"})
    assert brief.status_code == 200, brief.text
    assert brief.json()["hypervisors"] == [
        {"id": first, "hypervisor_hostname": "hv-a", "state": "up", "status": "enabled"},
        {"id": second, "hypervisor_hostname": "hv-b", "state": "up", "status": "disabled"}]

    detail = (await nova.get("/os-hypervisors/detail", version="2.88",
                             params={"hypervisor_hostname_pattern": "hv-a"})).json()
    node = detail["hypervisors"][0]
    assert node["hypervisor_type"] == "fake" and node["host_ip"] == "10.1.0.1"
    assert node["service"]["host"] == "hv-a" and "vcpus" not in node and node["uptime"] is None
    old = (await nova.get("/os-hypervisors/detail", version="2.87",
                          params={"hypervisor_hostname_pattern": "hv-a"})).json()
    assert old["hypervisors"][0]["free_ram_mb"] == 3072 and old["hypervisors"][0]["vcpus"] == 32
    nova.error(await nova.get("/os-hypervisors", params={
        "hypervisor_hostname_pattern": "nothing"}), 404, "No hypervisor matching 'nothing'")

    everything = (await nova.get("/os-hypervisors")).json()["hypervisors"]
    ids = [h["id"] for h in everything]
    page = (await nova.get("/os-hypervisors", params={"limit": 1})).json()
    assert [h["id"] for h in page["hypervisors"]] == ids[:1]
    assert page["hypervisors_links"][0]["href"].endswith(f"limit=1&marker={ids[0]}")
    rest = (await nova.get("/os-hypervisors", params={"marker": ids[0]})).json()
    assert [h["id"] for h in rest["hypervisors"]] == ids[1:]

    shown = await nova.get(f"/os-hypervisors/{first}", params={"with_servers": "true"})
    assert shown.json()["hypervisor"]["servers"] == []
    nova.error(await nova.get("/os-hypervisors/1"), 400, "Invalid uuid 1")
    nova.error(await nova.get(f"/os-hypervisors/{uuid.uuid4()}"), 404)

    nova.error(await nova.get("/os-hypervisors/statistics"), 404)
    stats = (await nova.get("/os-hypervisors/statistics", version="2.87")).json()
    totals = stats["hypervisor_statistics"]
    assert totals["count"] == len(ids) and totals["vcpus"] >= 64
    member = await nova.user("member")
    nova.error(await nova.get("/os-hypervisors", token=member.token), 403)
