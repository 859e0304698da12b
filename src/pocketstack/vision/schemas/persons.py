"""Request schemas for persons and bulk enroll jobs."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["NEW_ENROLL_JOB", "NEW_PERSON", "UPDATE_PERSON"]

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_METADATA = {"type": "object", "maxProperties": 64,
             "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}

_PERSON = {"name": _NAME, "metadata": _METADATA}

NEW_PERSON = schema({
    "type": "object",
    "properties": {"person": {"type": "object", "properties": _PERSON, "required": ["name"],
                              "additionalProperties": False}},
    "required": ["person"],
    "additionalProperties": False,
})

UPDATE_PERSON = schema({
    "type": "object",
    "properties": {"person": {"type": "object", "properties": _PERSON,
                              "additionalProperties": False}},
    "required": ["person"],
    "additionalProperties": False,
})

# POST .../enroll-jobs: each item a new person (name, metadata) or an existing one
# (person_id), with its images base64-encoded.
NEW_ENROLL_JOB = schema({
    "type": "object",
    "properties": {
        "items": {
            "type": "array", "minItems": 1, "maxItems": 10000,
            "items": {
                "type": "object",
                "properties": {
                    "name": _NAME,
                    "metadata": _METADATA,
                    "person_id": {"type": "string", "maxLength": 36},
                    "images": {"type": "array", "minItems": 1, "maxItems": 100,
                               "items": {"type": "string", "minLength": 1}},
                },
                "required": ["images"],
                "oneOf": [{"required": ["name"]}, {"required": ["person_id"]}],
                "additionalProperties": False,
            },
        },
    },
    "required": ["items"],
    "additionalProperties": False,
})
