"""A cell database (SQLAlchemy Core), the same schema for cell0 and every other cell.

An instance row is written once by the super-conductor (created in its cell) and then
changed by the cell conductor as the host reports progress. Deleting a server soft-deletes
its row (``deleted`` = its id, ``deleted_at``), as Nova does, so ``changes-since`` lists
show it. Instance actions and their events record what was asked and how it went
(``os-instance-actions``). ``services`` and ``compute_nodes`` are what the cell's hosts
report through the cell conductor; ``compute_nodes.mapped`` drives host discovery.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "block_device_mappings",
    "compute_nodes",
    "instance_actions",
    "instance_actions_events",
    "instance_faults",
    "instances",
    "metadata",
    "migrations",
    "services",
]

metadata = sa.MetaData()


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=True),
    ]


def _soft_delete() -> list[sa.Column[object]]:
    return [
        sa.Column("deleted_at", sa.DateTime(timezone=False), nullable=True),
        sa.Column("deleted", sa.Integer, nullable=False, default=0),  # 0, or the row's id
    ]


instances = sa.Table(
    "instances",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("display_name", sa.String(255), nullable=True),
    sa.Column("display_description", sa.Text, nullable=True),
    sa.Column("hostname", sa.String(255), nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("node", sa.String(255), nullable=True),
    sa.Column("launched_on", sa.String(255), nullable=True),
    sa.Column("vm_state", sa.String(255), nullable=False),
    sa.Column("task_state", sa.String(255), nullable=True),
    sa.Column("power_state", sa.Integer, nullable=False, default=0),
    sa.Column("image_ref", sa.String(255), nullable=True),  # "" when booted from a volume
    sa.Column("flavor", sa.JSON, nullable=False),  # the flavor at boot, extra specs included
    # The flavor's size, as columns so that quotas sum them in the database.
    sa.Column("vcpus", sa.Integer, nullable=False, server_default="0"),
    sa.Column("memory_mb", sa.Integer, nullable=False, server_default="0"),
    # Raised by every change of the row (what the API's cache of rendered views keys on).
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("key_name", sa.String(255), nullable=True),
    sa.Column("key_data", sa.Text, nullable=True),
    sa.Column("user_data", sa.Text, nullable=True),
    sa.Column("metadata", sa.JSON, nullable=False),  # server metadata, {key: value}
    sa.Column("system_metadata", sa.JSON, nullable=False),  # image properties etc.
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("addresses", sa.JSON, nullable=False),  # the network info cache, API shape
    sa.Column("security_groups", sa.JSON, nullable=False),  # [name, ...]
    sa.Column("availability_zone", sa.String(255), nullable=True),
    sa.Column("pinned_availability_zone", sa.String(255), nullable=True),
    sa.Column("reservation_id", sa.String(255), nullable=False),
    sa.Column("launch_index", sa.Integer, nullable=False, default=0),
    sa.Column("locked", sa.Boolean, nullable=False, default=False),
    sa.Column("locked_by", sa.String(255), nullable=True),  # "owner" or "admin"
    sa.Column("locked_reason", sa.Text, nullable=True),
    sa.Column("access_ip_v4", sa.String(39), nullable=True),
    sa.Column("access_ip_v6", sa.String(39), nullable=True),
    sa.Column("config_drive", sa.String(255), nullable=False, default=""),
    sa.Column("disk_config", sa.String(10), nullable=False, default="MANUAL"),
    sa.Column("progress", sa.Integer, nullable=True),
    sa.Column("root_device_name", sa.String(255), nullable=True),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    # While a resize waits for confirmation: the flavor before it and the one it went to.
    sa.Column("old_flavor", sa.JSON, nullable=True),
    sa.Column("new_flavor", sa.JSON, nullable=True),
    sa.Column("launched_at", sa.DateTime(timezone=False), nullable=True),
    sa.Column("terminated_at", sa.DateTime(timezone=False), nullable=True),
    *_timestamps(),
    *_soft_delete(),
    sa.Index("instances_project_id_deleted_idx", "project_id", "deleted"),
    sa.Index("instances_host_deleted_idx", "host", "deleted"),
    sa.Index("instances_created_at_idx", "created_at"),
    sa.Index("instances_vm_state_task_state_idx", "vm_state", "task_state"),
)

instance_faults = sa.Table(
    "instance_faults",
    metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), sa.ForeignKey("instances.uuid"), nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
    sa.Column("message", sa.String(255), nullable=False),
    sa.Column("details", sa.Text, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    *_timestamps(),
    sa.Index("instance_faults_instance_uuid_idx", "instance_uuid"),
)

instance_actions = sa.Table(
    "instance_actions",
    metadata,
    _id(),
    sa.Column("action", sa.String(255), nullable=False),
    sa.Column("instance_uuid", sa.String(36), nullable=False),
    sa.Column("request_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True),
    sa.Column("start_time", sa.DateTime(timezone=False), nullable=False),
    sa.Column("finish_time", sa.DateTime(timezone=False), nullable=True),
    sa.Column("message", sa.String(255), nullable=True),
    *_timestamps(),
    sa.UniqueConstraint(
        "instance_uuid", "request_id", name="uniq_instance_actions0instance_uuid0request_id"
    ),
)

instance_actions_events = sa.Table(
    "instance_actions_events",
    metadata,
    _id(),
    sa.Column(
        "action_id",
        sa.Integer,
        sa.ForeignKey("instance_actions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event", sa.String(255), nullable=False),
    sa.Column("result", sa.String(255), nullable=True),  # None while running, Success, Error
    sa.Column("traceback", sa.Text, nullable=True),
    sa.Column("start_time", sa.DateTime(timezone=False), nullable=False),
    sa.Column("finish_time", sa.DateTime(timezone=False), nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.Column("details", sa.Text, nullable=True),
    *_timestamps(),
    sa.UniqueConstraint("action_id", "event", name="uniq_instance_actions_events0action_id0event"),
)

block_device_mappings = sa.Table(
    "block_device_mapping",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("instance_uuid", sa.String(36), nullable=False),
    sa.Column("source_type", sa.String(255), nullable=False),  # image, volume, blank, snapshot
    sa.Column("destination_type", sa.String(255), nullable=False),  # local, volume
    sa.Column("device_name", sa.String(255), nullable=True),
    sa.Column("boot_index", sa.Integer, nullable=True),
    sa.Column("volume_id", sa.String(36), nullable=True),
    sa.Column("image_id", sa.String(36), nullable=True),
    sa.Column("volume_size", sa.Integer, nullable=True),
    sa.Column("delete_on_termination", sa.Boolean, nullable=False, default=False),
    sa.Column("attachment_id", sa.String(36), nullable=True),
    sa.Column("tag", sa.String(255), nullable=True),
    *_timestamps(),
    *_soft_delete(),
    sa.Index("block_device_mapping_instance_uuid_idx", "instance_uuid"),
)

services = sa.Table(
    "services",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("binary", sa.String(255), nullable=False),
    sa.Column("topic", sa.String(255), nullable=True),
    sa.Column("report_count", sa.Integer, nullable=False, default=0),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("disabled_reason", sa.String(255), nullable=True),
    sa.Column("forced_down", sa.Boolean, nullable=False, default=False),
    sa.Column("last_seen_up", sa.DateTime(timezone=False), nullable=True),
    sa.Column("version", sa.Integer, nullable=False, default=0),
    *_timestamps(),
    *_soft_delete(),
    sa.UniqueConstraint("host", "binary", "deleted", name="uniq_services0host0binary0deleted"),
)

compute_nodes = sa.Table(
    "compute_nodes",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),  # its resource provider's
    sa.Column("service_id", sa.Integer, sa.ForeignKey("services.id"), nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("hypervisor_hostname", sa.String(255), nullable=False),
    sa.Column("hypervisor_type", sa.String(255), nullable=False),
    sa.Column("hypervisor_version", sa.Integer, nullable=False),
    sa.Column("host_ip", sa.String(39), nullable=True),
    sa.Column("vcpus", sa.Integer, nullable=False),
    sa.Column("memory_mb", sa.Integer, nullable=False),
    sa.Column("local_gb", sa.Integer, nullable=False),
    sa.Column("vcpus_used", sa.Integer, nullable=False, default=0),
    sa.Column("memory_mb_used", sa.Integer, nullable=False, default=0),
    sa.Column("local_gb_used", sa.Integer, nullable=False, default=0),
    sa.Column("running_vms", sa.Integer, nullable=False, default=0),
    sa.Column("cpu_allocation_ratio", sa.Float, nullable=False, default=16.0),
    sa.Column("ram_allocation_ratio", sa.Float, nullable=False, default=1.5),
    sa.Column("disk_allocation_ratio", sa.Float, nullable=False, default=1.0),
    sa.Column("mapped", sa.Integer, nullable=False, default=0),
    *_timestamps(),
    *_soft_delete(),
    sa.UniqueConstraint(
        "host",
        "hypervisor_hostname",
        "deleted",
        name="uniq_compute_nodes0host0hypervisor_hostname0deleted",
    ),
)

migrations = sa.Table(
    "migrations",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False),
    sa.Column("instance_uuid", sa.String(36), nullable=False),
    sa.Column("source_compute", sa.String(255), nullable=True),
    sa.Column("source_node", sa.String(255), nullable=True),
    sa.Column("dest_compute", sa.String(255), nullable=True),
    sa.Column("dest_node", sa.String(255), nullable=True),
    sa.Column("dest_host", sa.String(255), nullable=True),
    sa.Column("old_instance_type_id", sa.Integer, nullable=True),  # flavors.id (API database)
    sa.Column("new_instance_type_id", sa.Integer, nullable=True),
    sa.Column("status", sa.String(255), nullable=False),  # pre-migrating ... confirmed, error
    sa.Column("migration_type", sa.String(255), nullable=False),  # resize, migration
    sa.Column("cross_cell_move", sa.Boolean, nullable=False, default=False),
    sa.Column("hidden", sa.Boolean, nullable=False, default=False),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True),
    # Never shown: the step the conductor last finished (it resumes from there after a
    # restart), the request whose action records the events, the cells on either side and
    # the snapshot image a cross-cell move carries the disk through.
    sa.Column("step", sa.String(64), nullable=False),
    sa.Column("request_id", sa.String(255), nullable=False),
    sa.Column("source_cell", sa.String(36), nullable=False),
    sa.Column("dest_cell", sa.String(36), nullable=True),
    sa.Column("image_id", sa.String(36), nullable=True),
    *_timestamps(),
    *_soft_delete(),
    sa.UniqueConstraint("uuid", name="uniq_migrations0uuid"),
    sa.Index("migrations_instance_uuid_idx", "instance_uuid"),
    sa.Index("migrations_status_idx", "status", "deleted"),
    sa.Index("migrations_created_at_idx", "created_at", "id"),
)
