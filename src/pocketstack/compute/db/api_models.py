"""The compute API database (SQLAlchemy Core): where things live, and what is global.

Cell mappings name every cell's database and bus; host and instance mappings say which cell
holds a host or an instance (``instance_mappings.cell_id`` is NULL while only a build request
exists). Request specs keep the scheduling inputs for an instance's lifetime; build requests
hold a server between the API's 202 and its creation in a cell. Flavors, key pairs, server
groups, aggregates and quota limits are global. Objects in ``compute.objects`` own the SQL.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "aggregate_hosts",
    "aggregate_metadata",
    "aggregates",
    "build_requests",
    "cell_mappings",
    "flavor_extra_specs",
    "flavor_projects",
    "flavors",
    "host_mappings",
    "instance_group_members",
    "instance_groups",
    "instance_mappings",
    "key_pairs",
    "metadata",
    "project_user_quotas",
    "quota_classes",
    "quotas",
    "request_specs",
]

metadata = sa.MetaData()


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=True),
    ]


cell_mappings = sa.Table(
    "cell_mappings",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("transport_url", sa.Text, nullable=False),
    sa.Column("database_connection", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    *_timestamps(),
)

host_mappings = sa.Table(
    "host_mappings",
    metadata,
    _id(),
    sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=False),
    sa.Column("host", sa.String(255), nullable=False, unique=True),
    *_timestamps(),
)

instance_mappings = sa.Table(
    "instance_mappings",
    metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("cell_id", sa.Integer, sa.ForeignKey("cell_mappings.id"), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("queued_for_delete", sa.Boolean, nullable=False, default=False),
    *_timestamps(),
    sa.Index("instance_mappings_project_id_idx", "project_id"),
    sa.Index("instance_mappings_cell_id_idx", "cell_id"),
)

request_specs = sa.Table(
    "request_specs",
    metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("spec", sa.JSON, nullable=False),
    *_timestamps(),
)

build_requests = sa.Table(
    "build_requests",
    metadata,
    _id(),
    sa.Column("instance_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    # The instance as the API built it (the cell's ``instances`` columns, JSON-ready).
    sa.Column("instance", sa.JSON, nullable=False),
    sa.Column("block_device_mappings", sa.JSON, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    *_timestamps(),
    sa.Index("build_requests_project_id_idx", "project_id"),
)

flavors = sa.Table(
    "flavors",
    metadata,
    _id(),
    sa.Column("flavorid", sa.String(255), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("memory_mb", sa.Integer, nullable=False),
    sa.Column("vcpus", sa.Integer, nullable=False),
    sa.Column("root_gb", sa.Integer, nullable=False),
    sa.Column("ephemeral_gb", sa.Integer, nullable=False, default=0),
    sa.Column("swap", sa.Integer, nullable=False, default=0),
    sa.Column("rxtx_factor", sa.Float, nullable=False, default=1.0),
    sa.Column("vcpu_weight", sa.Integer, nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("is_public", sa.Boolean, nullable=False, default=True),
    sa.Column("description", sa.Text, nullable=True),
    *_timestamps(),
)

flavor_extra_specs = sa.Table(
    "flavor_extra_specs",
    metadata,
    _id(),
    sa.Column(
        "flavor_id", sa.Integer, sa.ForeignKey("flavors.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=True),
    sa.UniqueConstraint("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
)

flavor_projects = sa.Table(
    "flavor_projects",
    metadata,
    _id(),
    sa.Column(
        "flavor_id", sa.Integer, sa.ForeignKey("flavors.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.UniqueConstraint(
        "flavor_id", "project_id", name="uniq_flavor_projects0flavor_id0project_id"
    ),
)

key_pairs = sa.Table(
    "key_pairs",
    metadata,
    _id(),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("fingerprint", sa.String(255), nullable=True),
    sa.Column("public_key", sa.Text, nullable=True),
    sa.Column("type", sa.String(10), nullable=False, default="ssh"),
    *_timestamps(),
    sa.UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),
)

instance_groups = sa.Table(
    "instance_groups",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("user_id", sa.String(255), nullable=True),
    sa.Column("project_id", sa.String(255), nullable=True),
    # One of affinity, anti-affinity, soft-affinity, soft-anti-affinity.
    sa.Column("policy", sa.String(255), nullable=False),
    sa.Column("rules", sa.JSON, nullable=False),  # {"max_server_per_host": N}
    *_timestamps(),
)

instance_group_members = sa.Table(
    "instance_group_member",
    metadata,
    _id(),
    sa.Column(
        "group_id",
        sa.Integer,
        sa.ForeignKey("instance_groups.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("instance_uuid", sa.String(36), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint(
        "group_id", "instance_uuid", name="uniq_instance_group_member0group_id0instance_uuid"
    ),
)

aggregates = sa.Table(
    "aggregates",
    metadata,
    _id(),
    sa.Column("uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    *_timestamps(),
)

aggregate_hosts = sa.Table(
    "aggregate_hosts",
    metadata,
    _id(),
    sa.Column(
        "aggregate_id",
        sa.Integer,
        sa.ForeignKey("aggregates.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("host", sa.String(255), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("aggregate_id", "host", name="uniq_aggregate_hosts0aggregate_id0host"),
)

aggregate_metadata = sa.Table(
    "aggregate_metadata",
    metadata,
    _id(),
    sa.Column(
        "aggregate_id",
        sa.Integer,
        sa.ForeignKey("aggregates.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("value", sa.String(255), nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("aggregate_id", "key", name="uniq_aggregate_metadata0aggregate_id0key"),
)

quotas = sa.Table(
    "quotas",
    metadata,
    _id(),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("resource", sa.String(255), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("project_id", "resource", name="uniq_quotas0project_id0resource"),
)

project_user_quotas = sa.Table(
    "project_user_quotas",
    metadata,
    _id(),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(255), nullable=False),
    sa.Column("resource", sa.String(255), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint(
        "user_id",
        "project_id",
        "resource",
        name="uniq_project_user_quotas0user_id0project_id0resource",
    ),
)

quota_classes = sa.Table(
    "quota_classes",
    metadata,
    _id(),
    sa.Column("class_name", sa.String(255), nullable=False),
    sa.Column("resource", sa.String(255), nullable=False),
    sa.Column("hard_limit", sa.Integer, nullable=False),
    *_timestamps(),
    sa.UniqueConstraint("class_name", "resource", name="uniq_quota_classes0class_name0resource"),
)
