"""Helpers of the boot engine's functional tests: a whole in-process cloud, boots written
the way the servers API writes them (build records, then a cast to the super-conductor),
and bounded waits on where each instance ends up."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.common.settings import load_settings
from pocketstack.compute import rpc
from pocketstack.compute.cells.registry import CellHandle
from pocketstack.compute.db.api_models import flavors
from pocketstack.compute.launch import engine_of
from pocketstack.compute.objects import build_requests
from pocketstack.compute.objects.build_requests import BootRecord
from pocketstack.compute.objects.instances import InstanceNotFound, get_instance
from pocketstack.compute.service import Compute

PROJECT = "p-" + "0" * 30
USER = "u-" + "0" * 30
WAIT_S = 15.0


def settings_for(tmp_path: Path, **compute: Any) -> Any:
    options = {"cells": 2, "hosts_per_cell": 2, "discover_hosts_interval": 0.0,
               "report_interval": 0.0, **compute}
    return load_settings(tmp_path, env={}, overrides={
        "identity": {"password_hash_rounds": 4}, "api": {"log_requests": False},
        "compute": options, "quota": {"instances": -1, "cores": -1, "ram": -1}})


@asynccontextmanager
async def cloud_of(tmp_path: Path, **compute: Any) -> AsyncIterator[tuple[Cloud, Compute]]:
    async with open_cloud(settings_for(tmp_path, **compute)) as cloud:
        svc = cloud.services["/compute"]
        assert isinstance(svc, Compute)
        await asyncio.wait_for(engine_of(svc).ready.wait(), WAIT_S)
        yield cloud, svc


async def flavor(svc: Compute, flavorid: str = "1") -> dict[str, Any]:
    async with svc.reading() as api:
        row = (await api.execute(sa.select(flavors).where(
            flavors.c.flavorid == flavorid))).mappings().one()
    return {"flavorid": row["flavorid"], "name": row["name"], "memory_mb": row["memory_mb"],
            "vcpus": row["vcpus"], "root_gb": row["root_gb"],
            "ephemeral_gb": row["ephemeral_gb"], "swap": row["swap"],
            "rxtx_factor": row["rxtx_factor"], "extra_specs": {}}


def record(flavor_body: dict[str, Any], *, reservation: str, index: int = 0,
           az: str | None = None, group: dict[str, Any] | None = None,
           networks: list[dict[str, Any]] | None = None, count: int = 1,
           bdms: list[dict[str, Any]] | None = None) -> BootRecord:
    """One instance of a boot, as the servers API builds it (image boot, no bdms)."""
    instance_uuid = str(uuid.uuid4())
    instance = {
        "uuid": instance_uuid, "project_id": PROJECT, "user_id": USER,
        "display_name": f"vm-{index}", "display_description": None, "hostname": f"vm-{index}",
        "host": None, "node": None, "vm_state": "building", "task_state": "scheduling",
        "power_state": 0, "image_ref": str(uuid.uuid4()), "flavor": flavor_body,
        "key_name": None, "key_data": None, "user_data": None, "metadata": {},
        "system_metadata": {}, "tags": [], "addresses": {}, "security_groups": ["default"],
        "availability_zone": az, "pinned_availability_zone": None,
        "reservation_id": reservation, "launch_index": index, "locked": False,
        "config_drive": "", "disk_config": "MANUAL", "access_ip_v4": None,
        "access_ip_v6": None, "created_at": "2026-01-01T00:00:00"}
    bdm = {"uuid": str(uuid.uuid4()), "source_type": "image", "destination_type": "local",
           "boot_index": 0, "volume_id": None, "image_id": instance["image_ref"],
           "volume_size": None, "delete_on_termination": True, "device_name": None,
           "tag": None}
    if bdms is not None:  # boot from volume
        instance["image_ref"] = ""
    spec = {"instance_uuid": instance_uuid, "project_id": PROJECT, "user_id": USER,
            "flavor": flavor_body, "image": {"id": instance["image_ref"], "properties": {}},
            "availability_zone": az, "num_instances": count, "instance_group": group,
            "scheduler_hints": {}, "is_bfv": bdms is not None,
            "requested_networks": networks or [], "security_groups": ["default"],
            "ignore_hosts": [], "requested_destination": None,
            "request_id": "req-" + reservation}
    made = [{**b, "uuid": str(uuid.uuid4())} for b in bdms] if bdms is not None else [bdm]
    return BootRecord(instance, made, [], spec)


async def write_boot(svc: Compute, flavorid: str = "1", count: int = 1,
                     **options: Any) -> list[str]:
    """Write the build records of one request (no cast); the instance uuids."""
    body = await flavor(svc, flavorid)
    reservation = "r-" + uuid.uuid4().hex[:8]
    records = [record(body, reservation=reservation, index=i, count=count, **options)
               for i in range(count)]
    async with svc.writing() as api:
        await build_requests.create_boot(api, records)
    return [r.instance["uuid"] for r in records]


async def boot(svc: Compute, flavorid: str = "1", count: int = 1, **options: Any) -> list[str]:
    """A boot request through the real flow; the instance uuids."""
    uuids = await write_boot(svc, flavorid, count, **options)
    await svc.api_bus.cast(rpc.API_CONDUCTOR, rpc.SCHEDULE_AND_BUILD, {
        "instance_uuids": uuids, "request_id": "req-" + uuid.uuid4().hex})
    return uuids


async def locate(svc: Compute, instance_uuid: str) -> tuple[CellHandle, dict[str, Any]] | None:
    """The instance's cell and row, through its mapping (None while unmapped)."""
    async with svc.reading() as api:
        mapping = await build_requests.get_mapping(api, instance_uuid)
    if mapping is None or mapping.cell_id is None:
        return None
    cell = svc.cells.by_id(mapping.cell_id)
    async with cell.reading() as conn:
        try:
            return cell, await get_instance(conn, instance_uuid)
        except InstanceNotFound:
            return None


async def settled(svc: Compute, instance_uuid: str) -> tuple[CellHandle, dict[str, Any]]:
    """Wait (bounded) until the instance is ACTIVE or ERROR with no task in flight."""
    found = None
    for _ in range(int(WAIT_S / 0.01)):
        found = await locate(svc, instance_uuid)
        if found is not None and found[1]["vm_state"] in ("active", "error") and (
                found[1]["task_state"] is None):
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"{instance_uuid} never settled: {found}")
