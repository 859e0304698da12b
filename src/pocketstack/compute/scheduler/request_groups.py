"""What a flavor asks of placement beyond its size: Nova's extra specs as request groups.

``resources:RC=N`` and ``trait:T=required|forbidden`` add to the unsuffixed group (with the
flavor's VCPU, MEMORY_MB, DISK_GB); ``resources<S>:RC=N`` / ``trait<S>:T=...`` make group
``S``; ``group_policy`` says whether groups may share a provider; each device of
``pci_passthrough:alias=<alias>:<count>[,...]`` is a group of its own (one provider per
device, as Nova's PCI in placement), its resource class from the ``[pci] alias``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pocketstack.compute.host.devices import (
    InvalidDeviceConfig,
    custom_name,
    parse_specs,
    pci_resource_class,
)

__all__ = ["PlacementRequest", "RequestInvalid", "placement_request"]

_RESOURCES = re.compile(r"^resources([a-zA-Z0-9_-]{0,64}):([A-Z0-9_]+)$")
_TRAIT = re.compile(r"^trait([a-zA-Z0-9_-]{0,64}):([A-Z0-9_]+)$")
_ALIAS_ENTRY = re.compile(r"^\s*([^:]+):(\d+)\s*$")


class RequestInvalid(ValueError):
    """The flavor asks for what cannot be asked (an unknown alias...): Nova's 400."""


@dataclasses.dataclass
class PlacementRequest:
    resources: dict[str, int]
    required: list[str] = dataclasses.field(default_factory=list)
    groups: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    group_policy: str | None = None

    @property
    def devices(self) -> bool:
        return bool(self.groups) or any(
            rc not in ("VCPU", "MEMORY_MB", "DISK_GB") for rc in self.resources)


def _group(groups: dict[str, dict[str, Any]], suffix: str) -> dict[str, Any]:
    return groups.setdefault(suffix, {"resources": {}, "required": []})


def _aliases(texts: Sequence[str]) -> dict[str, dict[str, Any]]:
    try:
        found = parse_specs(texts, "PCI alias")
    except InvalidDeviceConfig as exc:
        raise RequestInvalid(str(exc)) from None
    return {str(alias["name"]): alias for alias in found if alias.get("name")}


def _pci_groups(value: str, aliases: dict[str, dict[str, Any]],
                groups: dict[str, dict[str, Any]]) -> None:
    for entry in value.split(","):
        matched = _ALIAS_ENTRY.match(entry)
        if matched is None:
            raise RequestInvalid(f"Invalid PCI alias definition: {value}")
        name, count = matched.group(1).strip(), int(matched.group(2))
        alias = aliases.get(name)
        if alias is None:
            raise RequestInvalid(f"PCI alias {name} is not defined")
        resource_class = pci_resource_class(alias, str(alias.get("vendor_id", "")).lower(),
                                            str(alias.get("product_id", "")).lower())
        traits = [custom_name(t.strip()) for t in str(alias.get("traits", "")).split(",")
                  if t.strip()]
        tag = re.sub(r"[^a-zA-Z0-9_-]", "-", name)[:40]
        for index in range(count):
            group = _group(groups, f"_pci_{tag}_{index}")
            group["resources"][resource_class] = 1
            group["required"] += traits


def placement_request(base: Mapping[str, int], extra_specs: Mapping[str, str],
                      alias_texts: Sequence[str]) -> PlacementRequest:
    """The request groups of a flavor of size ``base`` with ``extra_specs``."""
    request = PlacementRequest(dict(base))
    groups: dict[str, dict[str, Any]] = {}
    for key, value in extra_specs.items():
        resources, trait = _RESOURCES.match(key), _TRAIT.match(key)
        if resources:
            suffix, name = resources.groups()
            amount = int(value) if str(value).isdigit() else -1
            if amount < 0:
                raise RequestInvalid(f"Invalid {key}: {value}")
            target = request.resources if not suffix else _group(groups, suffix)["resources"]
            target[name] = amount
        elif trait:
            suffix, name = trait.groups()
            if value not in ("required", "forbidden"):
                raise RequestInvalid(f"Invalid {key}: {value}")
            wanted = name if value == "required" else "!" + name
            (request.required if not suffix else _group(groups, suffix)["required"]).append(
                wanted)
        elif key == "group_policy":
            request.group_policy = str(value)
        elif key == "pci_passthrough:alias":
            _pci_groups(str(value), _aliases(alias_texts), groups)
    request.groups = {suffix: group for suffix, group in groups.items() if group["resources"]}
    if len(request.groups) > 1 and request.group_policy is None:
        request.group_policy = "none"  # placement wants one once there are several groups
    return request
