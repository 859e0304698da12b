"""The compute message contract: topics, methods and payloads, shared by both ends.

This module imports nothing of compute, so the host agent (which must not reach the API side
or any database) and the conductors agree on one vocabulary. Payloads are JSON objects;
timestamps in them are ISO 8601 strings.

API-level bus (super-conductor, scheduler)::

    conductor.schedule_and_build_instances  cast  {"instance_uuids": [...], "request_id"}
    conductor.migrate_server / confirm_resize / revert_resize
                                            cast  {"migration_uuid", "cell_uuid"}
    scheduler.select_destinations           call  {"instance_uuids": [...]}
        -> [[Selection, ...] per instance]  (chosen first, then alternates of the same cell)

A cell's bus (its conductor and its hosts)::

    conductor.<method>            call from a host: the cell conductor applies it to the
                                  cell database (hosts never hold a database URL)
    compute.<method> to <host>    cast from the API or a conductor to one host agent
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "API_CONDUCTOR",
    "CELL_CONDUCTOR",
    "COMPUTE",
    "SCHEDULER",
    "ConductorMethod",
    "HostMethod",
    "MigrateMethod",
    "Selection",
]

# System metadata of an instance given GPUs: "<address>" (whole) or "<type>@<address>"
# (vGPUs), comma separated; a host step of a move answers it as "devices".
DEVICES_KEY = "assigned_devices"

# Topics.
API_CONDUCTOR = "conductor"  # on the API bus: the super-conductor
SCHEDULER = "scheduler"  # on the API bus
CELL_CONDUCTOR = "conductor"  # on a cell's bus: that cell's conductor
COMPUTE = "compute"  # on a cell's bus, addressed to server=<host>

SCHEDULE_AND_BUILD = "schedule_and_build_instances"
# Casts to the super-conductor, {"migration_uuid", "cell_uuid"} (the cell the server is
# mapped to): drive a resize/migration the API recorded, or its confirm or revert.
MIGRATE_SERVER = "migrate_server"
CONFIRM_RESIZE = "confirm_resize"
REVERT_RESIZE = "revert_resize"
SELECT_DESTINATIONS = "select_destinations"


class Selection(TypedDict):
    """One place an instance may go, as the scheduler claimed (or may claim) it."""

    host: str
    nodename: str
    cell_uuid: str
    compute_node_uuid: str  # the resource provider
    allocation_request: dict[str, Any]  # placement's, for PUT /allocations/{consumer}
    availability_zone: str | None


class HostMethod:
    """Casts to ``compute`` at ``server=<host>``. Every payload has ``instance_uuid`` and
    ``request_id``; the API (or conductor) has already set the task state it expects."""

    BUILD_AND_RUN = "build_and_run_instance"  # + "instance": {...}, "alternates": [Selection]
    TERMINATE = "terminate_instance"  # + "bdms": [...]
    STOP = "stop_instance"
    START = "start_instance"
    REBOOT = "reboot_instance"  # + "reboot_type": "SOFT" | "HARD"
    PAUSE = "pause_instance"
    UNPAUSE = "unpause_instance"
    SUSPEND = "suspend_instance"
    RESUME = "resume_instance"
    REBUILD = "rebuild_instance"  # + "image_ref": str
    SNAPSHOT = "snapshot_instance"  # + "image_id": str (queued image the host uploads into)


class MigrateMethod:
    """Calls (not casts) from the super-conductor to one host agent, one per step of a
    resize or cold migration (§4.3, §4.5). Each is idempotent: after a restart the
    conductor calls the step it had not finished again. Payloads carry ``instance`` (the
    record as the step needs it), ``migration`` (its uuid, source and destination) and
    ``cross_cell``."""

    # dest: check the host can take it; cross-cell: a new (reserved) volume attachment per
    # volume mapping -> {"attachments": {bdm uuid: attachment id}}
    PREP_AT_DEST = "prep_resize"
    # source: power off keeping the disks; with "image_id", upload the root disk into that
    # image; with "dest_host", bind the ports there -> {"power_state"}
    RESIZE_AT_SOURCE = "resize_instance"
    # dest: bind the ports to it, complete the attachments, spawn with the new flavor
    # (powered off when "power_on" is false) -> {"addresses"}
    FINISH_AT_DEST = "finish_resize"
    # source: destroy the old guest and its disks (confirm)
    CONFIRM_AT_SOURCE = "confirm_resize"
    # dest: destroy the new guest (revert, or undoing a failed move)
    REVERT_AT_DEST = "revert_resize"
    # source: the ports back on it, the old guest started again from its disks
    FINISH_REVERT_AT_SOURCE = "finish_revert_resize"


class ConductorMethod:
    """Calls from a host agent to its cell's conductor."""

    # {"instance_uuid", "values": {...}, "expected_task_state": [..] | absent} -> instance
    # or None when the instance is gone or its task state was not one of those expected.
    INSTANCE_UPDATE = "instance_update"
    # {"instance_uuid", "request_id", "event", "result": None|"Success"|"Error",
    #  "host", "details"?}: start (result None) or finish an action event.
    ACTION_EVENT = "action_event"
    # {"instance_uuid", "code", "message", "details", "host"}
    INSTANCE_FAULT = "instance_fault"
    # {"instance_uuid"}: soft-delete the row (terminate finished)
    INSTANCE_DESTROY = "instance_destroy"
    # {"instance_uuid", "request_id", "alternates": [Selection], "reason"}: a build failed on
    # a host; the conductor claims the next alternate or puts the instance in ERROR.
    BUILD_FAILED = "build_failed"
    # {"host", "binary"} -> {"disabled", "forced_down", "uuid"}: register/heartbeat
    SERVICE_REPORT = "service_report"
    # {"host", "uuid", "hypervisor_hostname", "hypervisor_type", "hypervisor_version",
    #  "host_ip", "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used",
    #  "local_gb_used", "running_vms"}
    COMPUTE_NODE_REPORT = "compute_node_report"
    # {"host"} -> [instance, ...]: the instances the cell says this host runs (restart)
    HOST_INSTANCES = "host_instances"
