"""Request schemas for /v1/containers (Barbican's ``ContainerValidator``, as JSON-schema data)."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["CONTAINER_TYPES", "NEW_CONTAINER"]

CONTAINER_TYPES = ("generic", "rsa", "certificate")

# POST /v1/containers. Unknown properties are ignored, as upstream.
NEW_CONTAINER = schema(
    {
        "type": "object",
        "properties": {
            "name": {"type": ["string", "null"], "maxLength": 255},
            "type": {"type": "string", "enum": list(CONTAINER_TYPES)},
            "secret_refs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {"type": ["string", "null"], "maxLength": 255},
                        "secret_ref": {"type": "string", "minLength": 1},
                    },
                    "required": ["secret_ref"],
                },
            },
        },
        "required": ["type"],
    }
)
