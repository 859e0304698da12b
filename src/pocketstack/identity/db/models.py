"""Identity's tables (SQLAlchemy Core). Objects in ``identity.objects`` own the SQL."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "GLOBAL",
    "application_credentials",
    "assignments",
    "domains",
    "endpoints",
    "implied_roles",
    "metadata",
    "projects",
    "regions",
    "revocation_events",
    "roles",
    "services",
    "users",
]

# Global roles have no domain; a sentinel keeps (name, domain_id) unique on every engine.
GLOBAL = "<<null>>"

metadata = sa.MetaData()

domains = sa.Table(
    "domains", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("tags", sa.JSON, nullable=False, default=list),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),
)

projects = sa.Table(
    "projects", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("domain_id", sa.String(64), sa.ForeignKey("domains.id"), nullable=False),
    sa.Column("parent_id", sa.String(64), nullable=True),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("tags", sa.JSON, nullable=False, default=list),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),
    sa.UniqueConstraint("domain_id", "name", name="uq_projects_domain_name"),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("domain_id", sa.String(64), sa.ForeignKey("domains.id"), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("default_project_id", sa.String(64), nullable=True),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),
    sa.UniqueConstraint("domain_id", "name", name="uq_users_domain_name"),
)

roles = sa.Table(
    "roles", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("domain_id", sa.String(64), nullable=False, default=GLOBAL),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),
    sa.UniqueConstraint("name", "domain_id", name="uq_roles_name_domain"),
)

implied_roles = sa.Table(
    "implied_roles", metadata,
    sa.Column("prior_role_id", sa.String(64), sa.ForeignKey("roles.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("implied_role_id", sa.String(64), sa.ForeignKey("roles.id", ondelete="CASCADE"),
              primary_key=True),
)

# type: UserProject, UserDomain, UserSystem; target_id is "all" for the system.
assignments = sa.Table(
    "assignments", metadata,
    sa.Column("type", sa.String(16), primary_key=True),
    sa.Column("actor_id", sa.String(64), primary_key=True),
    sa.Column("target_id", sa.String(64), primary_key=True),
    sa.Column("role_id", sa.String(64), sa.ForeignKey("roles.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("inherited", sa.Boolean, primary_key=True, default=False),
)

regions = sa.Table(
    "regions", metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("parent_region_id", sa.String(255), nullable=True),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),
)

services = sa.Table(
    "services", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("type", sa.String(255), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),  # name, description, ...
)

endpoints = sa.Table(
    "endpoints", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("service_id", sa.String(64), sa.ForeignKey("services.id"), nullable=False),
    sa.Column("interface", sa.String(8), nullable=False),
    sa.Column("region_id", sa.String(255), sa.ForeignKey("regions.id"), nullable=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("extra", sa.JSON, nullable=False, default=dict),
)

application_credentials = sa.Table(
    "application_credentials", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("project_id", sa.String(64), nullable=False),
    sa.Column("secret_hash", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("expires_at", sa.Float, nullable=True),
    sa.Column("unrestricted", sa.Boolean, nullable=False, default=False),
    sa.Column("roles", sa.JSON, nullable=False, default=list),  # role ids
    sa.Column("access_rules", sa.JSON, nullable=False, default=list),
    sa.UniqueConstraint("user_id", "name", name="uq_app_creds_user_name"),
)

revocation_events = sa.Table(
    "revocation_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("audit_id", sa.String(32), nullable=True, index=True),
    sa.Column("user_id", sa.String(64), nullable=True),
    sa.Column("project_id", sa.String(64), nullable=True),
    sa.Column("issued_before", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float, nullable=False),
)
