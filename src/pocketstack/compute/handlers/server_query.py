"""The query of ``GET /servers[/detail]`` as a :class:`ListQuery`: scope, filters (what a
non-admin may use, what only admins may), sort keys, limit and marker."""

from __future__ import annotations

import datetime

from starlette.requests import Request

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import ApiError
from pocketstack.compute.cells.merge import with_tiebreaker
from pocketstack.compute.handlers.base import authorize, want
from pocketstack.compute.objects.server_list import ListQuery
from pocketstack.compute.service import Compute

__all__ = ["down_cell_support", "list_query", "states_of"]

# API status -> (vm_states, task_states or None).
_STATES: dict[str, tuple[list[str], list[str] | None]] = {
    "ACTIVE": (["active"], None), "BUILD": (["building"], None),
    "SHUTOFF": (["stopped"], None), "ERROR": (["error"], None),
    "PAUSED": (["paused"], None), "SUSPENDED": (["suspended"], None),
    "RESCUE": (["rescued"], None), "VERIFY_RESIZE": (["resized"], None),
    "DELETED": (["deleted"], None), "SOFT_DELETED": (["soft-delete"], None),
    "SHELVED": (["shelved"], None), "SHELVED_OFFLOADED": (["shelved_offloaded"], None),
    "REBOOT": (["active"], ["rebooting", "reboot_pending", "reboot_started"]),
    "HARD_REBOOT": (["active"], ["rebooting_hard", "reboot_pending_hard",
                                 "reboot_started_hard"]),
    "REBUILD": (["active", "stopped", "error"], ["rebuilding"]),
    "MIGRATING": (["active", "paused"], ["migrating"]),
}
_SORT_KEYS = {"created_at", "updated_at", "display_name", "uuid", "host", "node", "vm_state",
              "task_state", "power_state", "launched_at", "terminated_at", "key_name",
              "availability_zone", "project_id", "user_id", "hostname", "image_ref",
              "launch_index", "locked", "display_description", "access_ip_v4",
              "access_ip_v6", "config_drive", "progress", "reservation_id",
              "root_device_name", "disk_config"}
_ADMIN_SORT = {"host", "node"}
# The query parameters Nova's list schema knows; from 2.75 any other one is a 400.
_KNOWN = _SORT_KEYS | {
    "all_tenants", "tenant_id", "project_id", "user_id", "name", "status", "image", "flavor",
    "ip", "ip6", "changes-since", "changes-before", "deleted", "limit", "marker", "sort_key",
    "sort_dir", "tags", "tags-any", "not-tags", "not-tags-any", "locked", "config_drive",
    "created_at", "description", "kernel_id", "ramdisk_id", "architecture", "hidden",
    "soft_deleted", "vcpus", "memory_mb", "root_gb", "auto_disk_config", "os_type",
    "access_ip_v4", "access_ip_v6", "block_device_mapping", "cell_name", "info_cache",
    "security_groups", "pci_devices", "services", "metadata", "system_metadata",
    "instance_type_id", "ephemeral_gb", "ephemeral_key_uuid", "key_data", "cleaned",
    "default_ephemeral_device", "default_swap_device", "shutdown_terminate",
    "disable_terminate", "vm_mode", "launched_on", "locked_by", "fault", "numa_topology",
    "pci_requests", "vpmems", "trusted_certs", "resources",
    "ec2_ids", "keypairs", "device_metadata", "user_data", "terminated_at", "launched_at"}
_TRUE = {"1", "true", "t", "yes", "y", "on"}
# The filters a non-admin may use (Nova strips the others before looking at them).
_USER_FILTERS = {"all_tenants", "name", "status", "image", "flavor", "ip", "ip6",
                 "changes-since", "changes-before", "reservation_id", "tags", "tags-any",
                 "not-tags", "not-tags-any", "locked", "description", "config_drive",
                 "created_at", "updated_at", "key_name", "hostname", "availability_zone",
                 "launched_at", "terminated_at", "power_state", "task_state", "vm_state",
                 "progress", "user_id"}
_PAGING = {"sort_key", "sort_dir", "limit", "marker"}


def states_of(status: str) -> tuple[list[str], list[str] | None] | None:
    return _STATES.get(status.upper())


def _sort(request: Request, is_admin: bool) -> list[tuple[str, str]]:
    params = request.query_params
    keys, dirs = params.getlist("sort_key"), params.getlist("sort_dir")
    found: list[tuple[str, str]] = []
    for index, key in enumerate(keys):
        direction = (dirs[index] if index < len(dirs) else "desc").lower()
        if direction not in ("asc", "desc"):
            raise ApiError(400, f"Invalid sort direction {direction}")
        if key in _ADMIN_SORT and not is_admin:
            raise ApiError(403, f"Only administrators can sort servers by {key}")
        if key in _SORT_KEYS:
            found.append((key, direction))
        elif want(request, (2, 75)) and key not in ("id",):
            raise ApiError(400, f"Invalid input for query parameters sort_key. Value: {key}.")
    return with_tiebreaker(found or [("created_at", "desc")])


def _limit(svc: Compute, raw: str | None) -> int:
    cap = svc.settings.compute.max_limit
    if raw is None:
        return cap
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "limit param must be an integer") from None
    if value < 0:
        raise ApiError(400, "limit param must be positive")
    return min(value, cap)


def _since(raw: str | None) -> datetime.datetime | None:
    if raw is None:
        return None
    try:
        moment = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid input for query parameters changes-since. Value: "
                            f"{raw}.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment


def down_cell_support(request: Request, is_admin: bool) -> bool:
    """Whether this list may answer with minimal records for a down cell's servers (§2.4):
    from 2.69, with no paging or sorting, and no filter but ``all_tenants`` (a non-admin's
    filters that Nova strips do not count)."""
    if not want(request, (2, 69)):
        return False
    params = set(request.query_params)
    if params & _PAGING:
        return False
    filters = params if is_admin else params & _USER_FILTERS
    return filters <= {"all_tenants"}


def list_query(svc: Compute, request: Request, ctx: RequestContext, rule: str) -> ListQuery:
    params = request.query_params
    if want(request, (2, 75)):
        unknown = sorted(set(params) - _KNOWN)
        if unknown:
            raise ApiError(400, f"Additional properties are not allowed ('{unknown[0]}' was "
                                "unexpected)")
    auth = ctx.authenticated
    admin = auth.is_admin
    project: str | None = auth.project_id
    if params.get("all_tenants", "").lower() in _TRUE | {""} and "all_tenants" in params:
        authorize(svc, request, f"os_compute_api:servers:{rule}:get_all_tenants")
        project = params.get("project_id") or params.get("tenant_id")
    vm_states: list[str] | None = None
    task_states: list[str] | None = None
    deleted: bool | None = None
    if "status" in params:
        states = states_of(params["status"])
        if states is None:
            if want(request, (2, 38)):
                raise ApiError(400, "Invalid status value")
            states = ([], None)
        vm_states, task_states = states
        if "deleted" in vm_states:
            if not admin:
                raise ApiError(403, "Only administrators may list deleted instances")
            deleted = True
    if admin and "deleted" in params:
        deleted = params["deleted"].lower() in _TRUE
    equal = {col: params[name] for name, col in (
        ("reservation_id", "reservation_id"), ("image", "image_ref"))
        if name in params}
    if admin:
        equal.update({col: params[col] for col in ("host", "node") if col in params})
    flavor = params.get("flavor")
    return ListQuery(project_id=project, sort=_sort(request, admin),
                     limit=_limit(svc, params.get("limit")), marker=params.get("marker"),
                     name=params.get("name"), vm_states=vm_states, task_states=task_states,
                     equal=equal, flavor=flavor.rstrip("/").rsplit("/", 1)[-1] if flavor
                     else None, changes_since=_since(params.get("changes-since")),
                     deleted=deleted)
