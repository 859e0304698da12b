"""The volume service's policy rules (Cinder's names): members write their project's
volumes, readers read them, admins everything and the infrastructure (types)."""

from __future__ import annotations

__all__ = ["RULES"]

_MEMBER = "rule:project_member"
_READER = "rule:project_reader"
_ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "admin_api": "role:admin",
    "project_member": "role:admin or (role:member and project_id:%(project_id)s)",
    "project_reader": "role:admin or (role:reader and project_id:%(project_id)s)",
    # volumes
    "volume:create": _MEMBER,
    "volume:get": _READER,
    "volume:get_all": _READER,
    "limits_extension:used_limit": _READER,
    "volume:update": _MEMBER,
    "volume:delete": _MEMBER,
    "volume:extend": _MEMBER,
    "volume:get_volume_metadata": _READER,
    "volume:update_volume_metadata": _MEMBER,
    "volume:delete_volume_metadata": _MEMBER,
    "volume_extension:volume_admin_actions:force_delete": _ADMIN,
    "volume_extension:volume_admin_actions:reset_status": _ADMIN,
    "volume_extension:volume_tenant_attribute": _ADMIN,
    "volume_extension:volume_host_attribute": _ADMIN,
    "volume_extension:volume_mig_status_attribute": _ADMIN,
    # attachments (reads are ours: Cinder scopes them by project without a rule)
    "volume:attachment_get": _READER,
    "volume:attachment_create": _MEMBER,
    "volume:attachment_update": _MEMBER,
    "volume:attachment_delete": _MEMBER,
    "volume:attachment_complete": _MEMBER,
    # volume types
    "volume_extension:type_get": "",
    "volume_extension:type_get_all": "",
    "volume_extension:type_create": _ADMIN,
    "volume_extension:type_delete": _ADMIN,
    "volume_extension:access_types_qos_specs_id": _ADMIN,
}
