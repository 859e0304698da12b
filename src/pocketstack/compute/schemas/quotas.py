"""Request schemas of PUT /os-quota-sets/{tenant_id} and PUT /os-quota-class-sets/{id}, and
the keys each microversion shows: every value an integer (or numeric string) in
[-1, 2147483647]."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pocketstack.common.schema import Schema, schema

__all__ = ["class_keys", "class_update", "set_keys", "update"]

_NETWORK = ("fixed_ips", "floating_ips", "security_groups", "security_group_rules")
_INJECTED = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")
_CORE = ("instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
         "server_group_members")
_SET_KEYS = {(2, 1): _CORE + _INJECTED + _NETWORK, (2, 36): _CORE + _INJECTED,
             (2, 57): _CORE}
_CLASS_KEYS = {(2, 1): tuple(k for k in _CORE if not k.startswith("server_group"))
               + _INJECTED + _NETWORK, (2, 50): _CORE + _INJECTED, (2, 57): _CORE}

_LIMIT = {"type": ["integer", "string"], "pattern": r"^-?[0-9]+$", "minimum": -1,
          "maximum": 2147483647}
_FORCE = {"type": ["boolean", "string"],
          "enum": [True, False, "True", "False", "true", "false", "1", "0"]}


def _band(bands: dict[tuple[int, int], Any], ver: tuple[int, int]) -> Any:
    return bands[max(b for b in bands if b <= ver)]


def set_keys(ver: tuple[int, int]) -> Sequence[str]:
    """The quota-set keys shown (and accepted) at ``ver``."""
    keys: Sequence[str] = _band(_SET_KEYS, ver)
    return keys


def class_keys(ver: tuple[int, int]) -> Sequence[str]:
    keys: Sequence[str] = _band(_CLASS_KEYS, ver)
    return keys


def _document(wrapper: str, keys: Sequence[str], extra: dict[str, Any]) -> Schema:
    return schema({
        "type": "object",
        "properties": {wrapper: {
            "type": "object",
            "properties": {**{key: _LIMIT for key in keys}, **extra},
            "additionalProperties": False,
        }},
        "required": [wrapper],
        "additionalProperties": False,
    })


_UPDATE = {band: _document("quota_set", keys, {"force": _FORCE})
           for band, keys in _SET_KEYS.items()}
_CLASS_UPDATE = {band: _document("quota_class_set", keys, {})
                 for band, keys in _CLASS_KEYS.items()}


def update(ver: tuple[int, int]) -> Schema:
    found: Schema = _band(_UPDATE, ver)
    return found


def class_update(ver: tuple[int, int]) -> Schema:
    found: Schema = _band(_CLASS_UPDATE, ver)
    return found
