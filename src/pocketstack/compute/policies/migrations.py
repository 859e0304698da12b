"""Policy rules for migration records (Nova's names and defaults): listing them
(``/os-migrations``) and a server's in-progress live migrations."""

from __future__ import annotations

__all__ = ["RULES"]

_ADMIN = "rule:context_is_admin"

RULES: dict[str, str] = {
    # Listing without host fields, one's own project (asked for by project_id, from 2.80).
    "os_compute_api:os-migrations:index": "rule:project_manager_or_admin",
    # Listing every project's (no project_id) or another project's.
    "os_compute_api:os-migrations:index:all_projects": _ADMIN,
    # The host fields filled in (else null).
    "os_compute_api:os-migrations:index:host": _ADMIN,
    "os_compute_api:servers:migrations:index": _ADMIN,
    "os_compute_api:servers:migrations:show": _ADMIN,
}
