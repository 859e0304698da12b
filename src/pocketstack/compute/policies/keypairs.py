"""Policy rules for key pairs (Nova's names and defaults)."""

from __future__ import annotations

__all__ = ["RULES"]

ADMIN = "rule:admin_api"

RULES: dict[str, str] = {
    "os_compute_api:os-keypairs:index": "(rule:admin_api) or user_id:%(user_id)s",
    "os_compute_api:os-keypairs:create": "(rule:admin_api) or user_id:%(user_id)s",
    "os_compute_api:os-keypairs:delete": "(rule:admin_api) or user_id:%(user_id)s",
    "os_compute_api:os-keypairs:show": "(rule:admin_api) or user_id:%(user_id)s",
}
