"""What a cell conductor writes for its hosts: their services and compute nodes.

A host agent registers its ``nova-compute`` service and heartbeats through it, and reports
its compute node (uuid = its resource provider) with the driver's totals and usage. Host
discovery later maps the node (``compute_nodes.mapped``). ``host_instances`` is what the
cell says a host runs, read back when its agent restarts.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.compute.db.cell_models import (
    block_device_mappings,
    compute_nodes,
    instances,
    services,
)
from pocketstack.compute.objects.instances import now, to_record

__all__ = [
    "NODE_FIELDS",
    "create_bdms",
    "destroy_bdms",
    "host_instances",
    "list_bdms",
    "report_compute_node",
    "report_service",
    "reset_made_bdms",
    "update_bdm",
    "wire",
]

NODE_FIELDS = ("hypervisor_hostname", "hypervisor_type", "hypervisor_version", "host_ip",
               "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
               "local_gb_used", "running_vms")


def wire(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row as the bus carries it: ``to_record``'s form with plain ``str`` keys (orjson
    refuses SQLAlchemy's ``quoted_name`` keys)."""
    return {str(key): value for key, value in to_record(row).items()}


async def report_service(conn: AsyncConnection, host: str, binary: str) -> dict[str, Any]:
    """Register the service or count one more heartbeat; its admin state."""
    moment = now()
    found = (await conn.execute(sa.select(services).where(
        services.c.host == host, services.c.binary == binary,
        services.c.deleted == 0))).mappings().first()
    if found is None:
        service_uuid = str(uuidlib.uuid4())
        await conn.execute(sa.insert(services).values(
            uuid=service_uuid, host=host, binary=binary, topic="compute", report_count=1,
            disabled=False, forced_down=False, last_seen_up=moment, version=66,
            created_at=moment, deleted=0))
        return {"disabled": False, "forced_down": False, "uuid": service_uuid}
    await conn.execute(sa.update(services).where(services.c.id == found["id"]).values(
        report_count=services.c.report_count + 1, last_seen_up=moment, updated_at=moment))
    return {"disabled": bool(found["disabled"]), "forced_down": bool(found["forced_down"]),
            "uuid": found["uuid"]}


async def report_compute_node(conn: AsyncConnection, report: dict[str, Any]) -> None:
    """Create or refresh the host's compute node (keyed by its uuid)."""
    moment = now()
    service_id = (await conn.execute(sa.select(services.c.id).where(
        services.c.host == report["host"], services.c.binary == "nova-compute",
        services.c.deleted == 0))).scalar()
    values = {name: report[name] for name in NODE_FIELDS if name in report}
    found = (await conn.execute(sa.select(compute_nodes.c.id).where(
        compute_nodes.c.uuid == report["uuid"]))).first()
    if found is None:
        await conn.execute(sa.insert(compute_nodes).values(
            uuid=report["uuid"], host=report["host"], service_id=service_id, mapped=0,
            created_at=moment, deleted=0, **values))
    else:
        await conn.execute(sa.update(compute_nodes).where(compute_nodes.c.id == found.id)
                           .values(service_id=service_id, updated_at=moment, **values))


async def host_instances(conn: AsyncConnection, host: str) -> list[dict[str, Any]]:
    """The instances the host runs (a hidden copy a cross-cell move left is not one)."""
    rows = await conn.execute(sa.select(instances).where(
        instances.c.host == host, instances.c.deleted == 0,
        instances.c.hidden.is_(False)).order_by(instances.c.id))
    return [wire(row) for row in rows.mappings()]


async def create_bdms(conn: AsyncConnection, instance_uuid: str,
                      bdms: list[dict[str, Any]], *, new_instance: bool = False) -> None:
    """The instance's block device mappings, as the build request carried them (those
    already there kept; ``new_instance``: this transaction created the instance, so none
    can be)."""
    moment = now()
    for bdm in bdms:
        if not new_instance and (await conn.execute(
                _BDM_EXISTS, {"w_uuid": bdm["uuid"]})).first() is not None:
            continue
        await conn.execute(_INSERT_BDM, {
            "uuid": bdm["uuid"], "instance_uuid": instance_uuid,
            "source_type": bdm.get("source_type") or "image",
            "destination_type": bdm.get("destination_type") or "local",
            "device_name": bdm.get("device_name"), "boot_index": bdm.get("boot_index"),
            "volume_id": bdm.get("volume_id"), "image_id": bdm.get("image_id"),
            "volume_size": bdm.get("volume_size"),
            "delete_on_termination": bool(bdm.get("delete_on_termination")),
            "tag": bdm.get("tag"), "created_at": moment, "deleted": 0})


# Built once: every boot writes its mappings.
_BDM_EXISTS = sa.select(block_device_mappings.c.id).where(
    block_device_mappings.c.uuid == sa.bindparam("w_uuid"))
_INSERT_BDM = sa.insert(block_device_mappings)


async def update_bdm(conn: AsyncConnection, bdm_uuid: str, values: dict[str, Any]) -> None:
    """Record what the host made of a mapping (its volume, its attachment)."""
    allowed = {k: v for k, v in values.items() if k in ("volume_id", "attachment_id")}
    if allowed:
        await conn.execute(sa.update(block_device_mappings).where(
            block_device_mappings.c.uuid == bdm_uuid).values(updated_at=now(), **allowed))


async def list_bdms(conn: AsyncConnection, instance_uuid: str) -> list[dict[str, Any]]:
    rows = await conn.execute(sa.select(block_device_mappings).where(
        block_device_mappings.c.instance_uuid == instance_uuid,
        block_device_mappings.c.deleted == 0).order_by(block_device_mappings.c.id))
    return [{str(k): v for k, v in row.items() if k not in ("id", "created_at", "updated_at",
                                                        "deleted_at", "deleted")}
            for row in rows.mappings()]


async def destroy_bdms(conn: AsyncConnection, instance_uuid: str) -> None:
    await conn.execute(sa.update(block_device_mappings).where(
        block_device_mappings.c.instance_uuid == instance_uuid,
        block_device_mappings.c.deleted == 0).values(
        deleted=block_device_mappings.c.id, deleted_at=now()))


async def reset_made_bdms(conn: AsyncConnection, instance_uuid: str) -> None:
    """Forget what a failed build made (its attachments, the volumes it created), so the
    next host starts from the mappings the user asked for."""
    await conn.execute(sa.update(block_device_mappings).where(
        block_device_mappings.c.instance_uuid == instance_uuid,
        block_device_mappings.c.deleted == 0).values(attachment_id=None, updated_at=now()))
    await conn.execute(sa.update(block_device_mappings).where(
        block_device_mappings.c.instance_uuid == instance_uuid,
        block_device_mappings.c.deleted == 0,
        block_device_mappings.c.source_type != "volume").values(volume_id=None))
