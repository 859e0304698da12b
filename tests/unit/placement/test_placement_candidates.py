"""The allocation-candidates search on hand-built provider trees (no database)."""

from __future__ import annotations

from typing import Any

from pocketstack.placement.objects.candidates import (
    CandidateRequest,
    RequestGroup,
    find_candidates,
)
from pocketstack.placement.objects.provider_index import (
    SHARES_VIA_AGGREGATE,
    Inventory,
    Provider,
    ProviderIndex,
)


def build(*specs: dict[str, Any]) -> ProviderIndex:
    """Providers from ``{"id", "parent", "inv": {rc: total|Inventory}, "traits", "aggs"}``."""
    parents = {s["id"]: s.get("parent") for s in specs}

    def root(pid: int) -> int:
        parent = parents[pid]
        return pid if parent is None else root(parent)

    index = ProviderIndex()
    for s in specs:
        inventories = {
            rc: inv if isinstance(inv, Inventory) else Inventory(total=inv)
            for rc, inv in s.get("inv", {}).items()
        }
        parent = s.get("parent")
        index.put(
            Provider(
                id=s["id"],
                uuid=f"rp{s['id']}",
                parent_id=parent,
                root_id=root(s["id"]),
                parent_uuid=f"rp{parent}" if parent else None,
                root_uuid=f"rp{root(s['id'])}",
                inventories=inventories,
                traits=frozenset(s.get("traits", ())),
                aggregates=frozenset(s.get("aggs", ())),
            )
        )
    return index


def group(suffix: str = "", **kw: Any) -> RequestGroup:
    return RequestGroup(suffix=suffix, **kw)


def run(index: ProviderIndex, *groups: RequestGroup, **kw: Any) -> list[Any]:
    found = find_candidates(index, CandidateRequest(groups=groups, **kw))
    return [(c.allocations, c.mappings) for c in map(found.candidate, found.candidates)]


def test_single_providers_by_capacity_and_units() -> None:
    index = build(
        {"id": 1, "inv": {"VCPU": 8, "MEMORY_MB": 4096}},
        {"id": 2, "inv": {"VCPU": Inventory(8, used=7), "MEMORY_MB": 4096}},
        {"id": 3, "inv": {"VCPU": Inventory(8, step_size=4), "MEMORY_MB": 4096}},
        {"id": 4, "inv": {"VCPU": Inventory(8, max_unit=1), "MEMORY_MB": 4096}},
        {
            "id": 5,
            "inv": {"VCPU": Inventory(8, reserved=7, allocation_ratio=2.0), "MEMORY_MB": 4096},
        },
        {"id": 6, "inv": {"VCPU": 8}},
    )
    got = run(index, group(resources={"VCPU": 2, "MEMORY_MB": 1024}))
    assert got == [
        ({1: {"VCPU": 2, "MEMORY_MB": 1024}}, {"": [1]}),
        ({5: {"VCPU": 2, "MEMORY_MB": 1024}}, {"": [5]}),
    ]


def test_unsuffixed_group_spreads_over_a_tree_from_1_29() -> None:
    index = build(
        {"id": 1, "inv": {"VCPU": 4}},
        {"id": 2, "parent": 1, "inv": {"VGPU": 2}},
        {"id": 3, "inv": {"VCPU": 4, "VGPU": 1}},
    )
    wanted = group(resources={"VCPU": 1, "VGPU": 1})
    assert run(index, wanted) == [
        ({1: {"VCPU": 1}, 2: {"VGPU": 1}}, {"": [1, 2]}),
        ({3: {"VCPU": 1, "VGPU": 1}}, {"": [3]}),
    ]
    assert run(index, wanted, nested_aware=False) == [({3: {"VCPU": 1, "VGPU": 1}}, {"": [3]})]
    found = find_candidates(index, CandidateRequest(groups=[wanted]))
    assert found.summaries == [1, 2, 3]


def _gpu_host() -> ProviderIndex:
    return build(
        {"id": 1, "inv": {"VCPU": 4}},
        {"id": 2, "parent": 1, "inv": {"VGPU": 2}, "traits": {"CUSTOM_A"}},
        {"id": 3, "parent": 1, "inv": {"VGPU": 2}, "traits": {"CUSTOM_B"}},
    )


def test_granular_groups_isolate_or_not() -> None:
    index = _gpu_host()
    groups = (
        group(resources={"VCPU": 1}),
        group("1", resources={"VGPU": 1}),
        group("2", resources={"VGPU": 1}),
    )
    isolated = run(index, *groups, isolate=True)
    assert [m for _, m in isolated] == [
        {"": [1], "1": [2], "2": [3]},
        {"": [1], "1": [3], "2": [2]},
    ]
    shared = run(index, *groups)
    assert len(shared) == 4
    assert ({1: {"VCPU": 1}, 2: {"VGPU": 2}}, {"": [1], "1": [2], "2": [2]}) in shared
    # Summed over groups a provider must still fit: 3 VGPU from one GPU cannot.
    three = run(index, group("1", resources={"VGPU": 2}), group("2", resources={"VGPU": 1}))
    assert [m for _, m in three] == [{"1": [2], "2": [3]}, {"1": [3], "2": [2]}]


def test_traits_required_forbidden_and_any_of() -> None:
    index = _gpu_host()
    gpu = {"VGPU": 1}
    assert [
        m for _, m in run(index, group("1", resources=gpu, required=[frozenset({"CUSTOM_B"})]))
    ] == [{"1": [3]}]
    assert [
        m for _, m in run(index, group("1", resources=gpu, forbidden=frozenset({"CUSTOM_A"})))
    ] == [{"1": [3]}]
    any_of = [frozenset({"CUSTOM_A", "CUSTOM_B"})]
    assert len(run(index, group("1", resources=gpu, required=any_of))) == 2
    # Unsuffixed: the providers supplying the group hold the traits together.
    both = run(index, group(resources={"VCPU": 1, "VGPU": 1}, required=[frozenset({"CUSTOM_A"})]))
    assert [m for _, m in both] == [{"": [1, 2]}]
    assert run(index, group(resources={"VCPU": 1}, required=[frozenset({"CUSTOM_A"})])) == []


def test_member_of_on_a_root_spans_its_tree_for_the_unsuffixed_group() -> None:
    index = build(
        {"id": 1, "inv": {"VCPU": 4}, "aggs": {"agg1"}},
        {"id": 2, "parent": 1, "inv": {"VGPU": 2}},
        {"id": 3, "inv": {"VCPU": 4, "VGPU": 1}, "aggs": {"agg2"}},
    )
    in_agg1 = [frozenset({"agg1"})]
    assert [m for _, m in run(index, group(resources={"VGPU": 1}, member_of=in_agg1))] == [
        {"": [2]}
    ]
    assert run(index, group("1", resources={"VGPU": 1}, member_of=in_agg1)) == []
    assert [
        m
        for _, m in run(
            index, group(resources={"VGPU": 1}, forbidden_aggregates=frozenset({"agg1"}))
        )
    ] == [{"": [3]}]
    assert run(index, group(resources={"VGPU": 1}, member_of=[frozenset({"nope"})])) == []


def test_sharing_provider_lends_to_trees_in_its_aggregate() -> None:
    index = build(
        {"id": 1, "inv": {"VCPU": 4}, "aggs": {"a"}},
        {"id": 2, "inv": {"VCPU": 4}, "aggs": {"a"}},
        {"id": 3, "inv": {"VCPU": 4}},
        {"id": 9, "inv": {"DISK_GB": 100}, "aggs": {"a"}, "traits": {SHARES_VIA_AGGREGATE}},
    )
    got = run(index, group(resources={"VCPU": 1, "DISK_GB": 10}))
    assert got == [
        ({1: {"VCPU": 1}, 9: {"DISK_GB": 10}}, {"": [1, 9]}),
        ({2: {"VCPU": 1}, 9: {"DISK_GB": 10}}, {"": [2, 9]}),
    ]
    # Disk alone: one candidate, whichever tree anchors it.
    assert run(index, group(resources={"DISK_GB": 10})) == [({9: {"DISK_GB": 10}}, {"": [9]})]
    # in_tree keeps the unsuffixed group inside the tree: no lending.
    assert run(index, group(resources={"VCPU": 1, "DISK_GB": 10}, in_tree="rp1")) == []


def test_limit_stops_the_search_in_root_order() -> None:
    index = build(*({"id": i, "inv": {"VCPU": 4}} for i in range(1, 50)))
    found = find_candidates(index, CandidateRequest(groups=[group(resources={"VCPU": 1})], limit=3))
    assert [list(found.candidate(c).allocations) for c in found.candidates] == [[1], [2], [3]]
    assert found.summaries == [1, 2, 3]


def test_in_tree_root_required_and_same_subtree() -> None:
    index = build(
        {"id": 1, "inv": {"VCPU": 4}, "traits": {"CUSTOM_ROOT"}},
        {"id": 2, "parent": 1},
        {"id": 3, "parent": 2, "inv": {"VGPU": 1}},
        {"id": 4, "parent": 1, "inv": {"VGPU": 1}, "traits": {"CUSTOM_NIC"}},
        {"id": 5, "inv": {"VCPU": 4}},
    )
    vcpu = group(resources={"VCPU": 1})
    assert [m for _, m in run(index, vcpu)] == [{"": [1]}, {"": [5]}]
    assert [m for _, m in run(index, group(resources={"VCPU": 1}, in_tree="rp3"))] == [{"": [1]}]
    assert [m for _, m in run(index, vcpu, root_required=frozenset({"CUSTOM_ROOT"}))] == [{"": [1]}]
    assert [m for _, m in run(index, vcpu, root_forbidden=frozenset({"CUSTOM_ROOT"}))] == [
        {"": [5]}
    ]
    # Group _NIC (resourceless, trait only) must be an ancestor of group _GPU's provider.
    groups = (
        group("_GPU", resources={"VGPU": 1}),
        group("_NIC", required=[frozenset({"CUSTOM_NIC"})]),
    )
    assert [m for _, m in run(index, *groups)] == [
        {"_GPU": [3], "_NIC": [4]},
        {"_GPU": [4], "_NIC": [4]},
    ]
    subtree = run(index, *groups, same_subtrees=[frozenset({"_GPU", "_NIC"})])
    assert subtree == [({4: {"VGPU": 1}}, {"_GPU": [4], "_NIC": [4]})]


def test_unknown_tree_or_impossible_group_finds_nothing() -> None:
    index = _gpu_host()
    assert run(index, group(resources={"VCPU": 1}, in_tree="nope")) == []
    assert run(index, group(resources={"VCPU": 99})) == []
    assert run(index, group(resources={"CUSTOM_NONE": 1})) == []


def test_index_follows_replacement_and_removal() -> None:
    index = _gpu_host()
    assert index.fitting("VGPU", 1) == {2, 3}  # remembered, then kept up to date
    index.put(Provider(id=3, uuid="rp3", inventories={"VGPU": Inventory(2, used=2)}))
    assert index.fitting("VGPU", 1) == {2}
    index.put(Provider(id=4, uuid="rp4", inventories={"VGPU": Inventory(1)}))
    assert index.fitting("VGPU", 1) == {2, 4}
    index.remove(4)
    assert index.members == {1: [1, 2], 3: [3]}
    assert 3 not in {p for p, fit in index.fits["VGPU"].items() if fit[0] >= 1}
    index.remove(2)
    assert index.members == {1: [1], 3: [3]} and not index.has_trees
    assert "CUSTOM_A" not in {t for t, ids in index.by_trait.items() if ids}
