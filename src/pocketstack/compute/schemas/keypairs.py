"""Request schemas for key pairs (create/import), by microversion."""

from __future__ import annotations

from pocketstack.common.schema import extend, schema

__all__ = ["CREATE", "CREATE_V22", "CREATE_V210", "CREATE_V292"]

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[a-zA-Z0-9 _-]+$"}

CREATE = schema({
    "type": "object",
    "properties": {"keypair": {
        "type": "object",
        "properties": {"name": _NAME, "public_key": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["keypair"],
    "additionalProperties": False,
})

CREATE_V22 = extend(CREATE, add={"type": {"type": "string", "enum": ["ssh", "x509"]}},
                    path=["keypair"])

CREATE_V210 = extend(CREATE_V22, add={"user_id": {"type": "string"}}, path=["keypair"])

# 2.92: import only (public_key required); names may hold '@' and '.'.
_V292 = extend(CREATE_V210, add={"name": {**_NAME, "pattern": r"^[a-zA-Z0-9 @._-]+$"}},
               path=["keypair"])
_V292.document["properties"]["keypair"]["required"] = ["name", "public_key"]
CREATE_V292 = schema(_V292.document)
