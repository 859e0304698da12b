"""Schema pieces every network resource uses: names, descriptions, projects, tags, booleans."""

from __future__ import annotations

from typing import Any

__all__ = ["BOOL", "DESCRIPTION", "ID", "NAME", "OWNER", "TAGS", "TEXT", "nullable"]

TEXT: dict[str, Any] = {"type": "string", "maxLength": 255}
NAME = TEXT
DESCRIPTION = TEXT
ID: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255}
BOOL: dict[str, Any] = {"type": "boolean"}
TAGS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^,]*$"},
}
# Admin may create a resource in another project; both spellings, as Neutron takes them.
OWNER: dict[str, Any] = {"project_id": ID, "tenant_id": ID}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}
