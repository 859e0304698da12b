"""L7 policy and rule bodies: POST and PUT."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.schemas.common import BOOL, ID, NAME, TAGS, body, nullable

__all__ = ["ACTIONS", "COMPARE_TYPES", "POLICY_CREATE", "POLICY_UPDATE", "RULE_CREATE",
           "RULE_TYPES", "RULE_UPDATE"]

ACTIONS = ("REJECT", "REDIRECT_TO_URL", "REDIRECT_TO_POOL", "REDIRECT_PREFIX")
RULE_TYPES = ("HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE", "SSL_CONN_HAS_CERT",
              "SSL_VERIFY_RESULT", "SSL_DN_FIELD")
COMPARE_TYPES = ("REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO")
_POLICY: dict[str, Any] = {
    "name": NAME, "description": NAME, "admin_state_up": BOOL, "tags": TAGS,
    "action": {"enum": list(ACTIONS)}, "redirect_pool_id": nullable(ID),
    "redirect_url": {"type": ["string", "null"], "maxLength": 255},
    "redirect_prefix": {"type": ["string", "null"], "maxLength": 255},
    "redirect_http_code": {"enum": [301, 302, 303, 307, 308, None]},
    "position": {"type": ["integer", "null"], "minimum": 1, "maximum": 2147483647},
}
POLICY_CREATE = body("l7policy", {**_POLICY, "listener_id": ID, "project_id": ID,
                                  "tenant_id": ID, "rules": {"type": "array"}},
                     required=("listener_id", "action"))
POLICY_UPDATE = body("l7policy", _POLICY)
_TEXT_NO_NEWLINE: dict[str, Any] = {"type": "string", "maxLength": 255, "pattern": "^[^\r\n]*$"}
_RULE: dict[str, Any] = {
    "admin_state_up": BOOL, "tags": TAGS, "type": {"enum": list(RULE_TYPES)},
    "compare_type": {"enum": list(COMPARE_TYPES)}, "value": _TEXT_NO_NEWLINE,
    "key": {"type": ["string", "null"], "maxLength": 255}, "invert": BOOL,
}
RULE_CREATE = body("rule", {**_RULE, "project_id": ID, "tenant_id": ID},
                   required=("type", "compare_type", "value"))
RULE_UPDATE = body("rule", _RULE)
