"""Request schemas for /volumes and their actions (Cinder's ``api/schemas/volumes.py``)."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import schema

__all__ = [
    "ACTION",
    "CREATE",
    "CREATE_V353",
    "EXTEND",
    "METADATA",
    "METADATA_ITEM",
    "RESET_STATUS",
    "UPDATE",
    "UPDATE_V353",
]

MAX_INT = 0x7FFFFFFF

_NAME: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
_UUID_OR_NULL: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255}
_SIZE: dict[str, Any] = {
    "type": ["integer", "string"],
    "pattern": "^[0-9]+$",
    "minimum": 1,
    "maximum": MAX_INT,
}
_METADATA: dict[str, Any] = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. /]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
_BOOLEAN: dict[str, Any] = {
    "type": ["boolean", "string", "null"],
    "enum": [
        True,
        False,
        None,
        "true",
        "false",
        "True",
        "False",
        "1",
        "0",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "t",
        "f",
    ],
}

_VOLUME_FIELDS: dict[str, Any] = {
    "name": _NAME,
    "description": _NAME,
    "display_name": _NAME,
    "display_description": _NAME,
    "volume_type": {"type": ["string", "null"], "maxLength": 255},
    "metadata": {**_METADATA, "type": ["object", "null"]},
    "snapshot_id": _UUID_OR_NULL,
    "source_volid": _UUID_OR_NULL,
    "consistencygroup_id": _UUID_OR_NULL,
    "group_id": _UUID_OR_NULL,  # from 3.13
    "backup_id": _UUID_OR_NULL,  # from 3.47
    "size": {"anyOf": [_SIZE, {"type": "null"}]},
    "availability_zone": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
    "multiattach": _BOOLEAN,
    "image_id": {"type": ["string", "null"], "maxLength": 255},
    "imageRef": {"type": ["string", "null"], "maxLength": 255},
}

# POST /volumes before 3.53: unknown keys inside "volume" are tolerated.
CREATE = schema(
    {
        "type": "object",
        "properties": {
            "volume": {
                "type": "object",
                "properties": _VOLUME_FIELDS,
                "additionalProperties": True,
            },
            "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]},
        },
        "required": ["volume"],
        "additionalProperties": False,
    }
)

# 3.53: strict bodies.
CREATE_V353 = schema(
    {
        **CREATE.document,
        "properties": {
            **CREATE.document["properties"],
            "volume": {
                "type": "object",
                "properties": _VOLUME_FIELDS,
                "additionalProperties": False,
            },
        },
    }
)

UPDATE = schema(
    {
        "type": "object",
        "properties": {
            "volume": {
                "type": "object",
                "properties": {
                    "name": _NAME,
                    "description": _NAME,
                    "display_name": _NAME,
                    "display_description": _NAME,
                    "metadata": _METADATA,
                },
                "additionalProperties": False,
            },
        },
        "required": ["volume"],
        "additionalProperties": False,
    }
)

# 3.53: an update must change something.
UPDATE_V353 = schema(
    {
        **UPDATE.document,
        "properties": {
            "volume": {
                **UPDATE.document["properties"]["volume"],
                "anyOf": [
                    {"required": [key]}
                    for key in (
                        "name",
                        "description",
                        "display_name",
                        "display_description",
                        "metadata",
                    )
                ],
            }
        },
    }
)

# POST/PUT /volumes/{id}/metadata
METADATA = schema(
    {
        "type": "object",
        "properties": {"metadata": _METADATA},
        "required": ["metadata"],
        "additionalProperties": False,
    }
)

# PUT /volumes/{id}/metadata/{key}
METADATA_ITEM = schema(
    {
        "type": "object",
        "properties": {"meta": {**_METADATA, "minProperties": 1, "maxProperties": 1}},
        "required": ["meta"],
        "additionalProperties": False,
    }
)

# POST /volumes/{id}/action: exactly one action key.
ACTION = schema({"type": "object", "minProperties": 1, "maxProperties": 1})

EXTEND = schema(
    {
        "type": "object",
        "properties": {
            "os-extend": {
                "type": "object",
                "properties": {"new_size": _SIZE},
                "required": ["new_size"],
                "additionalProperties": False,
            }
        },
        "required": ["os-extend"],
        "additionalProperties": False,
    }
)

RESET_STATUS = schema(
    {
        "type": "object",
        "properties": {
            "os-reset_status": {
                "type": "object",
                "properties": {
                    "status": {
                        "type": "string",
                        "enum": [
                            "available",
                            "error",
                            "in-use",
                            "error_deleting",
                            "error_extending",
                            "creating",
                            "deleting",
                            "attaching",
                            "detaching",
                            "reserved",
                        ],
                    },
                    "attach_status": {"type": "string", "enum": ["attached", "detached"]},
                    "migration_status": {"type": ["string", "null"]},
                },
                "additionalProperties": False,
            }
        },
        "required": ["os-reset_status"],
        "additionalProperties": False,
    }
)
