"""JSON schemas of the servers API: create, update, and the server actions' bodies."""

from __future__ import annotations

from typing import Any

from pocketstack.common.schema import extend, schema

__all__ = [
    "ACTION_BODIES",
    "CREATE",
    "CREATE_V237",
    "METADATA",
    "METADATA_ITEM",
    "UPDATE",
    "UPDATE_V219",
]

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^(?!\s)(.*\S)?$"}
_DESCRIPTION = {"type": ["string", "null"], "maxLength": 255}
_UUID = {"type": "string", "format": "uuid"}
_META = {"type": "object", "maxProperties": 128, "additionalProperties": False,
         "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string",
                                                             "maxLength": 255}}}
_COUNT = {"type": ["integer", "string"], "pattern": "^[0-9]+$", "minimum": 1}
_IP = {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}
_NETWORK = {"type": "object", "additionalProperties": False, "properties": {
    "uuid": {"type": "string"}, "port": {"type": ["string", "null"]},
    "fixed_ip": _IP, "tag": {"type": "string", "maxLength": 60}}}
_BDM = {"type": "object", "additionalProperties": True, "properties": {
    "uuid": {"type": "string"}, "boot_index": {"type": ["integer", "string", "null"]},
    "source_type": {"enum": ["image", "volume", "snapshot", "blank"]},
    "destination_type": {"enum": ["local", "volume"]},
    "volume_size": {"type": ["integer", "string", "null"]},
    "delete_on_termination": {"type": ["boolean", "string"]},
    "device_name": {"type": ["string", "null"]}, "tag": {"type": "string"}}}

_SERVER: dict[str, Any] = {
    "name": _NAME, "description": _DESCRIPTION,
    "imageRef": {"type": "string"}, "flavorRef": {"type": ["string", "integer"], "minLength": 1},
    "adminPass": {"type": "string"}, "metadata": _META,
    "min_count": _COUNT, "max_count": _COUNT, "return_reservation_id": {"type": "boolean"},
    "key_name": {"type": "string", "minLength": 1, "maxLength": 255},
    "availability_zone": {"type": "string", "minLength": 1, "maxLength": 255},
    "user_data": {"type": "string", "format": "base64", "maxLength": 65535},
    "security_groups": {"type": "array", "items": {
        "type": "object", "properties": {"name": {"type": "string"}}}},
    "block_device_mapping_v2": {"type": "array", "items": _BDM},
    "config_drive": {"type": ["boolean", "string"]},
    "OS-DCF:diskConfig": {"enum": ["AUTO", "MANUAL"]},
    "accessIPv4": {"type": "string", "format": "ipv4"},
    "accessIPv6": {"type": "string", "format": "ipv6"},
    "tags": {"type": "array", "maxItems": 50,
             "items": {"type": "string", "minLength": 1, "maxLength": 60}},
    "hostname": {"type": "string", "minLength": 1, "maxLength": 255},
}



def _create(networks: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object", "required": ["server"],
        "properties": {
            "server": {"type": "object", "required": required,
                       "properties": {**_SERVER, "networks": networks},
                       "additionalProperties": False},
            "OS-SCH-HNT:scheduler_hints": {"type": "object", "properties": {"group": _UUID},
                                           "additionalProperties": True},
        },
    }


CREATE = schema(_create({"type": "array", "items": _NETWORK}, ["name", "flavorRef"]))
# 2.37: networks required, "auto" or "none" accepted.
CREATE_V237 = schema(_create({"oneOf": [{"type": "array", "items": _NETWORK},
                                        {"enum": ["auto", "none"]}]},
                             ["name", "flavorRef", "networks"]))

_UPDATE_PROPS = {"name": _NAME, "accessIPv4": _SERVER["accessIPv4"],
                 "accessIPv6": _SERVER["accessIPv6"], "OS-DCF:diskConfig": _SERVER[
                     "OS-DCF:diskConfig"]}
UPDATE = schema({"type": "object", "required": ["server"], "properties": {"server": {
    "type": "object", "properties": _UPDATE_PROPS, "additionalProperties": False}}})
UPDATE_V219 = extend(UPDATE, path=["server"], add={"description": _DESCRIPTION,
                                                   "hostname": _SERVER["hostname"]})

_NULL_OR_EMPTY = {"type": ["null", "object"], "additionalProperties": True}
ACTION_BODIES: dict[str, Any] = {
    "reboot": schema({"type": "object", "required": ["type"], "properties": {
        "type": {"enum": ["SOFT", "HARD", "soft", "hard"]}}}),
    "rebuild": schema({"type": "object", "required": ["imageRef"], "properties": {
        "imageRef": {"type": "string"}, "name": _NAME, "adminPass": {"type": "string"},
        "metadata": _META, "description": _DESCRIPTION, "preserve_ephemeral": {
            "type": "boolean"}, "OS-DCF:diskConfig": _SERVER["OS-DCF:diskConfig"],
        "accessIPv4": _SERVER["accessIPv4"], "accessIPv6": _SERVER["accessIPv6"],
        "key_name": {"type": ["string", "null"]}, "user_data": {"type": ["string", "null"]}},
        "additionalProperties": False}),
    "createImage": schema({"type": "object", "required": ["name"], "properties": {
        "name": _NAME, "metadata": _META}, "additionalProperties": False}),
    "lock": schema({"type": ["null", "object"], "properties": {
        "locked_reason": {"type": "string", "maxLength": 255}},
        "additionalProperties": False}),
    "empty": schema(_NULL_OR_EMPTY),
    "resize": schema({"type": "object", "required": ["flavorRef"], "properties": {
        "flavorRef": _SERVER["flavorRef"], "OS-DCF:diskConfig": _SERVER["OS-DCF:diskConfig"]},
        "additionalProperties": False}),
    "migrate": schema({"type": ["object", "null"], "properties": {
        "host": {"type": ["string", "null"], "minLength": 1, "maxLength": 255}},
        "additionalProperties": False}),
}

METADATA = schema({"type": "object", "required": ["metadata"], "properties": {
    "metadata": _META}, "additionalProperties": False})
METADATA_ITEM = schema({"type": "object", "required": ["meta"], "properties": {
    "meta": {**_META, "minProperties": 1, "maxProperties": 1}},
    "additionalProperties": False})
