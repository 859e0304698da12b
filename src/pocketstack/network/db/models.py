"""The network service's tables (SQLAlchemy Core). Objects in ``network.objects`` own the SQL.

A fixed IP is never handed out twice: ``ip_allocations`` has the primary key
``(subnet_id, ip_address)``, so of two transactions that pick the same free address only one
commits; the other is run again and picks the next one. MAC addresses are unique per
network the same way. Every table with an API resource carries Neutron's standard
attributes (``revision_number``, ``created_at``, ``updated_at``); tags live in one table.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "allocation_pools",
    "default_security_groups",
    "ip_allocations",
    "metadata",
    "networks",
    "port_security_groups",
    "ports",
    "security_group_rules",
    "security_groups",
    "subnets",
    "tags",
]

metadata = sa.MetaData()

_ID = 36  # uuid
_ADDRESS = 64  # an IPv6 address or CIDR, as text


def _standard() -> list[sa.Column[object]]:
    """Neutron's standard attributes: description, revision number and timestamps."""
    return [
        sa.Column("description", sa.String(255), nullable=False, default=""),
        sa.Column("revision_number", sa.Integer, nullable=False, default=0),
        sa.Column("created_at", sa.DateTime(timezone=False), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=False), nullable=False),
    ]


networks = sa.Table(
    "networks",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False, default=""),
    sa.Column("admin_state_up", sa.Boolean, nullable=False, default=True),
    sa.Column("shared", sa.Boolean, nullable=False, default=False),
    sa.Column("external", sa.Boolean, nullable=False, default=False),  # router:external
    sa.Column("mtu", sa.Integer, nullable=False),
    sa.Column("port_security_enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("availability_zone_hints", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    *_standard(),
)

subnets = sa.Table(
    "subnets",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column(
        "network_id",
        sa.String(_ID),
        sa.ForeignKey("networks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False, default=""),
    sa.Column("ip_version", sa.Integer, nullable=False),
    sa.Column("cidr", sa.String(_ADDRESS), nullable=False),
    sa.Column("gateway_ip", sa.String(_ADDRESS), nullable=True),
    sa.Column("enable_dhcp", sa.Boolean, nullable=False, default=True),
    sa.Column("ipv6_ra_mode", sa.String(16), nullable=True),
    sa.Column("ipv6_address_mode", sa.String(16), nullable=True),
    sa.Column("dns_nameservers", sa.JSON, nullable=False),
    sa.Column("host_routes", sa.JSON, nullable=False),
    *_standard(),
)

allocation_pools = sa.Table(
    "allocation_pools",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "subnet_id",
        sa.String(_ID),
        sa.ForeignKey("subnets.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("first_ip", sa.String(_ADDRESS), nullable=False),
    sa.Column("last_ip", sa.String(_ADDRESS), nullable=False),
)

ports = sa.Table(
    "ports",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column(
        "network_id",
        sa.String(_ID),
        sa.ForeignKey("networks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False, default=""),
    sa.Column("mac_address", sa.String(32), nullable=False),
    sa.Column("admin_state_up", sa.Boolean, nullable=False, default=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("device_id", sa.String(255), nullable=False, default="", index=True),
    sa.Column("device_owner", sa.String(255), nullable=False, default="", index=True),
    sa.Column("port_security_enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("binding_host_id", sa.String(255), nullable=False, default=""),
    sa.Column("binding_profile", sa.JSON, nullable=False),
    sa.Column("binding_vnic_type", sa.String(64), nullable=False, default="normal"),
    sa.Column("allowed_address_pairs", sa.JSON, nullable=False),
    *_standard(),
    sa.UniqueConstraint("network_id", "mac_address", name="uq_ports_network_mac"),
)

ip_allocations = sa.Table(
    "ip_allocations",
    metadata,
    sa.Column(
        "subnet_id",
        sa.String(_ID),
        sa.ForeignKey("subnets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("ip_address", sa.String(_ADDRESS), primary_key=True),
    sa.Column("network_id", sa.String(_ID), nullable=False),
    sa.Column(
        "port_id",
        sa.String(_ID),
        sa.ForeignKey("ports.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),  # order within the port's fixed_ips
)

security_groups = sa.Table(
    "security_groups",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False, default=""),
    sa.Column("stateful", sa.Boolean, nullable=False, default=True),
    *_standard(),
)

# One row per project that has its ``default`` group: the unique key settles a race between
# two first uses of a project.
default_security_groups = sa.Table(
    "default_security_groups",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column(
        "security_group_id",
        sa.String(_ID),
        sa.ForeignKey("security_groups.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
)

security_group_rules = sa.Table(
    "security_group_rules",
    metadata,
    sa.Column("id", sa.String(_ID), primary_key=True),
    sa.Column(
        "security_group_id",
        sa.String(_ID),
        sa.ForeignKey("security_groups.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("project_id", sa.String(255), nullable=False, index=True),
    sa.Column("direction", sa.String(16), nullable=False),
    sa.Column("ethertype", sa.String(8), nullable=False),
    sa.Column("protocol", sa.String(40), nullable=True),
    sa.Column("port_range_min", sa.Integer, nullable=True),
    sa.Column("port_range_max", sa.Integer, nullable=True),
    sa.Column("remote_ip_prefix", sa.String(_ADDRESS), nullable=True),
    sa.Column(
        "remote_group_id",
        sa.String(_ID),
        sa.ForeignKey("security_groups.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    *_standard(),
)

port_security_groups = sa.Table(
    "port_security_groups",
    metadata,
    sa.Column(
        "port_id", sa.String(_ID), sa.ForeignKey("ports.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "security_group_id",
        sa.String(_ID),
        sa.ForeignKey("security_groups.id"),
        primary_key=True,
        index=True,
    ),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("resource_id", sa.String(_ID), primary_key=True),
    sa.Column("tag", sa.String(255), primary_key=True, index=True),
    sa.Column("resource_type", sa.String(32), nullable=False),
)
