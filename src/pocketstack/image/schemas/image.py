"""The image schema (``GET /v2/schemas/image``) and what a client may set at create and PATCH.

Glance's image schema is permissive: any extra property is allowed as long as its value is a
string. The optional properties Glance ships in ``schema-image.json`` (``kernel_id``,
``os_distro``, ...) are part of it, as on a DevStack cloud.
"""

from __future__ import annotations

from typing import Any

from pocketstack.common.errors import ApiError
from pocketstack.common.schema import schema

__all__ = [
    "BASE",
    "CONTAINER_FORMATS",
    "CREATE_READ_ONLY",
    "DISALLOWED",
    "DISK_FORMATS",
    "IMAGES_DOCUMENT",
    "IMAGE_DOCUMENT",
    "READ_ONLY",
    "RESERVED",
    "RESERVED_PREFIX",
    "SETTABLE",
    "check",
    "is_reserved",
]

UUID = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
STATUSES = (
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "uploading",
    "importing",
    "pending_delete",
    "deactivated",
)
_MAX_INT = 2147483647  # the database's integer (Glance refuses more with 400 too)


def _p(kind: Any, text: str, **more: Any) -> dict[str, Any]:
    return {"type": kind, "description": text, **more}


def _ro(kind: Any, text: str, **more: Any) -> dict[str, Any]:
    return _p(kind, text, readOnly=True, **more)


_NS = ["null", "string"]
_BASE_PROPERTIES: dict[str, Any] = {
    "id": _p("string", "An identifier for the image", pattern=UUID),
    "name": _p(_NS, "Descriptive name for the image", maxLength=255),
    "status": _ro("string", "Status of the image", enum=list(STATUSES)),
    "visibility": _p(
        "string", "Scope of image accessibility", enum=["community", "public", "private", "shared"]
    ),
    "protected": _p("boolean", "If true, image will not be deletable."),
    "os_hidden": _p("boolean", "If true, image will not appear in default image list response."),
    "checksum": _ro(_NS, "md5 hash of image contents.", maxLength=32),
    "os_hash_algo": _ro(_NS, "Algorithm to calculate the os_hash_value", maxLength=64),
    "os_hash_value": _ro(
        _NS,
        "Hexdigest of the image contents using the algorithm specified by the os_hash_algo",
        maxLength=128,
    ),
    "owner": _p(_NS, "Owner of the image", maxLength=255),
    "size": _ro(["null", "integer"], "Size of image file in bytes"),
    "virtual_size": _ro(["null", "integer"], "Virtual size of image in bytes"),
    "container_format": _p(_NS, "Format of the container", enum=[None, *CONTAINER_FORMATS]),
    "disk_format": _p(_NS, "Format of the disk", enum=[None, *DISK_FORMATS]),
    "created_at": _ro("string", "Date and time of image registration"),
    "updated_at": _ro("string", "Date and time of the last image modification"),
    "tags": _p(
        "array", "List of strings related to the image", items={"type": "string", "maxLength": 255}
    ),
    "direct_url": _ro("string", "URL to access the image file kept in external store"),
    "min_ram": _p(
        "integer", "Amount of ram (in MB) required to boot image.", minimum=0, maximum=_MAX_INT
    ),
    "min_disk": _p(
        "integer",
        "Amount of disk space (in GB) required to boot image.",
        minimum=0,
        maximum=_MAX_INT,
    ),
    "self": _ro("string", "An image self url"),
    "file": _ro("string", "An image file url"),
    "stores": _ro("string", "Store in which image data resides."),
    "schema": _ro("string", "An image schema url"),
    "locations": _p(
        "array",
        "A set of URLs to access the image file kept in external store",
        items={
            "type": "object",
            "required": ["url", "metadata"],
            "properties": {
                "url": {"type": "string", "maxLength": 255},
                "metadata": {"type": "object"},
            },
        },
    ),
}
_CUSTOM_PROPERTIES: dict[str, Any] = {
    "kernel_id": _p(
        _NS,
        "ID of image stored in Glance that should be used as the kernel when "
        "booting an AMI-style image.",
        pattern=UUID,
        is_base=False,
    ),
    "ramdisk_id": _p(
        _NS,
        "ID of image stored in Glance that should be used as the ramdisk "
        "when booting an AMI-style image.",
        pattern=UUID,
        is_base=False,
    ),
    "instance_uuid": _p(
        "string",
        "Metadata which can be used to record which instance this "
        "image is associated with. (Informational only, does not create an "
        "instance snapshot.)",
        is_base=False,
    ),
    "architecture": _p(
        "string",
        "Operating system architecture as specified in "
        "https://docs.openstack.org/python-glanceclient/latest/cli"
        "/property-keys.html",
        is_base=False,
    ),
    "os_distro": _p(
        "string",
        "Common name of operating system distribution as specified in "
        "https://docs.openstack.org/python-glanceclient/latest/cli"
        "/property-keys.html",
        is_base=False,
    ),
    "os_version": _p(
        "string", "Operating system version as specified by the distributor.", is_base=False
    ),
    "description": _p("string", "A human-readable string describing this image.", is_base=False),
}

BASE = frozenset(_BASE_PROPERTIES)
IMAGE_DOCUMENT: dict[str, Any] = {
    "name": "image",
    "properties": {**_BASE_PROPERTIES, **_CUSTOM_PROPERTIES},
    "additionalProperties": {"type": "string"},
    "links": [
        {"rel": "self", "href": "{self}"},
        {"rel": "enclosure", "href": "{file}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}
IMAGES_DOCUMENT: dict[str, Any] = {
    "name": "images",
    "properties": {
        "images": {"type": "array", "items": IMAGE_DOCUMENT},
        "first": {"type": "string"},
        "next": {"type": "string"},
        "schema": {"type": "string"},
    },
    "links": [
        {"rel": "first", "href": "{first}"},
        {"rel": "next", "href": "{next}"},
        {"rel": "describedby", "href": "{schema}"},
    ],
}
_IMAGE = schema(
    {k: v for k, v in IMAGE_DOCUMENT.items() if k not in ("name", "links")} | {"type": "object"}
)

# Never accepted in a create body (403 "read-only").
DISALLOWED = ("direct_url", "self", "file", "schema", "stores")
# Base properties only the service sets: 403 at create.
CREATE_READ_ONLY = (
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
)
# 403 "read-only" as the target of a PATCH operation.
READ_ONLY = (
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "size",
    "virtual_size",
    "direct_url",
    "self",
    "file",
    "schema",
    "id",
    "os_hash_algo",
    "os_hash_value",
)
RESERVED = ("location", "deleted", "deleted_at")
RESERVED_PREFIX = "os_glance"
# The base properties a client may give (the rest are extra properties).
SETTABLE = (
    "container_format",
    "disk_format",
    "id",
    "min_disk",
    "min_ram",
    "name",
    "tags",
    "owner",
    "visibility",
    "protected",
    "os_hidden",
)


def is_reserved(name: str) -> bool:
    return name in RESERVED or name.startswith(RESERVED_PREFIX)


def check(instance: Any) -> None:
    """400 in Glance's words unless ``instance`` (a whole or partial image) fits the schema."""
    errors = _IMAGE.errors(instance)
    if errors:
        raise ApiError(400, f"Provided object does not match schema 'image': {errors[0]}")
