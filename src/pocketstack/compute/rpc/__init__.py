"""The compute message contract: topics, methods and payloads, shared by both ends.

This module imports nothing of compute, so the host agent (which must not reach the API side
or any database) and the conductors agree on one vocabulary. Payloads are JSON objects;
timestamps in them are ISO 8601 strings.

API-level bus (super-conductor, scheduler)::

    conductor.schedule_and_build_instances  cast  {"instance_uuids": [...], "request_id"}
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
    "Selection",
]

# Topics.
API_CONDUCTOR = "conductor"  # on the API bus: the super-conductor
SCHEDULER = "scheduler"  # on the API bus
CELL_CONDUCTOR = "conductor"  # on a cell's bus: that cell's conductor
COMPUTE = "compute"  # on a cell's bus, addressed to server=<host>

SCHEDULE_AND_BUILD = "schedule_and_build_instances"
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
