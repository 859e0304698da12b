"""Request schemas for flavors, their extra specs and the flavor access actions."""

from __future__ import annotations

import re
from typing import Any

from pocketstack.common.schema import extend, schema

__all__ = [
    "ACCESS_ACTION",
    "CREATE",
    "CREATE_V255",
    "EXTRA_SPECS",
    "ONE_SPEC",
    "SPEC_RULES",
    "UPDATE",
    "extra_spec_error",
]


def _count(minimum: int) -> dict[str, Any]:
    """Nova takes counts as integers or integer strings."""
    return {"oneOf": [{"type": "integer", "minimum": minimum, "maximum": 2147483647},
                      {"type": "string", "pattern": r"^\s*[0-9]+\s*$"}]}


_DESCRIPTION = {"type": ["string", "null"], "maxLength": 65535}
_KEY = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\w.:\- ]+$"}
_VALUE = {"type": ["string", "number", "boolean"], "maxLength": 255}

CREATE = schema({
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255,
                     "pattern": r"^(?! )[^\x00-\x1f]*(?<! )$"},
            "id": {"type": ["string", "null"], "minLength": 1, "maxLength": 255,
                   "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$"},
            "ram": _count(1),
            "vcpus": _count(1),
            "disk": _count(0),
            "OS-FLV-EXT-DATA:ephemeral": _count(0),
            "swap": _count(0),
            "rxtx_factor": {"type": ["number", "string"]},
            "os-flavor-access:is_public": {"type": "boolean"},
        },
        "required": ["name", "ram", "vcpus", "disk"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
})

CREATE_V255 = extend(CREATE, add={"description": _DESCRIPTION}, path=["flavor"])

UPDATE = schema({
    "type": "object",
    "properties": {"flavor": {
        "type": "object",
        "properties": {"description": _DESCRIPTION},
        "required": ["description"],
        "additionalProperties": False,
    }},
    "required": ["flavor"],
    "additionalProperties": False,
})

EXTRA_SPECS = schema({
    "type": "object",
    "properties": {"extra_specs": {
        "type": "object",
        "propertyNames": _KEY,
        "additionalProperties": _VALUE,
    }},
    "required": ["extra_specs"],
    "additionalProperties": False,
})

ONE_SPEC = schema({
    "type": "object",
    "propertyNames": _KEY,
    "additionalProperties": _VALUE,
    "minProperties": 1,
    "maxProperties": 1,
})

_TENANT = {"type": "object", "properties": {"tenant": {"type": "string", "minLength": 1,
                                                       "maxLength": 255}},
           "required": ["tenant"], "additionalProperties": False}

ACCESS_ACTION = schema({
    "type": "object",
    "properties": {"addTenantAccess": _TENANT, "removeTenantAccess": _TENANT},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
})


# -- extra spec validation (2.86): known keys of the namespaces Nova checks -------------------

_BOOL = {"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"}
# key (a regex below the namespace) -> ("int", minimum) | ("bool", None) | ("enum", choices)
# | ("str", None)
SpecRule = tuple[str, Any]
_HW: dict[str, SpecRule] = {
    "cpu_policy": ("enum", ("dedicated", "shared", "mixed")),
    "cpu_thread_policy": ("enum", ("prefer", "isolate", "require")),
    "emulator_threads_policy": ("enum", ("share", "isolate")),
    "(cpu|cpu_max)_(sockets|cores|threads)": ("int", 1),
    "numa_nodes": ("int", 1),
    r"numa_cpus\.\d+": ("str", None),
    r"numa_mem\.\d+": ("int", 0),
    "mem_page_size": ("str", None),
    "(cpu_realtime_mask|realtime_mask|cpu_dedicated_mask|vpmem|cpu_model)": ("str", None),
    "(cpu_realtime|hide_hypervisor_id|boot_menu|vif_multiqueue_enabled|pmu|mem_encryption"
    "|locked_memory|virtio_packed_ring|ephemeral_encryption|firmware_stateless)": ("bool", None),
    "watchdog_action": ("enum", ("disabled", "pause", "poweroff", "reset", "none")),
    "serial_port_count": ("int", 0),
    "pci_numa_affinity_policy": ("enum", ("required", "legacy", "preferred", "socket")),
    "tpm_version": ("enum", ("1.2", "2.0")),
    "tpm_model": ("enum", ("tpm-tis", "tpm-crb")),
    "(tpm_secret_security|ephemeral_encryption_format|viommu_model|sound_model|usb_model"
    "|mem_encryption_model|cpu_model_extra_flags)": ("str", None),
    "maxphysaddr_mode": ("enum", ("passthrough", "emulate")),
    "maxphysaddr_bits": ("int", 1),
}
SPEC_RULES: dict[str, dict[str, SpecRule]] = {
    "hw": _HW,
    "pci_passthrough": {"alias": ("format", r"[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*")},
    # request groups: resources[<suffix>]:<class> and trait[<suffix>]:<trait>
    r"resources[a-zA-Z0-9_-]{0,64}": {"[A-Z0-9_]+": ("int", 0)},
    r"trait[a-zA-Z0-9_-]{0,64}": {"[A-Z0-9_]+": ("enum", ("required", "forbidden"))},
    "hw_rng": {"allowed": ("bool", None), "(rate_bytes|rate_period)": ("int", 0)},
    "hw_video": {"ram_max_mb": ("int", 0)},
}


def _value_error(value: str, rule: SpecRule) -> str | None:
    kind, arg = rule
    if kind == "int":
        if not value.strip().lstrip("-").isdigit():
            return f"Validation failed; '{value}' is not a valid integer value."
        if int(value) < arg:
            return f"Validation failed; '{value}' is less than the min value of '{arg}'."
    if kind == "bool" and value.strip().lower() not in _BOOL:
        return f"Validation failed; '{value}' is not a valid boolean-like value."
    if kind == "format" and not re.fullmatch(arg, value):
        return f"Validation failed; '{value}' is not of the format '{arg}'."
    if kind == "enum" and value not in arg:
        return f"Validation failed; '{value}' is not one of: {', '.join(arg)}."
    return None


def extra_spec_error(name: str, value: str) -> str | None:
    """Why ``name=value`` is refused from 2.86, or None: keys outside the namespaces Nova
    checks pass as they are."""
    namespace, _, key = name.partition(":")
    rules = next((found for pattern, found in SPEC_RULES.items()
                  if re.fullmatch(pattern, namespace)), None) if key else None
    if rules is None:
        return None
    for pattern, rule in rules.items():
        if re.fullmatch(pattern, key):
            return _value_error(value, rule)
    return f"Validation failed; extra spec '{name}' does not appear to be a valid extra spec."
