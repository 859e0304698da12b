"""The load-balancer service's tables (SQLAlchemy Core). ``loadbalancer.objects`` owns the SQL.

The load-balancer graph (load balancers, listeners, pools, members, health monitors, L7
policies and rules) shares one shape: the columns every query selects, joins or locks on
(ids, parents, statuses, the fields with uniqueness rules) and ``attrs``, a JSON document
with the rest of the resource's API fields, which are only ever read and written whole.
Column and attribute names are the API's names, so an API filter is a column or an attribute
of the same name. Every graph row carries its ``load_balancer_id``: the load balancer is the
unit of locking and of reconciling.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

__all__ = [
    "GRAPH_TABLES",
    "amphorae",
    "availability_zone_profiles",
    "availability_zones",
    "flavor_profiles",
    "flavors",
    "health_monitors",
    "l7policies",
    "l7rules",
    "listeners",
    "load_balancers",
    "members",
    "metadata",
    "pools",
    "quotas",
]

metadata = sa.MetaData()

MOMENT = sa.DateTime(timezone=False).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
ID = sa.String(36)


def _graph_table(name: str, *columns: sa.Column[object], parent: str | None = None) -> sa.Table:
    """A table of the load-balancer graph: common columns, ``columns``, then attrs and tags."""
    own_lb = [] if name == "load_balancers" else [
        sa.Column("load_balancer_id", ID, nullable=False, index=True)]
    return sa.Table(
        name,
        metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        *own_lb,
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("provisioning_status", sa.String(16), nullable=False),
        sa.Column("operating_status", sa.String(16), nullable=False),
        sa.Column("admin_state_up", sa.Boolean, nullable=False),
        *columns,
        sa.Column("attrs", sa.JSON, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=True),
    )


load_balancers = _graph_table(
    "load_balancers",
    sa.Column("topology", sa.String(16), nullable=False),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("flavor_id", ID, nullable=True, index=True),
    sa.Column("availability_zone", sa.String(255), nullable=True),
    sa.Column("vip_address", sa.String(64), nullable=True),
    sa.Column("vip_port_id", ID, nullable=True),
    sa.Column("vip_subnet_id", ID, nullable=True),
    sa.Column("vip_network_id", ID, nullable=True),
    # When the load balancer was deleted (PS DELETED); housekeeping purges it later.
    sa.Column("deleted_at", MOMENT, nullable=True),
)

listeners = _graph_table(
    "listeners",
    sa.Column("protocol", sa.String(16), nullable=False),
    sa.Column("protocol_port", sa.Integer, nullable=False),
    sa.Column("default_pool_id", ID, nullable=True),
)

pools = _graph_table(
    "pools",
    sa.Column("protocol", sa.String(16), nullable=False),
    sa.Column("lb_algorithm", sa.String(32), nullable=False),
)

members = _graph_table(
    "members",
    sa.Column("pool_id", ID, nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("protocol_port", sa.Integer, nullable=False),
)

health_monitors = _graph_table(
    "health_monitors",
    sa.Column("pool_id", ID, nullable=False, unique=True),
    sa.Column("type", sa.String(16), nullable=False),
)

l7policies = _graph_table(
    "l7policies",
    sa.Column("listener_id", ID, nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("redirect_pool_id", ID, nullable=True),
)

l7rules = _graph_table(
    "l7rules",
    sa.Column("l7policy_id", ID, nullable=False, index=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("compare_type", sa.String(32), nullable=False),
)

GRAPH_TABLES = (load_balancers, listeners, pools, members, health_monitors, l7policies, l7rules)

flavor_profiles = sa.Table(
    "flavor_profiles",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("provider_name", sa.String(255), nullable=False),
    sa.Column("flavor_data", sa.String(4096), nullable=False),
    sa.Column("created_at", MOMENT, nullable=False),
)

flavors = sa.Table(
    "flavors",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("flavor_profile_id", ID, nullable=False, index=True),
    sa.Column("created_at", MOMENT, nullable=False),
)

availability_zone_profiles = sa.Table(
    "availability_zone_profiles",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("provider_name", sa.String(255), nullable=False),
    sa.Column("availability_zone_data", sa.String(4096), nullable=False),
    sa.Column("created_at", MOMENT, nullable=False),
)

availability_zones = sa.Table(
    "availability_zones",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("description", sa.String(255), nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("availability_zone_profile_id", ID, nullable=False, index=True),
    sa.Column("created_at", MOMENT, nullable=False),
)

# One row per project with custom quotas; NULL: the configured default.
quotas = sa.Table(
    "quotas",
    metadata,
    sa.Column("project_id", sa.String(64), primary_key=True),
    sa.Column("load_balancer", sa.Integer, nullable=True),
    sa.Column("listener", sa.Integer, nullable=True),
    sa.Column("pool", sa.Integer, nullable=True),
    sa.Column("member", sa.Integer, nullable=True),
    sa.Column("health_monitor", sa.Integer, nullable=True),
    sa.Column("l7policy", sa.Integer, nullable=True),
    sa.Column("l7rule", sa.Integer, nullable=True),
)

amphorae = sa.Table(
    "amphorae",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("load_balancer_id", ID, nullable=True, index=True),
    sa.Column("status", sa.String(36), nullable=False),
    sa.Column("role", sa.String(36), nullable=True),
    sa.Column("vrrp_priority", sa.Integer, nullable=True),
    sa.Column("lb_network_ip", sa.String(64), nullable=True),
    sa.Column("ha_ip", sa.String(64), nullable=True),
    sa.Column("created_at", MOMENT, nullable=False),
    sa.Column("updated_at", MOMENT, nullable=True),
)
