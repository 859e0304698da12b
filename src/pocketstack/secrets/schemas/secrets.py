"""Request schemas for /v1/secrets (Barbican's ``NewSecretValidator``, as JSON-schema data)."""

from __future__ import annotations

from pocketstack.common.schema import schema

__all__ = ["NEW_SECRET", "SECRET_TYPES"]

SECRET_TYPES = ("symmetric", "public", "private", "passphrase", "certificate", "opaque")

_TEXT = {"type": ["string", "null"], "maxLength": 255}

# POST /v1/secrets. Unknown properties are ignored, as upstream.
NEW_SECRET = schema(
    {
        "type": "object",
        "properties": {
            "name": _TEXT,
            "algorithm": _TEXT,
            "mode": _TEXT,
            "bit_length": {"type": ["integer", "null"], "minimum": 1, "maximum": 32767},
            "expiration": _TEXT,
            "payload": {"type": "string"},
            "secret_type": {"type": "string", "enum": list(SECRET_TYPES)},
            "payload_content_type": _TEXT,
            "payload_content_encoding": {"type": ["string", "null"], "enum": ["base64", None]},
            "transport_key_needed": {"type": "string", "enum": ["true", "false"]},
            "transport_key_id": {"type": "string"},
        },
    }
)
