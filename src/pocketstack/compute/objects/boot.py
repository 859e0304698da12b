"""Building the boot records of ``POST /servers`` from a validated request.

Everything the API must decide before answering 202 happens here: the flavor, the image (its
properties become ``image_<key>`` system metadata), the requested networks and ports, the key
pair, the block device mappings and the server group. Failures raise :class:`BootInvalid`
(400) or :class:`BootConflict` (409) with Nova's words.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.client import ServiceError
from pocketstack.compute.objects import server_groups
from pocketstack.compute.objects.build_requests import BootRecord
from pocketstack.compute.objects.flavors import FlavorNotFound, get_flavor
from pocketstack.compute.objects.instances import now
from pocketstack.compute.objects.keypairs import get_keypair
from pocketstack.image.client import ImageClient
from pocketstack.network.client import NetworkClient
from pocketstack.volume.client import VolumeClient

__all__ = [
    "BootConflict",
    "BootForbidden",
    "BootInvalid",
    "Caller",
    "build_records",
    "check_block_devices",
    "counts",
    "flavor_at_boot",
    "flavor_of",
    "get_image",
    "image_ref_of",
    "require_image_or_volume",
]

_IMAGE_CORE = {"id", "name", "status", "visibility", "protected", "checksum", "os_hidden",
               "owner", "size", "virtual_size", "container_format", "disk_format",
               "created_at", "updated_at", "tags", "file", "schema", "self", "direct_url",
               "locations", "os_hash_algo", "os_hash_value", "stores", "min_ram", "min_disk"}


class BootInvalid(ValueError):
    """The request names something that does not exist or cannot be used (400)."""


class BootConflict(Exception):
    """The request conflicts with the state of a resource (409)."""


class BootForbidden(Exception):
    """Over a quota (403)."""


def require_image_or_volume(body: Mapping[str, Any]) -> str:
    """The image id to boot from, or "" to boot from a volume (block devices given)."""
    ref = image_ref_of(body.get("imageRef") or "")
    if not ref and not body.get("block_device_mapping_v2"):
        raise BootInvalid("Missing imageRef attribute")
    return ref


@dataclasses.dataclass(frozen=True)
class Caller:
    project_id: str
    user_id: str
    request_id: str


def flavor_at_boot(flavor: Mapping[str, Any]) -> dict[str, Any]:
    return {"flavorid": flavor["flavorid"], "name": flavor["name"],
            "memory_mb": flavor["memory_mb"], "vcpus": flavor["vcpus"],
            "root_gb": flavor["root_gb"], "ephemeral_gb": flavor["ephemeral_gb"],
            "swap": flavor["swap"], "rxtx_factor": flavor["rxtx_factor"],
            "extra_specs": dict(flavor.get("extra_specs") or {})}


def image_ref_of(ref: str) -> str:
    """An image id or URL: its last path segment."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


async def get_image(client: ImageClient, image_id: str, as_token: str) -> dict[str, Any]:
    """The image as the caller (whose token this is) sees it: 400 unless it exists for them
    and is active. Another project's private image is not found, as in Nova."""
    image = await _visible_image(client, image_id, as_token)
    if image is None:
        raise BootInvalid(f"Image {image_id} could not be found.")
    if image.get("status") != "active":
        raise BootInvalid(f"Image {image_id} is not active.")
    return image


async def check_block_devices(volumes: VolumeClient, images: ImageClient,
                              body: Mapping[str, Any], as_token: str) -> None:
    """The volumes and images of ``block_device_mapping_v2`` exist for the caller (whose
    token this is) and a volume to attach is available: 400 otherwise, in Nova's words."""
    for bdm in body.get("block_device_mapping_v2") or []:
        source, ref = bdm.get("source_type", "volume"), str(bdm.get("uuid") or "")
        if source == "volume" and ref:
            volume = await volumes.get_volume(ref, as_token=as_token)
            if volume is None:
                raise BootInvalid(f"Block Device Mapping is Invalid: failed to get volume {ref}.")
            if volume.get("status") != "available":
                raise BootInvalid(f"Invalid volume: volume '{ref}' status must be 'available'. "
                                  f"Currently in '{volume.get('status')}'")
        elif source == "image" and ref and await _visible_image(images, ref, as_token) is None:
            raise BootInvalid(f"Block Device Mapping is Invalid: failed to get image {ref}.")


async def _visible_image(client: ImageClient, image_id: str, as_token: str
                         ) -> dict[str, Any] | None:
    """The image, or None when the caller cannot see one of that id (or it is malformed)."""
    try:
        return await client.get_image(image_id, as_token=as_token)
    except ServiceError as error:
        if error.status in (400, 404):
            return None
        raise


async def _auto_network(client: NetworkClient, project_id: str) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for listed in (await client.list_networks(project_id=project_id),
                   await client.list_networks(shared="true")):
        found.update({net["id"]: net for net in listed})
    if len(found) > 1:
        raise BootConflict("Multiple possible networks found, use a Network ID to be more "
                           "specific.")
    return [{"network_id": net_id, "fixed_ip": None} for net_id in found]


async def requested_networks(client: NetworkClient, networks: Any, project_id: str,
                             as_token: str) -> list[dict[str, Any]]:
    """``networks`` of the request as the request spec carries them; networks and ports
    are looked up as the caller (whose token this is) sees them."""
    if networks in (None, "none"):
        return []
    if networks == "auto":
        return await _auto_network(client, project_id)
    wanted: list[dict[str, Any]] = []
    for item in networks:
        port_id = item.get("port")
        if port_id:
            port = await client.get_port(port_id, as_token=as_token)
            if port is None:
                raise BootInvalid(f"Port id {port_id} could not be found.")
            if port.get("device_id"):
                raise BootConflict(f"Port {port_id} is still in use.")
            wanted.append({"port_id": port_id})
            continue
        net_id = item.get("uuid")
        if not net_id:
            raise BootInvalid("Bad network format: missing uuid")
        if await client.get_network(net_id, as_token=as_token) is None:
            raise BootInvalid(f"Network {net_id} could not be found.")
        wanted.append({"network_id": net_id, "fixed_ip": item.get("fixed_ip")})
    return wanted


def _bdms(body: Mapping[str, Any], image_id: str) -> list[dict[str, Any]]:
    given = body.get("block_device_mapping_v2") or []
    if not given and image_id:
        given = [{"source_type": "image", "destination_type": "local", "boot_index": 0,
                  "uuid": image_id, "delete_on_termination": True}]
    bdms = []
    for bdm in given:
        source = bdm.get("source_type", "volume")
        bdms.append({
            "source_type": source,
            "destination_type": bdm.get("destination_type", "volume"),
            "boot_index": None if bdm.get("boot_index") is None else int(bdm["boot_index"]),
            "volume_id": bdm.get("uuid") if source == "volume" else None,
            "image_id": bdm.get("uuid") if source == "image" else None,
            "volume_size": bdm.get("volume_size"),
            "delete_on_termination": str(bdm.get("delete_on_termination", False)).lower()
            in ("true", "1"),
            "device_name": bdm.get("device_name"), "tag": bdm.get("tag")})
    return bdms


def counts(body: Mapping[str, Any]) -> tuple[int, int]:
    """(min_count, max_count) of the request."""
    low = int(body.get("min_count", 1))
    high = int(body.get("max_count", low))
    if high < low:
        raise BootInvalid("min_count must be <= max_count")
    return low, high


def _user_data(body: Mapping[str, Any]) -> str | None:
    data = body.get("user_data")
    if data is None:
        return None
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BootInvalid("User data needs to be valid base 64.") from None
    return str(data)


async def _server_group(conn: AsyncConnection, hints: Mapping[str, Any]) -> dict[str, Any] | None:
    group_uuid = hints.get("group")
    if not group_uuid:
        return None
    group = await server_groups.get_group(conn, group_uuid)
    if group is None:
        raise BootInvalid(f"Invalid server group {group_uuid}")
    return {"uuid": group_uuid, "policy": group.get("policy"), "rules": group.get("rules", {})}


async def add_group_members(conn: AsyncConnection, group: Mapping[str, Any] | None,
                            instance_uuids: list[str], *, limit: int) -> None:
    if group is None:
        return
    try:
        await server_groups.add_members(conn, group["uuid"], instance_uuids, limit=limit)
    except server_groups.GroupFull as error:
        raise BootForbidden(str(error)) from None


def new_password() -> str:
    return secrets.token_urlsafe(9)


def reservation_id() -> str:
    return "r-" + secrets.token_hex(4)


async def flavor_of(conn: AsyncConnection, body: Mapping[str, Any]) -> dict[str, Any]:
    """The flavor ``flavorRef`` names, as the instance records it (400 when unknown)."""
    try:
        return flavor_at_boot(await get_flavor(conn, image_ref_of(str(body["flavorRef"]))))
    except FlavorNotFound:
        raise BootInvalid("Invalid flavorRef provided.") from None


async def build_records(conn: AsyncConnection, body: Mapping[str, Any],
                        hints: Mapping[str, Any], caller: Caller, *, image: dict[str, Any],
                        networks: list[dict[str, Any]], flavor: dict[str, Any] | None = None
                        ) -> tuple[list[BootRecord], dict[str, Any] | None]:
    """One record per instance (``max_count``), and the server group (if any); ``flavor``
    as :func:`flavor_of` read it, or read here."""
    flavor = flavor if flavor is not None else await flavor_of(conn, body)
    key = None
    if body.get("key_name"):
        key = await get_keypair(conn, caller.user_id, body["key_name"])
        if key is None:
            raise BootInvalid("Invalid key_name provided.")
    _, count = counts(body)
    group = await _server_group(conn, hints)
    image_id = str(image.get("id", ""))
    properties = {k: v for k, v in image.items() if k not in _IMAGE_CORE}
    bdms = _bdms(body, image_id)
    groups = [g.get("name", "default") for g in body.get("security_groups") or []]
    zone = body.get("availability_zone")
    shared = {
        "project_id": caller.project_id, "user_id": caller.user_id,
        "display_description": body.get("description"), "host": None, "node": None,
        "vm_state": "building", "task_state": "scheduling", "power_state": 0,
        "image_ref": image_id, "flavor": flavor, "key_name": body.get("key_name"),
        "key_data": key["public_key"] if key else None, "user_data": _user_data(body),
        "metadata": dict(body.get("metadata") or {}),
        "system_metadata": {f"image_{k}": str(v) for k, v in properties.items()},
        "tags": list(body.get("tags") or []), "addresses": {},
        "security_groups": groups or ["default"], "availability_zone": zone,
        "pinned_availability_zone": zone, "reservation_id": reservation_id(),
        "locked": False, "locked_by": None, "locked_reason": None,
        "config_drive": "True" if str(body.get("config_drive", "")).lower() in (
            "true", "1") else "",
        "disk_config": body.get("OS-DCF:diskConfig", "MANUAL"),
        "access_ip_v4": body.get("accessIPv4"), "access_ip_v6": body.get("accessIPv6"),
        "progress": 0, "hidden": False, "created_at": now().isoformat(),
    }
    records = []
    for index in range(count):
        instance_uuid = str(uuid.uuid4())
        name = body["name"] if count == 1 else f"{body['name']}-{index + 1}"
        instance = {**shared, "uuid": instance_uuid, "display_name": name,
                    "hostname": body.get("hostname") or _hostname(name),
                    "launch_index": index}
        spec = {"instance_uuid": instance_uuid, "project_id": caller.project_id,
                "user_id": caller.user_id, "flavor": flavor,
                "image": {"id": image_id, "properties": properties} if image_id else {},
                "availability_zone": zone, "num_instances": count, "instance_group": group,
                "scheduler_hints": dict(hints), "is_bfv": not image_id,
                "requested_networks": networks, "security_groups": instance["security_groups"],
                "ignore_hosts": [], "requested_destination": None,
                "request_id": caller.request_id}
        own_bdms = [{**b, "uuid": str(uuid.uuid4())} for b in bdms]  # one row per instance
        records.append(BootRecord(instance, own_bdms, instance["tags"], spec))
    return records, group


def _hostname(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in name.lower())
    return cleaned.strip("-")[:63] or "server"
