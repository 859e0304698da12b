"""The member schemas (``GET /v2/schemas/member`` and ``/members``)."""

from __future__ import annotations

from typing import Any

from pocketstack.image.schemas.image import UUID

__all__ = ["MEMBERS_DOCUMENT", "MEMBER_DOCUMENT"]

MEMBER_DOCUMENT: dict[str, Any] = {
    "name": "member",
    "properties": {
        "member_id": {
            "type": "string",
            "description": "An identifier for the image member (tenantId)",
        },
        "image_id": {
            "type": "string",
            "description": "An identifier for the image",
            "pattern": UUID,
        },
        "created_at": {"type": "string", "description": "Date and time of image member creation"},
        "updated_at": {
            "type": "string",
            "description": "Date and time of last modification of image member",
        },
        "status": {
            "type": "string",
            "description": "The status of this image member",
            "enum": ["pending", "accepted", "rejected"],
        },
        "schema": {"readOnly": True, "type": "string"},
    },
    "additionalProperties": False,
}
MEMBERS_DOCUMENT: dict[str, Any] = {
    "name": "members",
    "properties": {
        "members": {"type": "array", "items": MEMBER_DOCUMENT},
        "schema": {"type": "string"},
    },
    "links": [{"rel": "schema", "href": "{schema}"}],
}
