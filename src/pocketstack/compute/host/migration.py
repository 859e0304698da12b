"""A host agent's part of a resize or cold migration: the steps the super-conductor calls
(``rpc.MigrateMethod``), each idempotent, each answering what the conductor records.

The host never writes a database: it drives its hypervisor, the ports (their binding moves
to the destination host) and the volume attachments (a cross-cell move gives each side its
own), and uploads the root disk into the image service when the move crosses cells.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pocketstack.common.client import ServiceError
from pocketstack.compute import rpc
from pocketstack.compute.host import assign
from pocketstack.compute.virt.driver import PowerState

if TYPE_CHECKING:
    from pocketstack.compute.host.agent import HostAgent

__all__ = ["MigrationSteps"]

log = logging.getLogger("pocketstack.compute.host")

Method = rpc.MigrateMethod


class PreCheckFailed(Exception):
    """The destination cannot take the instance (a port or volume is missing)."""


class MigrationSteps:
    def __init__(self, agent: HostAgent) -> None:
        self.agent = agent
        self.driver = agent.driver

    async def handle(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        steps = {Method.PREP_AT_DEST: self.prep_at_dest,
                 Method.RESIZE_AT_SOURCE: self.resize_at_source,
                 Method.FINISH_AT_DEST: self.finish_at_dest,
                 Method.CONFIRM_AT_SOURCE: self.confirm_at_source,
                 Method.REVERT_AT_DEST: self.revert_at_dest,
                 Method.FINISH_REVERT_AT_SOURCE: self.finish_revert_at_source}
        return await steps[method](payload)

    async def _ports(self, instance_uuid: str) -> list[dict[str, Any]]:
        return await self.agent.clients.network.list_ports(device_id=instance_uuid)

    async def _bind_ports(self, instance_uuid: str, host: str) -> None:
        for port in await self._ports(instance_uuid):
            if port.get("binding:host_id") != host:
                await self.agent.clients.network.update_port(str(port["id"]),
                                                             **{"binding:host_id": host})

    async def prep_at_dest(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Nova's ``prep_resize`` / ``prep_snapshot_based_resize_at_dest``."""
        instance = payload["instance"]
        volumes = self.agent.clients.volume
        for bdm in instance.get("bdms") or []:
            if bdm.get("volume_id") and await volumes.get_volume(str(bdm["volume_id"])) is None:
                raise PreCheckFailed(f"Volume {bdm['volume_id']} could not be found.")
        if not payload.get("cross_cell"):
            return {"attachments": {}}
        made: dict[str, str] = {}
        existing: dict[str, str] = payload.get("attachments") or {}
        for bdm in instance.get("bdms") or []:
            if bdm.get("destination_type") != "volume" or not bdm.get("volume_id"):
                continue
            if bdm["uuid"] in existing:  # made by an earlier try of this step
                made[bdm["uuid"]] = existing[bdm["uuid"]]
                continue
            attachment = await volumes.create_attachment(str(bdm["volume_id"]),
                                                         instance["uuid"])
            made[bdm["uuid"]] = str(attachment["id"])
        return {"attachments": made}

    async def resize_at_source(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Nova's ``resize_instance`` / ``prep_snapshot_based_resize_at_source``: power off
        keeping the disks; cross-cell, upload the root disk into the snapshot image and
        move the ports' binding to the destination host."""
        instance = payload["instance"]
        data = await self.driver.migrate_disk_and_power_off(instance)
        if payload.get("image_id"):
            image = self.agent.clients.image
            found = await image.get_image(str(payload["image_id"]))
            if found.get("status") == "queued":
                await image.upload(str(payload["image_id"]), data)
        if payload.get("cross_cell"):
            await self._bind_ports(instance["uuid"], str(payload["dest_host"]))
        return {"power_state": PowerState.SHUTDOWN}

    async def finish_at_dest(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Nova's ``finish_resize`` / ``finish_snapshot_based_resize_at_dest``."""
        instance = payload["instance"]
        await self._bind_ports(instance["uuid"], self.agent.host)
        volumes = self.agent.clients.volume
        for attachment_id in (payload.get("attachments") or {}).values():
            await volumes.complete_attachment(str(attachment_id))
        power_on = bool(payload.get("power_on", True))
        devices = await assign.assigned_devices(self.agent, instance)
        await self.driver.finish_migration({**instance, "devices": devices}, power_on)
        return {"power_state": PowerState.RUNNING if power_on else PowerState.SHUTDOWN,
                "devices": assign.describe(devices)}

    async def confirm_at_source(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Nova's ``confirm_resize`` / ``confirm_snapshot_based_resize_at_source``: the old
        guest and disks go; cross-cell, so do the source side's volume attachments."""
        await self.driver.confirm_migration(payload["instance_uuid"])
        await self._keep_only(payload["instance_uuid"], payload.get("keep"))
        return {}

    async def revert_at_dest(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Nova's ``revert_resize`` / ``revert_snapshot_based_resize_at_dest``: the new
        guest goes; cross-cell, so do the destination's volume attachments."""
        await self.driver.destroy(payload["instance_uuid"])
        await self._keep_only(payload["instance_uuid"], payload.get("keep"))
        return {}

    async def finish_revert_at_source(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Nova's ``finish_revert_resize`` /
        ``finish_revert_snapshot_based_resize_at_source``: the ports back on this host,
        the old guest started again from its disks (if it ran before)."""
        instance = payload["instance"]
        await self._bind_ports(instance["uuid"], self.agent.host)
        power_on = bool(payload.get("power_on", True))
        devices = await assign.assigned_devices(self.agent, instance)
        await self.driver.finish_revert_migration({**instance, "devices": devices}, power_on)
        return {"power_state": PowerState.RUNNING if power_on else PowerState.SHUTDOWN,
                "devices": assign.describe(devices)}

    async def _keep_only(self, instance_uuid: str, keep: dict[str, str] | None) -> None:
        """Delete the instance's attachments on each volume of ``keep`` (volume id -> the
        attachment to keep) but the one named: whatever a step made before it was cut."""
        volumes = self.agent.clients.volume
        for volume_id, kept in (keep or {}).items():
            volume = await volumes.get_volume(volume_id)
            for attachment in (volume or {}).get("attachments") or []:
                if (attachment.get("server_id") == instance_uuid
                        and attachment.get("attachment_id") != kept):
                    await self._drop_attachment(str(attachment["attachment_id"]))

    async def _drop_attachment(self, attachment_id: str) -> None:
        try:
            await self.agent.clients.volume.delete_attachment(attachment_id)
        except ServiceError as exc:  # gone already: a resumed step
            log.info("attachment %s: %s", attachment_id, exc)
