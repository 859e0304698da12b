"""The periodic host discovery maps a compute node that registered after the cloud started,
and reads only while every node is mapped."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from pathlib import Path

import sqlalchemy as sa
from tests.functional.compute.boot_engine_support import WAIT_S, cloud_of

from pocketstack.compute.db.api_models import host_mappings
from pocketstack.compute.db.cell_models import compute_nodes
from pocketstack.compute.objects import cell_admin


async def test_a_late_compute_node_is_mapped(tmp_path: Path) -> None:
    async with cloud_of(tmp_path, hosts_per_cell=1, discover_hosts_interval=0.05) as (_, svc):
        cells = svc.cells.computes()
        assert not await cell_admin.has_unmapped_hosts(cells)  # the fake hosts: mapped at start
        async with cells[-1].writing() as conn:
            await conn.execute(sa.insert(compute_nodes).values(
                uuid=str(uuid.uuid4()), host="late-host", hypervisor_hostname="late-host",
                hypervisor_type="fake", hypervisor_version=1, vcpus=4, memory_mb=4096,
                local_gb=40, vcpus_used=0, memory_mb_used=0, local_gb_used=0, running_vms=0,
                cpu_allocation_ratio=16.0, ram_allocation_ratio=1.5, disk_allocation_ratio=1.0,
                mapped=0, created_at=datetime.datetime(2026, 1, 1), deleted=0))
        mapped = None
        for _ in range(int(WAIT_S / 0.05)):
            async with svc.reading() as api:
                mapped = (await api.execute(sa.select(host_mappings.c.cell_id).where(
                    host_mappings.c.host == "late-host"))).scalar()
            if mapped is not None:
                break
            await asyncio.sleep(0.05)
        assert mapped == cells[-1].mapping.id
        assert not await cell_admin.has_unmapped_hosts(cells)
