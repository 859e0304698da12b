"""The real ``openstack`` CLI with the osc-placement plugin against a running ``pocketstack up``.

Every command is the unmodified plugin from PyPI talking to ``/placement`` through the
catalog. Without ``--os-placement-api-version`` the plugin negotiates: an authenticated
``GET /placement/`` with ``OpenStack-API-Version: placement 1.29``, then 1.29 for every call;
with the option it skips that and sends the version given. Each test makes providers and
names of its own (a unique suffix), so the tests share one cloud and run in any order; the
allocation-candidate assertions look only at the test's own providers.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e

MAX_INT = 2147483647  # placement's default max_unit


def _suffix() -> str:
    return uuid.uuid4().hex[:8].upper()


def _v(version: str, *args: str) -> tuple[str, ...]:
    """``openstack --os-placement-api-version VERSION ARGS``: no negotiation."""
    return ("--os-placement-api-version", version, *args)


def _provider(
    cloud: RunningCloud,
    name: str,
    *,
    parent: str | None = None,
    inventory: tuple[str, ...] = (),
    traits: tuple[str, ...] = (),
) -> str:
    """Create a provider (with inventory and traits when given); returns its uuid."""
    create = ["resource", "provider", "create", name]
    if parent is not None:
        create += ["--parent-provider", parent]
    rp_uuid: str = cloud.cli_json(*create)["uuid"]
    if inventory:
        resources = [word for r in inventory for word in ("--resource", r)]
        cloud.cli_json("resource", "provider", "inventory", "set", rp_uuid, *resources)
    if traits:
        named = [word for t in traits for word in ("--trait", t)]
        cloud.cli_json("resource", "provider", "trait", "set", rp_uuid, *named)
    return rp_uuid


def _http_status(stderr: str) -> int:
    """The status osc-placement reports for a refused request: ``<detail> (HTTP 409)``."""
    found = re.search(r"\(HTTP (\d{3})\)", stderr)
    assert found, f"no HTTP status in:\n{stderr}"
    return int(found.group(1))


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows}


def _pairs(text: str) -> dict[str, str]:
    """``VCPU=0/8,MEMORY_MB=0/4096`` -> ``{"VCPU": "0/8", "MEMORY_MB": "0/4096"}``."""
    return dict(pair.split("=", 1) for pair in text.split(",") if pair)


def _candidates(rows: list[dict[str, Any]], mine: set[str]) -> list[dict[str, str]]:
    """Candidate number -> {provider: allocation}, for candidates made only of ``mine``."""
    grouped: dict[int, dict[str, str]] = {}
    for row in rows:
        grouped.setdefault(row["#"], {})[row["resource provider"]] = row["allocation"]
    return [alloc for alloc in grouped.values() if set(alloc) <= mine]


# -- version negotiation -------------------------------------------------------------------


def _gets(cloud: RunningCloud, stderr: str) -> list[tuple[str, str]]:
    """(path without query, headers) of each GET keystoneauth's ``--debug`` output shows."""
    found = re.findall(r'REQ: curl .*?-X GET "?([^" ]+)"? (.*)', stderr)
    return [(url.split("?")[0].removeprefix(cloud.base_url), headers) for url, headers in found]


def test_negotiation_sends_1_29_to_the_root_and_uses_it(cloud: RunningCloud) -> None:
    proc = cloud.cli("--debug", "resource", "provider", "list")

    placement = [(p, h) for p, h in _gets(cloud, proc.stderr) if p.startswith("/placement")]
    assert [p for p, _ in placement] == ["/placement/", "/placement/resource_providers"]
    assert all('"OpenStack-API-Version: placement 1.29"' in h for _, h in placement)


def test_an_explicit_version_skips_negotiation(cloud: RunningCloud) -> None:
    proc = cloud.cli("--debug", *_v("1.14", "resource", "provider", "list"))

    placement = [(p, h) for p, h in _gets(cloud, proc.stderr) if p.startswith("/placement")]
    assert [p for p, _ in placement] == ["/placement/resource_providers"]
    assert '"OpenStack-API-Version: placement 1.14"' in placement[0][1]


# -- resource providers ----------------------------------------------------------------------


def test_resource_provider_create_list_show_set_delete(cloud: RunningCloud) -> None:
    name = f"e2e-rp-{_suffix()}"
    parent = cloud.cli_json("resource", "provider", "create", name)
    assert parent["name"] == name
    assert parent["generation"] == 0
    assert parent["root_provider_uuid"] == parent["uuid"]  # 1.29 shows the tree fields
    assert parent["parent_provider_uuid"] is None
    child = cloud.cli_json(
        "resource", "provider", "create", f"{name}-child", "--parent-provider", parent["uuid"]
    )
    assert child["parent_provider_uuid"] == parent["uuid"]
    assert child["root_provider_uuid"] == parent["uuid"]

    [listed] = cloud.cli_json("resource", "provider", "list", "--name", name)
    assert listed == parent
    tree = cloud.cli_json("resource", "provider", "list", "--in-tree", child["uuid"])
    assert {r["uuid"] for r in tree} == {parent["uuid"], child["uuid"]}

    old = cloud.cli_json(*_v("1.0", "resource", "provider", "show", parent["uuid"]))
    assert set(old) == {"uuid", "name", "generation"}  # before 1.14: no tree fields

    renamed = cloud.cli_json(
        "resource", "provider", "set", parent["uuid"], "--name", f"{name}-renamed"
    )
    assert renamed["name"] == f"{name}-renamed"
    assert renamed["uuid"] == parent["uuid"]

    duplicate = cloud.cli_fails("resource", "provider", "create", f"{name}-renamed")
    assert _http_status(duplicate) == 409  # names are unique

    refused = cloud.cli_fails("resource", "provider", "delete", parent["uuid"])
    assert _http_status(refused) == 409  # a provider with children stays

    cloud.cli("resource", "provider", "delete", child["uuid"])
    cloud.cli("resource", "provider", "delete", parent["uuid"])
    gone = cloud.cli_fails("resource", "provider", "show", parent["uuid"])
    assert _http_status(gone) == 404


# -- inventories -------------------------------------------------------------------------------


def test_inventory_set_list_show_amend_delete(cloud: RunningCloud) -> None:
    rp = _provider(cloud, f"e2e-inv-{_suffix()}")
    rows = cloud.cli_json(
        "resource", "provider", "inventory", "set", rp,
        "--resource", "VCPU=8",
        "--resource", "MEMORY_MB=4096",
        "--resource", "MEMORY_MB:max_unit=2048",
        "--resource", "MEMORY_MB:step_size=256",
        "--resource", "DISK_GB=100",
        "--resource", "DISK_GB:allocation_ratio=1.5",
        "--resource", "DISK_GB:reserved=10",
    )  # fmt: skip
    inv = _by(rows, "resource_class")
    assert set(inv) == {"VCPU", "MEMORY_MB", "DISK_GB"}
    assert inv["VCPU"] == {
        "resource_class": "VCPU", "allocation_ratio": 1.0, "min_unit": 1,
        "max_unit": MAX_INT, "reserved": 0, "step_size": 1, "total": 8,
    }  # fmt: skip
    assert (inv["MEMORY_MB"]["max_unit"], inv["MEMORY_MB"]["step_size"]) == (2048, 256)
    assert (inv["DISK_GB"]["allocation_ratio"], inv["DISK_GB"]["reserved"]) == (1.5, 10)

    listed = _by(cloud.cli_json("resource", "provider", "inventory", "list", rp), "resource_class")
    assert {rc: row["used"] for rc, row in listed.items()} == {
        "VCPU": 0,
        "MEMORY_MB": 0,
        "DISK_GB": 0,
    }
    assert listed["MEMORY_MB"]["total"] == 4096

    shown = cloud.cli_json("resource", "provider", "inventory", "show", rp, "DISK_GB")
    assert shown == {
        "allocation_ratio": 1.5, "min_unit": 1, "max_unit": MAX_INT, "reserved": 10,
        "step_size": 1, "total": 100, "used": 0,
    }  # fmt: skip

    amended = cloud.cli_json(
        "resource", "provider", "inventory", "set", rp, "--amend", "--resource", "VGPU=4"
    )
    assert {r["resource_class"] for r in amended} == {"VCPU", "MEMORY_MB", "DISK_GB", "VGPU"}

    one = cloud.cli_json(
        "resource", "provider", "inventory", "class", "set", rp, "VCPU", "--total", "16"
    )
    assert one["total"] == 16

    unknown = cloud.cli_fails(
        "resource", "provider", "inventory", "set", rp, "--resource", f"CUSTOM_NO_{_suffix()}=1"
    )
    assert _http_status(unknown) == 400  # and nothing changed: see the list below

    cloud.cli("resource", "provider", "inventory", "delete", rp, "--resource-class", "VGPU")
    left = cloud.cli_json("resource", "provider", "inventory", "list", rp)
    assert {r["resource_class"] for r in left} == {"VCPU", "MEMORY_MB", "DISK_GB"}

    cloud.cli("resource", "provider", "inventory", "delete", rp)  # all of it, 1.5+
    assert cloud.cli_json("resource", "provider", "inventory", "list", rp) == []


# -- allocations and usages --------------------------------------------------------------------


def test_allocation_set_show_unset_delete_and_usages(cloud: RunningCloud) -> None:
    rp = _provider(
        cloud, f"e2e-alloc-{_suffix()}", inventory=("VCPU=8", "MEMORY_MB=4096", "DISK_GB=100")
    )
    consumer, project, user = (str(uuid.uuid4()) for _ in range(3))
    owner = ("--project-id", project, "--user-id", user)

    [row] = cloud.cli_json(
        "resource", "provider", "allocation", "set", consumer,
        "--allocation", f"rp={rp},VCPU=2,MEMORY_MB=512", *owner,
    )  # fmt: skip
    assert row["resource_provider"] == rp
    assert row["resources"] == {"VCPU": 2, "MEMORY_MB": 512}
    assert (row["project_id"], row["user_id"]) == (project, user)
    assert row["generation"] >= 1  # the provider's generation, bumped by the claim

    [shown] = cloud.cli_json("resource", "provider", "allocation", "show", consumer)
    assert shown == row

    usage = _by(cloud.cli_json("resource", "provider", "usage", "show", rp), "resource_class")
    assert {rc: u["usage"] for rc, u in usage.items()} == {
        "VCPU": 2,
        "MEMORY_MB": 512,
        "DISK_GB": 0,
    }
    totals = cloud.cli_json("resource", "usage", "show", project, "--user-id", user)
    assert {u["resource_class"]: u["usage"] for u in totals} == {"VCPU": 2, "MEMORY_MB": 512}

    with_allocs = cloud.cli_json("resource", "provider", "show", rp, "--allocations")
    assert with_allocs["allocations"] == {
        consumer: {"resources": {"VCPU": 2, "MEMORY_MB": 512}, "consumer_generation": 1}
    }  # 1.28+: with the consumer's generation

    too_much = cloud.cli_fails(
        "resource", "provider", "allocation", "set", str(uuid.uuid4()),
        "--allocation", f"rp={rp},VCPU=100", *owner,
    )  # fmt: skip
    assert _http_status(too_much) == 409

    [unset] = cloud.cli_json(
        "resource", "provider", "allocation", "unset", consumer, "--resource-class", "MEMORY_MB"
    )
    assert unset["resources"] == {"VCPU": 2}

    cloud.cli("resource", "provider", "allocation", "delete", consumer)
    usage = cloud.cli_json("resource", "provider", "usage", "show", rp)
    assert {u["resource_class"]: u["usage"] for u in usage} == {
        "VCPU": 0,
        "MEMORY_MB": 0,
        "DISK_GB": 0,
    }


def test_allocation_with_a_consumer_type_at_1_38(cloud: RunningCloud) -> None:
    rp = _provider(cloud, f"e2e-ctype-{_suffix()}", inventory=("VCPU=4",))
    consumer, project, user = (str(uuid.uuid4()) for _ in range(3))

    [row] = cloud.cli_json(*_v(
        "1.38", "resource", "provider", "allocation", "set", consumer,
        "--allocation", f"rp={rp},VCPU=1", "--project-id", project, "--user-id", user,
        "--consumer-type", "INSTANCE",
    ))  # fmt: skip

    assert row["consumer_type"] == "INSTANCE"
    assert row["resources"] == {"VCPU": 1}
    [shown] = cloud.cli_json(*_v("1.38", "resource", "provider", "allocation", "show", consumer))
    assert shown["consumer_type"] == "INSTANCE"


# -- traits and resource classes -----------------------------------------------------------


def test_traits_create_list_set_delete(cloud: RunningCloud) -> None:
    trait = f"CUSTOM_E2E_{_suffix()}"
    rp = _provider(cloud, f"e2e-trait-{_suffix()}")
    cloud.cli("trait", "create", trait)
    assert cloud.cli_json("trait", "show", trait) == {"name": trait}
    listed = cloud.cli_json("trait", "list", "--name", "startswith:CUSTOM_E2E_")
    assert trait in {t["name"] for t in listed}

    rows = cloud.cli_json(
        "resource", "provider", "trait", "set", rp, "--trait", trait, "--trait", "HW_CPU_X86_AVX2"
    )
    assert {t["name"] for t in rows} == {trait, "HW_CPU_X86_AVX2"}
    associated = cloud.cli_json("trait", "list", "--associated", "--name", f"in:{trait}")
    assert associated == [{"name": trait}]

    in_use = cloud.cli_fails("trait", "delete", trait)
    assert _http_status(in_use) == 409

    cloud.cli("resource", "provider", "trait", "delete", rp)
    assert cloud.cli_json("resource", "provider", "trait", "list", rp) == []
    cloud.cli("trait", "delete", trait)
    assert _http_status(cloud.cli_fails("trait", "show", trait)) == 404


def test_trait_names_must_be_custom(cloud: RunningCloud) -> None:
    assert _http_status(cloud.cli_fails("trait", "create", f"E2E_{_suffix()}")) == 400
    assert _http_status(cloud.cli_fails("trait", "delete", "HW_CPU_X86_AVX2")) == 400


def test_resource_classes_list_create_set_delete(cloud: RunningCloud) -> None:
    names = {rc["name"] for rc in cloud.cli_json("resource", "class", "list")}
    assert {"VCPU", "MEMORY_MB", "DISK_GB", "VGPU", "PCI_DEVICE"} <= names

    custom = f"CUSTOM_E2E_{_suffix()}"
    cloud.cli("resource", "class", "create", custom)
    assert cloud.cli_json("resource", "class", "show", custom) == {"name": custom}
    assert _http_status(cloud.cli_fails("resource", "class", "create", custom)) == 409
    cloud.cli("resource", "class", "set", custom)  # 1.7+: idempotent
    cloud.cli("resource", "class", "delete", custom)
    assert _http_status(cloud.cli_fails("resource", "class", "show", custom)) == 404

    assert _http_status(cloud.cli_fails("resource", "class", "delete", "VCPU")) == 400


# -- allocation candidates ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def compute_tree(cloud: RunningCloud) -> dict[str, str]:
    """Two compute nodes (AVX2 and SSE42), the first with a VGPU child (Vulkan)."""
    tag = _suffix()
    host = ("VCPU=8", "MEMORY_MB=4096")
    avx = _provider(cloud, f"e2e-ac-avx-{tag}", inventory=host, traits=("HW_CPU_X86_AVX2",))
    sse = _provider(cloud, f"e2e-ac-sse-{tag}", inventory=host, traits=("HW_CPU_X86_SSE42",))
    gpu = _provider(
        cloud, f"e2e-ac-gpu-{tag}", parent=avx, inventory=("VGPU=4",),
        traits=("HW_GPU_API_VULKAN",),
    )  # fmt: skip
    return {"avx": avx, "sse": sse, "gpu": gpu}


def test_candidates_for_vcpu_list_both_hosts_with_traits(
    cloud: RunningCloud, compute_tree: dict[str, str]
) -> None:
    rows = cloud.cli_json("allocation", "candidate", "list", "--resource", "VCPU=1")

    mine = _candidates(rows, set(compute_tree.values()))
    assert sorted(mine, key=str) == sorted(
        [{compute_tree["avx"]: "VCPU=1"}, {compute_tree["sse"]: "VCPU=1"}], key=str
    )
    by_rp = _by(rows, "resource provider")
    avx = by_rp[compute_tree["avx"]]
    assert _pairs(avx["inventory used/capacity"]) == {"VCPU": "0/8", "MEMORY_MB": "0/4096"}
    assert avx["traits"] == "HW_CPU_X86_AVX2"  # 1.17+: a traits column


def test_candidates_with_required_and_forbidden_traits(
    cloud: RunningCloud, compute_tree: dict[str, str]
) -> None:
    mine = set(compute_tree.values())
    required = cloud.cli_json(
        "allocation", "candidate", "list", "--resource", "VCPU=1", "--required", "HW_CPU_X86_AVX2"
    )
    forbidden = cloud.cli_json(
        "allocation", "candidate", "list", "--resource", "VCPU=1", "--forbidden", "HW_CPU_X86_AVX2"
    )
    any_of = cloud.cli_json(*_v(
        "1.39", "allocation", "candidate", "list", "--resource", "VCPU=1",
        "--required", "HW_CPU_X86_AVX2,HW_CPU_X86_SSE42", "--forbidden", "HW_CPU_X86_SSE42",
    ))  # fmt: skip

    assert _candidates(required, mine) == [{compute_tree["avx"]: "VCPU=1"}]
    assert _candidates(forbidden, mine) == [{compute_tree["sse"]: "VCPU=1"}]
    assert _candidates(any_of, mine) == [{compute_tree["avx"]: "VCPU=1"}]


def test_candidates_with_a_granular_vgpu_group(
    cloud: RunningCloud, compute_tree: dict[str, str]
) -> None:
    rows = cloud.cli_json(
        "allocation", "candidate", "list", "--resource", "VCPU=2", "--resource", "MEMORY_MB=1024",
        "--group", "1", "--resource", "VGPU=1", "--required", "HW_GPU_API_VULKAN",
    )  # fmt: skip

    mine = _candidates(rows, set(compute_tree.values()))
    assert len(mine) == 1
    [candidate] = mine
    assert set(candidate) == {compute_tree["avx"], compute_tree["gpu"]}
    assert _pairs(candidate[compute_tree["avx"]]) == {"VCPU": "2", "MEMORY_MB": "1024"}
    assert candidate[compute_tree["gpu"]] == "VGPU=1"
    gpu_row = _by(rows, "resource provider")[compute_tree["gpu"]]
    assert _pairs(gpu_row["inventory used/capacity"]) == {"VGPU": "0/4"}


def test_candidates_limit_and_the_1_10_shape(
    cloud: RunningCloud, compute_tree: dict[str, str]
) -> None:
    limited = cloud.cli_json(
        "allocation", "candidate", "list", "--resource", "VCPU=1", "--limit", "1"
    )
    assert {row["#"] for row in limited} == {1}

    old = cloud.cli_json(*_v("1.10", "allocation", "candidate", "list", "--resource", "VCPU=1"))
    row = _by(old, "resource provider")[compute_tree["sse"]]
    assert set(row) == {"#", "allocation", "resource provider", "inventory used/capacity"}
    assert row["inventory used/capacity"] == "VCPU=0/8"  # before 1.27: requested classes only
