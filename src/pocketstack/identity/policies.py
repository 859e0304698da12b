"""Identity's policy rules (Keystone's names), as data. Admin for CRUD; users see their own."""

from __future__ import annotations

__all__ = ["RULES"]

_ADMIN = "rule:admin_required"
_ADMIN_OR_OWNER = "rule:admin_required or user_id:%(target.user.id)s"

RULES: dict[str, str] = {
    "admin_required": "role:admin",
    "service_role": "role:service",
    "service_admin_or_token_subject":
        "rule:admin_required or rule:service_role or user_id:%(target.token.user_id)s",
    "identity:validate_token": "rule:service_admin_or_token_subject",
    "identity:revoke_token": "rule:service_admin_or_token_subject",
    # domains
    "identity:get_domain": _ADMIN + " or domain_id:%(target.domain.id)s",
    "identity:list_domains": _ADMIN,
    "identity:create_domain": _ADMIN,
    "identity:update_domain": _ADMIN,
    "identity:delete_domain": _ADMIN,
    # projects
    "identity:get_project": _ADMIN + " or project_id:%(target.project.id)s",
    "identity:list_projects": _ADMIN,
    "identity:list_user_projects": _ADMIN_OR_OWNER,
    "identity:create_project": _ADMIN,
    "identity:update_project": _ADMIN,
    "identity:delete_project": _ADMIN,
    # users
    "identity:get_user": _ADMIN_OR_OWNER,
    "identity:list_users": _ADMIN,
    "identity:create_user": _ADMIN,
    "identity:update_user": _ADMIN,
    "identity:delete_user": _ADMIN,
    "identity:change_password": "user_id:%(target.user.id)s",
    # roles, implied roles and grants
    "identity:get_role": _ADMIN,
    "identity:list_roles": _ADMIN,
    "identity:create_role": _ADMIN,
    "identity:update_role": _ADMIN,
    "identity:delete_role": _ADMIN,
    "identity:create_implied_role": _ADMIN,
    "identity:get_implied_role": _ADMIN,
    "identity:list_implied_roles": _ADMIN,
    "identity:list_role_inference_rules": _ADMIN,
    "identity:delete_implied_role": _ADMIN,
    "identity:check_grant": _ADMIN,
    "identity:list_grants": _ADMIN,
    "identity:create_grant": _ADMIN,
    "identity:revoke_grant": _ADMIN,
    "identity:list_role_assignments": _ADMIN,
    # catalog
    "identity:get_service": _ADMIN,
    "identity:list_services": _ADMIN,
    "identity:create_service": _ADMIN,
    "identity:update_service": _ADMIN,
    "identity:delete_service": _ADMIN,
    "identity:get_endpoint": _ADMIN,
    "identity:list_endpoints": _ADMIN,
    "identity:create_endpoint": _ADMIN,
    "identity:update_endpoint": _ADMIN,
    "identity:delete_endpoint": _ADMIN,
    "identity:get_region": "@",
    "identity:list_regions": "@",
    "identity:create_region": _ADMIN,
    "identity:update_region": _ADMIN,
    "identity:delete_region": _ADMIN,
    # application credentials
    "identity:get_application_credential": _ADMIN_OR_OWNER,
    "identity:list_application_credentials": _ADMIN_OR_OWNER,
    "identity:create_application_credential": "user_id:%(target.user.id)s",
    "identity:delete_application_credential": _ADMIN_OR_OWNER,
}
