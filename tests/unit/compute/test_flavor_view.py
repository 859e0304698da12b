"""The flavor view by microversion and the ``is_public`` filter."""

from __future__ import annotations

from typing import Any

import pytest

from pocketstack.common.errors import ApiError
from pocketstack.compute.handlers.flavors import parse_is_public, view_flavor
from pocketstack.compute.schemas.flavors import extra_spec_error

FLAVOR: dict[str, Any] = {
    "flavorid": "7", "name": "m1.small", "memory_mb": 2048, "root_gb": 20, "vcpus": 1,
    "swap": 0, "ephemeral_gb": 0, "disabled": False, "is_public": True, "rxtx_factor": 1.0,
    "description": "d", "extra_specs": {"hw:cpu_policy": "shared"}}


def test_swap_is_an_empty_string_below_275() -> None:
    assert view_flavor(FLAVOR, (2, 74), [], with_specs=True)["swap"] == ""
    assert view_flavor(FLAVOR, (2, 75), [], with_specs=True)["swap"] == 0
    assert view_flavor({**FLAVOR, "swap": 512}, (2, 1), [], with_specs=True)["swap"] == 512


def test_description_and_extra_specs_by_version_and_policy() -> None:
    assert "description" not in view_flavor(FLAVOR, (2, 54), [], with_specs=True)
    assert view_flavor(FLAVOR, (2, 55), [], with_specs=True)["description"] == "d"
    assert "extra_specs" not in view_flavor(FLAVOR, (2, 60), [], with_specs=True)
    assert "extra_specs" not in view_flavor(FLAVOR, (2, 61), [], with_specs=False)
    shown = view_flavor(FLAVOR, (2, 61), [], with_specs=True)
    assert shown["extra_specs"] == {"hw:cpu_policy": "shared"}
    assert shown["id"] == "7" and shown["ram"] == 2048 and shown["os-flavor-access:is_public"]


@pytest.mark.parametrize(("raw", "parsed"), [
    (None, True), ("None", None), ("none", None), ("true", True), ("False", False), ("0", False)])
def test_is_public_filter(raw: str | None, parsed: bool | None) -> None:
    assert parse_is_public(raw) is parsed


def test_is_public_filter_rejects_other_values() -> None:
    with pytest.raises(ApiError, match=r"Invalid is_public filter \[maybe\]"):
        parse_is_public("maybe")


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("hw:cpu_policy", "dedicated", None),
    ("hw:numa_cpus.0", "0-3", None),
    ("custom", "anything", None),
    ("mine:whatever", "x", None),
    ("hw:cpu_policy", "fast", "'fast' is not one of: dedicated, shared, mixed."),
    ("hw:numa_nodes", "0", "'0' is less than the min value of '1'."),
    ("hw:numa_nodes", "two", "'two' is not a valid integer value."),
    ("hw_rng:allowed", "maybe", "'maybe' is not a valid boolean-like value."),
    ("hw:no_such_thing", "1", "extra spec 'hw:no_such_thing' does not appear to be a valid"),
])
def test_extra_spec_validation(name: str, value: str, reason: str | None) -> None:
    found = extra_spec_error(name, value)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found
