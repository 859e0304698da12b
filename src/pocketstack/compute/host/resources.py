"""What a build makes outside the hypervisor: volumes and ports, and their undoing.

Volumes: an existing volume gets an attachment; ``image``/``blank`` → ``volume`` mappings
get a new empty volume of ``volume_size`` (our volume service cannot fill one from an
image). Ports: one per requested network (created for the instance, in its project) or the
given port bound to it. Addresses come back in the Nova API shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import Any

from pocketstack.common.client import ServiceError
from pocketstack.network.client import NetworkClient
from pocketstack.volume.client import VolumeClient

__all__ = [
    "PRESERVED_PORTS",
    "Made",
    "VolumeNotReady",
    "attach_volumes",
    "bind_ports",
    "detach_volumes",
    "release_ports",
    "undo",
]

VOLUME_WAIT = 60.0  # seconds a new volume has to become available


class VolumeNotReady(Exception):
    """A volume the build created never became available."""


PRESERVED_PORTS = "preserved_ports"  # system metadata: the ports the user gave, comma separated


@dataclasses.dataclass
class Made:
    """What a build created, to undo on failure."""

    ports: list[str] = dataclasses.field(default_factory=list)
    volumes: list[str] = dataclasses.field(default_factory=list)
    attachments: list[str] = dataclasses.field(default_factory=list)


async def attach_volumes(volumes: VolumeClient, instance: dict[str, Any],
                         made: Made) -> dict[str, dict[str, Any]]:
    """Attach the instance's volume mappings; bdm uuid -> {volume_id, attachment_id}."""
    updates: dict[str, dict[str, Any]] = {}
    for bdm in instance.get("bdms") or []:
        if bdm.get("destination_type") != "volume":
            continue
        volume_id = bdm.get("volume_id")
        if not volume_id:
            created = await volumes.create_volume(int(bdm.get("volume_size") or 1),
                                                  name=f"{instance['uuid']}-blank")
            volume_id = str(created["id"])
            made.volumes.append(volume_id)
            await _await_available(volumes, volume_id)
        attachment = await volumes.create_attachment(volume_id, instance["uuid"])
        made.attachments.append(str(attachment["id"]))
        await volumes.complete_attachment(str(attachment["id"]))
        updates[bdm["uuid"]] = {"volume_id": volume_id, "attachment_id": attachment["id"]}
    return updates


async def _await_available(volumes: VolumeClient, volume_id: str) -> None:
    """Wait for a new volume to leave ``creating``, as Nova's
    ``_await_block_device_map_created`` (bounded, with a growing pause)."""
    pause, waited = 0.01, 0.0
    while waited < VOLUME_WAIT:
        found = await volumes.get_volume(volume_id)
        status = (found or {}).get("status")
        if status == "available":
            return
        if status in (None, "error"):
            raise VolumeNotReady(f"Volume {volume_id} did not finish creating ({status}).")
        await asyncio.sleep(pause)
        waited += pause
        pause = min(pause * 2, 0.5)
    raise VolumeNotReady(f"Volume {volume_id} was still creating after {VOLUME_WAIT} s.")


async def detach_volumes(volumes: VolumeClient, bdms: list[dict[str, Any]]) -> None:
    for bdm in bdms:
        if bdm.get("attachment_id"):
            await volumes.delete_attachment(str(bdm["attachment_id"]))
        if bdm.get("volume_id") and bdm.get("delete_on_termination"):
            with contextlib.suppress(ServiceError):  # still detaching, or already gone
                await volumes.delete_volume(str(bdm["volume_id"]))


async def undo(volumes: VolumeClient, network: NetworkClient, made: Made) -> None:
    for attachment_id in made.attachments:
        await volumes.delete_attachment(attachment_id)
    for volume_id in made.volumes:
        with contextlib.suppress(ServiceError):
            await volumes.delete_volume(volume_id)
    for port_id in made.ports:
        await network.delete_port(port_id)


def _address(port: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"addr": ip["ip_address"], "version": 6 if ":" in ip["ip_address"] else 4,
             "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": port.get("mac_address")}
            for ip in port.get("fixed_ips") or []]


async def bind_ports(network: NetworkClient, instance: dict[str, Any],
                     requested: list[dict[str, Any]], host: str,
                     made: Made) -> dict[str, list[dict[str, Any]]]:
    """Ports for the requested networks; the instance's ``addresses``."""
    addresses: dict[str, list[dict[str, Any]]] = {}
    owner = f"compute:{instance.get('availability_zone') or 'nova'}"
    names: dict[str, str] = {}
    for wanted in requested:
        if wanted.get("port_id"):
            port = await network.update_port(
                wanted["port_id"], device_id=instance["uuid"], device_owner=owner,
                **{"binding:host_id": host})
        else:
            fields: dict[str, Any] = {"network_id": wanted["network_id"],
                                      "device_id": instance["uuid"], "device_owner": owner,
                                      "project_id": instance["project_id"],
                                      "binding:host_id": host}
            if wanted.get("fixed_ip"):
                fields["fixed_ips"] = [{"ip_address": wanted["fixed_ip"]}]
            port = await network.create_port(**fields)
            made.ports.append(str(port["id"]))
        net_id = str(port["network_id"])
        if net_id not in names:
            found = await network.get_network(net_id)
            names[net_id] = str(found["name"]) if found else net_id
        addresses.setdefault(names[net_id], []).extend(_address(port))
    return addresses


async def release_ports(network: NetworkClient, instance_uuid: str,
                        preserved: set[str]) -> None:
    """Delete the ports made for the instance; unbind those the user gave."""
    for port in await network.list_ports(device_id=instance_uuid):
        if str(port["id"]) in preserved:
            await network.update_port(str(port["id"]), device_id="", device_owner="",
                                      **{"binding:host_id": ""})
        else:
            await network.delete_port(str(port["id"]))
