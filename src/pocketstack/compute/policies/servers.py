"""Policy rules for servers, their actions and their metadata (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

_READER = "rule:project_reader_or_admin"
_MEMBER = "rule:project_member_or_admin"
_ADMIN = "rule:context_is_admin"
_MANAGER = "rule:project_manager_or_admin"

RULES: dict[str, str] = {
    "os_compute_api:servers:index": _READER,
    "os_compute_api:servers:detail": _READER,
    "os_compute_api:servers:show": _READER,
    "os_compute_api:servers:index:get_all_tenants": _ADMIN,
    "os_compute_api:servers:detail:get_all_tenants": _ADMIN,
    "os_compute_api:servers:allow_all_filters": _ADMIN,
    "os_compute_api:servers:show:host_status": _ADMIN,
    "os_compute_api:servers:create": _MEMBER,
    "os_compute_api:servers:create:forced_host": _ADMIN,
    "os_compute_api:servers:update": _MEMBER,
    "os_compute_api:servers:delete": _MEMBER,
    "os_compute_api:servers:start": _MEMBER,
    "os_compute_api:servers:stop": _MEMBER,
    "os_compute_api:servers:reboot": _MEMBER,
    "os_compute_api:servers:rebuild": _MEMBER,
    "os_compute_api:servers:create_image": _MEMBER,
    "os_compute_api:os-pause-server:pause": _MEMBER,
    "os_compute_api:os-pause-server:unpause": _MEMBER,
    "os_compute_api:os-suspend-server:suspend": _MEMBER,
    "os_compute_api:os-suspend-server:resume": _MEMBER,
    "os_compute_api:os-lock-server:lock": _MEMBER,
    "os_compute_api:os-lock-server:unlock": _MEMBER,
    "os_compute_api:os-lock-server:unlock:unlock_override": _ADMIN,
    "os_compute_api:os-deferred-delete:force": _MEMBER,
    "os_compute_api:servers:resize": _MEMBER,
    "os_compute_api:servers:confirm_resize": _MEMBER,
    "os_compute_api:servers:revert_resize": _MEMBER,
    "os_compute_api:os-migrate-server:migrate": _MANAGER,
    "os_compute_api:os-migrate-server:migrate:host": _ADMIN,
    # Moving a server to another cell: nobody by default; operators allow it (§4.4).
    "compute:servers:resize:cross_cell": "!",
    "os_compute_api:os-extended-server-attributes": _ADMIN,
    "os_compute_api:server-metadata:index": _READER,
    "os_compute_api:server-metadata:show": _READER,
    "os_compute_api:server-metadata:create": _MEMBER,
    "os_compute_api:server-metadata:update": _MEMBER,
    "os_compute_api:server-metadata:update_all": _MEMBER,
    "os_compute_api:server-metadata:delete": _MEMBER,
}
