"""The server view by microversion (show, detail, index), built for speed.

Everything that depends on the request (microversion flags, admin attributes, link bases) is
computed once in :class:`ViewOptions`; :func:`detail` then only reads one instance record and
the per-cell batches (faults, attached volumes) the caller fetched beforehand.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from pocketstack.common.context import context_of
from pocketstack.compute.handlers.base import version

__all__ = ["Extras", "ViewOptions", "detail", "index_item", "minimal_detail", "minimal_index",
           "minimal_show", "options_for", "status_of"]

_ACTIVE = {"rebooting": "REBOOT", "reboot_pending": "REBOOT", "reboot_started": "REBOOT",
           "rebooting_hard": "HARD_REBOOT", "reboot_pending_hard": "HARD_REBOOT",
           "reboot_started_hard": "HARD_REBOOT", "updating_password": "PASSWORD",
           "rebuilding": "REBUILD", "rebuild_block_device_mapping": "REBUILD",
           "rebuild_spawning": "REBUILD", "migrating": "MIGRATING",
           "resize_prep": "RESIZE", "resize_migrating": "RESIZE",
           "resize_migrated": "RESIZE", "resize_finish": "RESIZE"}
_STATUS: dict[str, tuple[str, dict[str, str]]] = {
    "active": ("ACTIVE", _ACTIVE),
    "building": ("BUILD", {}),
    "stopped": ("SHUTOFF", {k: v for k, v in _ACTIVE.items() if v in ("RESIZE", "REBUILD")}),
    "resized": ("VERIFY_RESIZE", {"resize_reverting": "REVERT_RESIZE"}),
    "paused": ("PAUSED", {"migrating": "MIGRATING"}),
    "suspended": ("SUSPENDED", {}),
    "rescued": ("RESCUE", {}),
    "error": ("ERROR", {"rebuilding": "REBUILD"}),
    "deleted": ("DELETED", {}),
    "soft-delete": ("SOFT_DELETED", {}),
    "shelved": ("SHELVED", {}),
    "shelved_offloaded": ("SHELVED_OFFLOADED", {}),
}
_PROGRESS = {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}


def status_of(vm_state: str, task_state: str | None) -> str:
    default, by_task = _STATUS.get(vm_state, ("UNKNOWN", {}))
    return by_task.get(task_state or "", default)


@dataclasses.dataclass(frozen=True, slots=True)
class ViewOptions:
    """What the request decides for every server it shows."""

    self_base: str  # <endpoint>/v2.1[/<project>]/servers/
    bookmark_base: str  # <endpoint>[/<project>]/servers/
    image_base: str  # <endpoint>[/<project>]/images/
    flavor_base: str  # <endpoint>[/<project>]/flavors/
    admin_attrs: bool  # os-extended-server-attributes passes
    is_admin: bool
    v: tuple[int, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Extras:
    """Batched per cell: the latest fault and attached volumes of each instance."""

    faults: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    volumes: Mapping[str, list[tuple[str, bool]]] = dataclasses.field(default_factory=dict)


def options_for(request: Request, *, admin_attrs: bool, is_admin: bool) -> ViewOptions:
    base = context_of(request).base_url
    project = request.path_params.get("project_id")
    tail = f"/{project}" if project else ""
    return ViewOptions(f"{base}/v2.1{tail}/servers/", f"{base}{tail}/servers/",
                       f"{base}{tail}/images/", f"{base}{tail}/flavors/", admin_attrs,
                       is_admin, version(request))


def _stamp(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _naive(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value.isoformat())


def _links(opts: ViewOptions, uuid: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": opts.self_base + uuid},
            {"rel": "bookmark", "href": opts.bookmark_base + uuid}]


def index_item(inst: Mapping[str, Any], opts: ViewOptions) -> dict[str, Any]:
    uuid = inst["uuid"]
    return {"id": uuid, "name": inst["display_name"], "links": _links(opts, uuid)}


def _flavor(flavor: Mapping[str, Any], opts: ViewOptions) -> dict[str, Any]:
    if opts.v < (2, 47):
        fid = flavor["flavorid"]
        return {"id": fid, "links": [{"rel": "bookmark", "href": opts.flavor_base + fid}]}
    return {"vcpus": flavor["vcpus"], "ram": flavor["memory_mb"], "disk": flavor["root_gb"],
            "ephemeral": flavor["ephemeral_gb"], "swap": flavor["swap"],
            "original_name": flavor["name"], "extra_specs": dict(flavor["extra_specs"])}


def _fault(fault: Mapping[str, Any], opts: ViewOptions) -> dict[str, Any]:
    shown = {"code": fault["code"], "created": _stamp(fault["created_at"]),
             "message": fault["message"]}
    if opts.is_admin or fault["code"] != 500:
        shown["details"] = fault.get("details") or ""
    return shown


def detail(inst: Mapping[str, Any], opts: ViewOptions, extras: Extras, *,
           groups: list[str] | None = None) -> dict[str, Any]:
    """The full server view; ``groups`` (≥ 2.71, show only) adds ``server_groups``."""
    uuid, v, host = inst["uuid"], opts.v, inst["host"]
    status = status_of(inst["vm_state"], inst["task_state"])
    image_ref = inst["image_ref"]
    server: dict[str, Any] = {
        "id": uuid, "name": inst["display_name"], "status": status,
        "tenant_id": inst["project_id"], "user_id": inst["user_id"],
        "metadata": inst["metadata"], "created": _stamp(inst["created_at"]),
        "updated": _stamp(inst.get("updated_at") or inst["created_at"]),
        "hostId": hashlib.sha224((inst["project_id"] + host).encode()).hexdigest()
        if host else "",
        "accessIPv4": inst.get("access_ip_v4") or "", "accessIPv6": inst.get("access_ip_v6")
        or "", "addresses": inst["addresses"], "links": _links(opts, uuid),
        "image": {"id": image_ref, "links": [{"rel": "bookmark",
                                              "href": opts.image_base + image_ref}]}
        if image_ref else "",
        "flavor": _flavor(inst["flavor"], opts),
        "OS-DCF:diskConfig": inst["disk_config"],
        "OS-EXT-AZ:availability_zone": inst["availability_zone"] or "",
        "config_drive": inst["config_drive"], "key_name": inst["key_name"],
        "OS-SRV-USG:launched_at": _naive(inst.get("launched_at")),
        "OS-SRV-USG:terminated_at": _naive(inst.get("terminated_at")),
        "OS-EXT-STS:task_state": inst["task_state"],
        "OS-EXT-STS:vm_state": inst["vm_state"],
        "OS-EXT-STS:power_state": inst["power_state"],
        "os-extended-volumes:volumes_attached": [
            {"id": vid, "delete_on_termination": dot} if v >= (2, 3) else {"id": vid}
            for vid, dot in extras.volumes.get(uuid, ())],
    }
    if inst["security_groups"]:
        server["security_groups"] = [{"name": name} for name in inst["security_groups"]]
    if opts.admin_attrs:
        server["OS-EXT-SRV-ATTR:host"] = host
        server["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{uuid[:8]}"
        server["OS-EXT-SRV-ATTR:hypervisor_hostname"] = inst["node"]
        if v >= (2, 3):
            server.update({
                "OS-EXT-SRV-ATTR:hostname": inst["hostname"],
                "OS-EXT-SRV-ATTR:kernel_id": "", "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:launch_index": inst["launch_index"],
                "OS-EXT-SRV-ATTR:reservation_id": inst["reservation_id"],
                "OS-EXT-SRV-ATTR:root_device_name": inst.get("root_device_name"),
                "OS-EXT-SRV-ATTR:user_data": inst["user_data"]})
    elif v >= (2, 90):
        server["OS-EXT-SRV-ATTR:hostname"] = inst["hostname"]
    fault = extras.faults.get(uuid)
    if fault is not None and status in ("ERROR", "DELETED"):
        server["fault"] = _fault(fault, opts)
    if status in _PROGRESS:
        server["progress"] = inst.get("progress") or 0
    if v >= (2, 9):
        server["locked"] = bool(inst["locked"])
    if v >= (2, 16) and opts.is_admin:
        server["host_status"] = "UP" if host else ""
    if v >= (2, 19):
        server["description"] = inst.get("display_description")
    if v >= (2, 26):
        server["tags"] = list(inst["tags"])
    if v >= (2, 63):
        server["trusted_image_certificates"] = None
    if v >= (2, 71) and groups is not None:
        server["server_groups"] = groups
    if v >= (2, 73):
        server["locked_reason"] = inst.get("locked_reason")
    if v >= (2, 96):
        server["pinned_availability_zone"] = inst.get("pinned_availability_zone")
    return server


# -- minimal records (2.69): servers of a cell that is down, from the API database only ----

def minimal_index(uuid: str, opts: ViewOptions) -> dict[str, Any]:
    return {"id": uuid, "status": "UNKNOWN", "links": _links(opts, uuid)}


def minimal_detail(uuid: str, project_id: str, created: Any,
                   opts: ViewOptions) -> dict[str, Any]:
    return {"id": uuid, "status": "UNKNOWN", "tenant_id": project_id,
            "created": _stamp(created), "links": _links(opts, uuid)}


def minimal_show(uuid: str, project_id: str, created: Any, spec: Mapping[str, Any],
                 opts: ViewOptions) -> dict[str, Any]:
    """What the mapping and the request spec tell of a server whose cell is down."""
    server = minimal_detail(uuid, project_id, created, opts)
    image_id = (spec.get("image") or {}).get("id")
    flavor = spec.get("flavor") or {}
    server.update({
        "user_id": spec.get("user_id") or "UNKNOWN",
        "image": {"id": image_id, "links": [{"rel": "bookmark",
                                             "href": opts.image_base + image_id}]}
        if image_id else "",
        "flavor": {"vcpus": flavor.get("vcpus"), "ram": flavor.get("memory_mb"),
                   "disk": flavor.get("root_gb"), "ephemeral": flavor.get("ephemeral_gb"),
                   "swap": flavor.get("swap"), "original_name": flavor.get("name"),
                   "extra_specs": dict(flavor.get("extra_specs") or {})},
        "OS-EXT-AZ:availability_zone": spec.get("availability_zone") or "UNKNOWN",
        "OS-EXT-STS:power_state": 0})
    if opts.v >= (2, 71):
        group = spec.get("instance_group") or {}
        server["server_groups"] = [group["uuid"]] if group.get("uuid") else []
    return server
