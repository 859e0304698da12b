"""Request schemas for /types (Cinder's ``api/schemas/volume_types.py``)."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["CREATE"]

CREATE = schema(
    {
        "type": "object",
        "properties": {
            "volume_type": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 255},
                    "description": {"type": ["string", "null"], "maxLength": 255},
                    "os-volume-type-access:is_public": {
                        "type": ["boolean", "string"],
                        "enum": [True, False, "true", "false", "True", "False"],
                    },
                    "extra_specs": {
                        "type": "object",
                        "patternProperties": {
                            "^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}
                        },
                        "additionalProperties": False,
                    },
                },
                "required": ["name"],
                "additionalProperties": False,
            }
        },
        "required": ["volume_type"],
        "additionalProperties": False,
    }
)
