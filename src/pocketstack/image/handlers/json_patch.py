"""``PATCH /v2/images/{id}``: Glance's JSON-patch media types, parsed and applied.

``application/openstack-images-v2.1-json-patch`` takes ``{"op", "path", "value"}`` operations
(``add`` replaces an existing property); the older ``...-v2.0-json-patch`` takes
``{"add": "/path", "value"}`` and refuses to ``add`` what exists. Only one-segment paths name a
property; ``/locations`` is refused (this cloud never shows image locations). Parsing refuses
everything malformed before the image is even looked up, as Glance's deserializer does.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from pocketstack.common.errors import ApiError
from pocketstack.image.objects.images import Image
from pocketstack.image.schemas import image as schema

__all__ = ["MEDIA_TYPES", "Change", "apply", "draft_of", "parse"]

MEDIA_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
OPERATIONS = ("add", "remove", "replace")
ATTRIBUTES = (
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "owner",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
    "tags",
)
_QUEUED_ONLY = ("disk_format", "container_format")
_DEPTH = {"locations": {"add": 2, "remove": 2, "replace": 1}}
_LOCATION_VERBS = {"add": "add", "remove": "remove", "replace": "update"}


@dataclasses.dataclass(frozen=True)
class Change:
    op: str
    path: tuple[str, ...]
    value: Any = None
    draft: int = 10

    @property
    def name(self) -> str:
        return self.path[0]


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def draft_of(content_type: str | None) -> int:
    """The JSON-schema draft a PATCH media type speaks; 415 for any other media type."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise ApiError(
            415,
            f"The request media type {media or None} is not supported by this server.",
            headers={"Accept-Patch": ", ".join(sorted(MEDIA_TYPES))},
        )
    return MEDIA_TYPES[media]


def _operation(raw: dict[str, Any], draft: int) -> tuple[str, Any]:
    if draft == 10:
        op = raw.get("op")
        if op is None:
            raise _bad(
                f"Unable to find `op` in JSON Schema change. It must be one of the "
                f"following: {', '.join(OPERATIONS)}."
            )
        if op not in OPERATIONS:
            raise _bad(
                f"Invalid operation: `{op}`. It must be one of the following: "
                f"{', '.join(OPERATIONS)}."
            )
        if "path" not in raw:
            raise _bad("Unable to find 'path' in JSON Schema change")
        return op, raw["path"]
    found = [key for key in OPERATIONS if key in raw]
    if len(found) != 1:
        raise _bad(
            'Operation objects must contain exactly one member named "add", "remove", or "replace".'
        )
    return found[0], raw[found[0]]


def _pointer(pointer: Any) -> tuple[str, ...]:
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise _bad(f'Pointer `{pointer}` does not start with "/".')
    if re.search(r"/\s*?/", pointer[1:]):
        raise _bad(f'Pointer `{pointer}` contains adjacent "/".')
    if len(pointer) > 1 and pointer.endswith("/"):
        raise _bad(f'Pointer `{pointer}` end with "/".')
    if re.search("~[^01]", pointer) or pointer.endswith("~"):
        raise _bad(f'Pointer `{pointer}` contains "~" not part of a recognized escape sequence.')
    return tuple(
        part.replace("~1", "/").replace("~0", "~").strip()
        for part in pointer.lstrip("/").split("/")
    )


def _check(change: Change) -> None:
    name = change.name
    if name in schema.READ_ONLY:
        raise ApiError(403, f"Attribute '{name}' is read-only.")
    if schema.is_reserved(name):
        raise ApiError(403, f"Attribute '{name}' is reserved.")
    if len(name) > 255:
        raise _bad("Custom property should not be greater than 255 characters.")
    if change.op == "remove":
        return
    if len(change.path) == 1:
        schema.check({name: change.value})
    elif name == "tags":
        schema.check({name: [change.value]})


def parse(body: Any, draft: int) -> list[Change]:
    if not isinstance(body, list):
        raise _bad("Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise _bad("Operations must be JSON objects.")
        op, pointer = _operation(raw, draft)
        path = _pointer(pointer)
        if not path[0] or len(path) != _DEPTH.get(path[0], {}).get(op, 1):
            raise _bad(f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")
        if op != "remove" and "value" not in raw:
            raise _bad(f'Operation "{op}" requires a member named "value".')
        change = Change(op, path, raw.get("value"), draft)
        _check(change)
        changes.append(change)
    return changes


def _set(image: Image, name: str, value: Any) -> None:
    if name in _QUEUED_ONLY and image.status != "queued":
        raise ApiError(403, f"Attribute {name} can be only replaced for a queued image.")
    if name == "tags":
        value = list(dict.fromkeys(value))
    setattr(image, name, value)


def apply(image: Image, change: Change) -> None:
    """One operation on ``image`` (a copy the caller will save); 403/409 as Glance answers."""
    name = change.name
    if name == "locations":
        verb = _LOCATION_VERBS[change.op]
        raise ApiError(403, f"It's not allowed to {verb} locations if locations are invisible.")
    known = name in ATTRIBUTES or name in image.properties
    if change.op == "remove":
        if name in ATTRIBUTES:
            raise ApiError(403, f"Property {name} may not be removed.")
        if not known:
            raise ApiError(409, f"Property {name} does not exist.")
        del image.properties[name]
    elif change.op == "replace" and not known:
        raise ApiError(409, f"Property {name} does not exist.")
    elif change.op == "add" and known and change.draft == 4:
        raise ApiError(409, f"Property {name} already present.")
    elif name in ATTRIBUTES:
        _set(image, name, change.value)
    else:
        image.properties[name] = change.value
