"""What a payload may be: its media types, encodings, size, and which ``Accept`` reads it.

Text types (``text/plain``, ``application/x-pem-file``) travel as UTF-8 text and take no
encoding. Binary types travel base64-encoded inside JSON (``payload_content_encoding:
base64``) and raw (or base64 with ``Content-Encoding: base64``) in a two-step upload.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses

from pocketstack.secrets.objects.errors import (
    BadRequest,
    NotAcceptable,
    PayloadTooLarge,
    UnsupportedMediaType,
)

__all__ = [
    "BINARY_TYPES",
    "MAX_SECRET_BYTES",
    "SUPPORTED_TYPES",
    "TEXT_TYPES",
    "Payload",
    "from_json",
    "from_upload",
    "negotiate",
    "normalize",
]

MAX_SECRET_BYTES = 20000  # Barbican's max_allowed_secret_in_bytes default
TEXT_TYPES = ("text/plain", "application/x-pem-file")
BINARY_TYPES = (
    "application/octet-stream",
    "application/pkcs8",
    "application/pkcs12",
    "application/pkix-cert",
)
SUPPORTED_TYPES = TEXT_TYPES + BINARY_TYPES


@dataclasses.dataclass(frozen=True, slots=True)
class Payload:
    data: bytes
    content_type: str  # normalized: one of SUPPORTED_TYPES

    def __repr__(self) -> str:  # never the bytes, in a log line or a traceback
        return f"Payload(<{len(self.data)} bytes>, {self.content_type!r})"


def normalize(raw: str | None) -> str | None:
    """The internal media type for a client's, or ``None`` when not supported.

    ``text/plain; charset=utf-8`` is ``text/plain``; any other charset is not supported.
    """
    if not raw:
        return None
    mime, *params = (part.strip() for part in raw.split(";"))
    for param in params:
        key, sep, value = param.partition("=")
        if not sep:
            return None
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return None
    mime = mime.lower()
    return mime if mime in SUPPORTED_TYPES else None


def _encodings(content_type: str) -> list[str] | None:
    return None if content_type in TEXT_TYPES else ["base64", "binary"]


def _require_type(raw: str) -> str:
    content_type = normalize(raw)
    if content_type is None:
        raise BadRequest(f"payload_content_type is not one of {list(SUPPORTED_TYPES)}")
    return content_type


def _b64decode(text: str | bytes) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("Invalid payload for payload_content_encoding") from None


def _text(data: bytes) -> bytes:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("A text payload must be UTF-8") from None
    return data


def from_json(payload: str, content_type: str | None, encoding: str | None) -> Payload:
    """A payload given in ``POST /v1/secrets`` (already stripped of surrounding space)."""
    if content_type is None:
        raise BadRequest("If 'payload' is supplied, 'payload_content_type' must also be supplied.")
    normalized = _require_type(content_type)
    allowed = _encodings(normalized)
    if (encoding not in allowed) if allowed else encoding is not None:
        raise BadRequest(f"payload_content_encoding is not one of {allowed}")
    if len(payload.encode("utf-8")) > MAX_SECRET_BYTES:
        raise PayloadTooLarge()
    if not payload:
        raise BadRequest("If 'payload' specified, must be non empty")
    if normalized in TEXT_TYPES:
        return Payload(payload.encode("utf-8"), normalized)
    if encoding != "base64":  # binary bytes cannot travel in JSON otherwise
        raise BadRequest(f"payload_content_encoding is not one of {allowed}")
    return Payload(_b64decode(payload), normalized)


def from_upload(body: bytes, content_type: str | None, encoding: str | None) -> Payload:
    """A payload given as the raw body of ``PUT /v1/secrets/{id}`` (the two-step upload)."""
    if not content_type or normalize(content_type) is None:
        raise UnsupportedMediaType(
            f"Content-Type of '{content_type or ''}' is not supported for PUT."
        )
    normalized = _require_type(content_type)
    if not body:
        raise BadRequest("No data supplied to process.")
    if len(body) > MAX_SECRET_BYTES:
        raise PayloadTooLarge()
    wanted = (encoding or "").strip().lower() or None
    if normalized in TEXT_TYPES:
        if wanted is not None:
            raise BadRequest("payload_content_encoding is not one of None")
        return Payload(_text(body), normalized)
    if wanted == "base64":
        return Payload(_b64decode(body), normalized)
    if wanted not in (None, "binary"):
        raise BadRequest(f"payload_content_encoding is not one of {_encodings(normalized)}")
    return Payload(body, normalized)


def negotiate(accept: str | None, stored: str) -> str:
    """The media type to answer a payload read with: the stored one, when ``accept`` allows.

    No ``Accept`` (or ``*/*``) reads the stored type; any other type is 406, as Barbican
    answers an ``Accept`` it cannot serve the payload as.
    """
    if not accept or not accept.strip():
        return stored
    offered: list[str] = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if any(p.replace(" ", "").lower() in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        offered.append(media.lower())
        if media == "*/*" or normalize(";".join([media.lower(), *params])) == stored:
            return stored
    raise NotAcceptable(f"Secret Accept of '{', '.join(offered) or accept}' not supported.")
