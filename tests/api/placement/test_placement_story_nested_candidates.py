"""Story: compute nodes with two GPUs each (and a NIC under a NUMA cell) are searched with
granular groups: isolation, same_subtree, root_required, in_tree and the 1.29 boundary."""

from __future__ import annotations

from typing import Any

ISOLATE = [("resources", "VCPU:1"), ("resources1", "VGPU:1"), ("resources2", "VGPU:1")]


async def _provider(
    pl: Any,
    name: str,
    parent: str | None,
    inventories: dict[str, int],
    traits: tuple[str, ...] = (),
) -> str:
    body: dict[str, Any] = {"name": name}
    if parent:
        body["parent_provider_uuid"] = parent
    created = await pl.post("/resource_providers", json=body, version="1.20")
    assert created.status_code == 200, created.text
    uuid, generation = created.json()["uuid"], 0
    if inventories:
        done = await pl.put(
            f"/resource_providers/{uuid}/inventories",
            json={
                "resource_provider_generation": generation,
                "inventories": {rc: {"total": total} for rc, total in inventories.items()},
            },
        )
        assert done.status_code == 200, done.text
        generation = done.json()["resource_provider_generation"]
    if traits:
        for trait in traits:
            if trait.startswith("CUSTOM_"):
                assert (await pl.put(f"/traits/{trait}")).status_code in (201, 204)
        done = await pl.put(
            f"/resource_providers/{uuid}/traits",
            json={"resource_provider_generation": generation, "traits": list(traits)},
        )
        assert done.status_code == 200, done.text
    return str(uuid)


async def _hosts(pl: Any) -> dict[str, str]:
    """cn1: VCPU, gpu1a (CUSTOM_GOLD), gpu1b, numa1 -> nic1 (CUSTOM_PHYSNET1);
    cn2 (CUSTOM_BIG): VCPU, gpu2a (CUSTOM_GOLD). Plus a flat cn3 with VCPU only."""
    rps: dict[str, str] = {}
    rps["cn1"] = await _provider(pl, "cn1", None, {"VCPU": 8, "MEMORY_MB": 4096})
    rps["gpu1a"] = await _provider(pl, "gpu1a", rps["cn1"], {"VGPU": 2}, ("CUSTOM_GOLD",))
    rps["gpu1b"] = await _provider(pl, "gpu1b", rps["cn1"], {"VGPU": 2})
    rps["numa1"] = await _provider(pl, "numa1", rps["cn1"], {})
    rps["nic1"] = await _provider(
        pl, "nic1", rps["numa1"], {"SRIOV_NET_VF": 4}, ("CUSTOM_PHYSNET1",)
    )
    rps["cn2"] = await _provider(pl, "cn2", None, {"VCPU": 8, "MEMORY_MB": 4096}, ("CUSTOM_BIG",))
    rps["gpu2a"] = await _provider(pl, "gpu2a", rps["cn2"], {"VGPU": 1}, ("CUSTOM_GOLD",))
    rps["cn3"] = await _provider(pl, "cn3", None, {"VCPU": 8, "MEMORY_MB": 4096})
    return rps


async def _get(pl: Any, params: Any, version: str = "1.39") -> dict[str, Any]:
    response = await pl.get("/allocation_candidates", params=params, version=version)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _mappings(body: dict[str, Any], rps: dict[str, str]) -> list[dict[str, list[str]]]:
    name = {uuid: n for n, uuid in rps.items()}
    return sorted(
        (
            {suffix: sorted(name[u] for u in uuids) for suffix, uuids in ar["mappings"].items()}
            for ar in body["allocation_requests"]
        ),
        key=repr,
    )


async def test_isolate_gives_distinct_gpus_none_allows_the_same(pl: Any) -> None:
    rps = await _hosts(pl)
    pl.error(await pl.get("/allocation_candidates", params=ISOLATE), 400)  # no policy
    isolated = await _get(pl, [*ISOLATE, ("group_policy", "isolate")])
    assert _mappings(isolated, rps) == [
        {"": ["cn1"], "1": ["gpu1a"], "2": ["gpu1b"]},
        {"": ["cn1"], "1": ["gpu1b"], "2": ["gpu1a"]},
    ]
    shared = await _get(pl, [*ISOLATE, ("group_policy", "none")])
    assert len(shared["allocation_requests"]) == 4  # cn2's one VGPU cannot take two
    same = [
        ar
        for ar in shared["allocation_requests"]
        if ar["mappings"]["1"] == ar["mappings"]["2"] == [rps["gpu1a"]]
    ]
    assert same[0]["allocations"] == {
        rps["cn1"]: {"resources": {"VCPU": 1}},
        rps["gpu1a"]: {"resources": {"VGPU": 2}},
    }
    # Summaries: every provider of the trees involved, with their place in the tree.
    summaries = shared["provider_summaries"]
    assert set(summaries) == {rps[n] for n in ("cn1", "gpu1a", "gpu1b", "numa1", "nic1")}
    assert summaries[rps["nic1"]]["parent_provider_uuid"] == rps["numa1"]
    assert summaries[rps["nic1"]]["root_provider_uuid"] == rps["cn1"]
    assert summaries[rps["numa1"]]["resources"] == {}
    assert summaries[rps["gpu1a"]]["traits"] == ["CUSTOM_GOLD"]


async def test_granular_traits_and_the_unsuffixed_group_spreading(pl: Any) -> None:
    rps = await _hosts(pl)
    gold = await _get(
        pl, {"resources": "VCPU:1", "resources_G": "VGPU:1", "required_G": "CUSTOM_GOLD"}
    )
    assert _mappings(gold, rps) == [{"": ["cn1"], "_G": ["gpu1a"]}, {"": ["cn2"], "_G": ["gpu2a"]}]
    numbered_only = await pl.get(
        "/allocation_candidates",
        version="1.32",
        params={"resources": "VCPU:1", "resources_G": "VGPU:1"},
    )
    pl.error(numbered_only, 400)  # named suffixes from 1.33
    spread = await _get(pl, {"resources": "VCPU:1,VGPU:1", "required": "CUSTOM_BIG"})
    assert _mappings(spread, rps) == [{"": ["cn2", "gpu2a"]}]
    assert spread["allocation_requests"][0]["allocations"] == {
        rps["cn2"]: {"resources": {"VCPU": 1}},
        rps["gpu2a"]: {"resources": {"VGPU": 1}},
    }
    # Before 1.29 a candidate takes one provider per tree: no spreading.
    flat = await _get(pl, {"resources": "VCPU:1,VGPU:1"}, version="1.28")
    assert flat == {"allocation_requests": [], "provider_summaries": {}}
    flat = await _get(pl, {"resources": "VCPU:1"}, version="1.28")
    assert set(flat["provider_summaries"]) == {rps["cn1"], rps["cn2"], rps["cn3"]}
    assert "root_provider_uuid" not in flat["provider_summaries"][rps["cn1"]]


async def test_same_subtree_root_required_and_in_tree(pl: Any) -> None:
    rps = await _hosts(pl)
    nic_near_numa = {
        "resources_VF": "SRIOV_NET_VF:1",
        "required_NUMA": "CUSTOM_PHYSNET1",
        "same_subtree": "_VF,_NUMA",
        "group_policy": "none",
    }
    body = await _get(pl, nic_near_numa)
    assert _mappings(body, rps) == [{"_NUMA": ["nic1"], "_VF": ["nic1"]}]
    assert body["allocation_requests"][0]["allocations"] == {
        rps["nic1"]: {"resources": {"SRIOV_NET_VF": 1}}
    }
    pl.error(
        await pl.get(
            "/allocation_candidates",
            params={
                "resources_VF": "SRIOV_NET_VF:1",
                "required_NUMA": "CUSTOM_PHYSNET1",
                "group_policy": "none",
            },
        ),
        400,
        "placement.query.bad_value",
    )  # resourceless, unlisted
    pl.error(
        await pl.get(
            "/allocation_candidates", params={**nic_near_numa, "same_subtree": "_VF,_NOPE"}
        ),
        400,
        "placement.query.bad_value",
    )
    pl.error(
        await pl.get("/allocation_candidates", params={**nic_near_numa, "same_subtree": "_VF,"}),
        400,
        "placement.query.bad_value",
    )
    gpu_and_cpu = {
        "resources_CPU": "VCPU:1",
        "resources_GPU": "VGPU:1",
        "same_subtree": "_CPU,_GPU",
        "group_policy": "isolate",
    }
    assert len((await _get(pl, gpu_and_cpu))["allocation_requests"]) == 3
    assert _mappings(await _get(pl, {**gpu_and_cpu, "root_required": "CUSTOM_BIG"}), rps) == [
        {"_CPU": ["cn2"], "_GPU": ["gpu2a"]}
    ]
    assert (
        len(
            (await _get(pl, {**gpu_and_cpu, "root_required": "!CUSTOM_BIG"}))["allocation_requests"]
        )
        == 2
    )
    in_tree = await _get(
        pl, {"resources": "VCPU:1", "resources1": "VGPU:1", "in_tree1": rps["gpu2a"]}
    )
    assert _mappings(in_tree, rps) == [{"": ["cn2"], "1": ["gpu2a"]}]
    pl.error(
        await pl.get(
            "/allocation_candidates",
            version="1.30",
            params={"resources": "VCPU:1", "in_tree": rps["cn1"]},
        ),
        400,
    )
