"""Story: a small cloud of compute nodes (one with shared storage) asks for candidates, and
the answers follow claims, traits, aggregates and every microversion that changed them."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

AGG1, AGG2 = str(uuidlib.uuid4()), str(uuidlib.uuid4())
OWNER = {"project_id": str(uuidlib.uuid4()), "user_id": str(uuidlib.uuid4())}
BASIC = "VCPU:2,MEMORY_MB:1024"


async def _provider(
    pl: Any,
    name: str,
    inventories: dict[str, int],
    traits: tuple[str, ...] = (),
    aggregates: tuple[str, ...] = (),
) -> str:
    created = await pl.post("/resource_providers", json={"name": name}, version="1.20")
    assert created.status_code == 200, created.text
    uuid, generation = created.json()["uuid"], 0
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "inventories",
            {"inventories": {rc: {"total": total} for rc, total in inventories.items()}},
        )
    ]
    if traits:
        for trait in traits:
            if trait.startswith("CUSTOM_"):
                assert (await pl.put(f"/traits/{trait}")).status_code in (201, 204)
        steps.append(("traits", {"traits": list(traits)}))
    if aggregates:
        steps.append(("aggregates", {"aggregates": list(aggregates)}))
    for what, body in steps:
        done = await pl.put(
            f"/resource_providers/{uuid}/{what}",
            json={**body, "resource_provider_generation": generation},
        )
        assert done.status_code == 200, done.text
        generation = done.json()["resource_provider_generation"]
    return str(uuid)


async def _cloud(pl: Any) -> dict[str, str]:
    """cn1 (AVX2, agg1), cn2 (CUSTOM_FAST, agg1 and agg2), cn3 (no disk, agg2) and a
    shared disk in agg2."""
    return {
        "cn1": await _provider(
            pl, "cn1", {"VCPU": 8, "MEMORY_MB": 4096, "DISK_GB": 100}, ("HW_CPU_X86_AVX2",), (AGG1,)
        ),
        "cn2": await _provider(
            pl, "cn2", {"VCPU": 4, "MEMORY_MB": 2048, "DISK_GB": 50}, ("CUSTOM_FAST",), (AGG1, AGG2)
        ),
        "cn3": await _provider(pl, "cn3", {"VCPU": 16, "MEMORY_MB": 8192}, (), (AGG2,)),
        "ss": await _provider(
            pl, "shared-disk", {"DISK_GB": 1000}, ("MISC_SHARES_VIA_AGGREGATE",), (AGG2,)
        ),
    }


async def _candidates(
    pl: Any, version: str = "1.39", params: Any = None, **named: str
) -> dict[str, Any]:
    response = await pl.get("/allocation_candidates", params=params or named, version=version)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _hosts(body: dict[str, Any], rps: dict[str, str]) -> list[list[str]]:
    """Each candidate as the sorted names of its providers (1.12+ shape)."""
    name = {uuid: n for n, uuid in rps.items()}
    return sorted(sorted(name[u] for u in ar["allocations"]) for ar in body["allocation_requests"])


async def test_compute_nodes_shape_and_claims(pl: Any) -> None:
    rps = await _cloud(pl)
    body = await _candidates(pl, resources=BASIC)
    assert _hosts(body, rps) == [["cn1"], ["cn2"], ["cn3"]]
    [cn1] = [ar for ar in body["allocation_requests"] if rps["cn1"] in ar["allocations"]]
    assert cn1 == {
        "allocations": {rps["cn1"]: {"resources": {"VCPU": 2, "MEMORY_MB": 1024}}},
        "mappings": {"": [rps["cn1"]]},
    }
    assert set(body["provider_summaries"]) == {rps["cn1"], rps["cn2"], rps["cn3"]}
    assert body["provider_summaries"][rps["cn1"]] == {
        "resources": {
            "VCPU": {"capacity": 8, "used": 0},
            "MEMORY_MB": {"capacity": 4096, "used": 0},
            "DISK_GB": {"capacity": 100, "used": 0},
        },
        "traits": ["HW_CPU_X86_AVX2"],
        "parent_provider_uuid": None,
        "root_provider_uuid": rps["cn1"],
    }
    # A claim is seen by the next search: cn2 then has 1 VCPU left.
    claim = await pl.put(
        f"/allocations/{uuidlib.uuid4()}",
        version="1.28",
        json={
            "allocations": {rps["cn2"]: {"resources": {"VCPU": 3}}},
            "consumer_generation": None,
            **OWNER,
        },
    )
    assert claim.status_code == 204, claim.text
    body = await _candidates(pl, resources=BASIC)
    assert _hosts(body, rps) == [["cn1"], ["cn3"]]
    body = await _candidates(pl, resources="VCPU:1")
    assert body["provider_summaries"][rps["cn2"]]["resources"]["VCPU"] == {"capacity": 4, "used": 3}
    assert (await _candidates(pl, resources="VCPU:17"))["allocation_requests"] == []
    empty = await _candidates(pl, resources="VCPU:17")
    assert empty == {"allocation_requests": [], "provider_summaries": {}}


async def test_shared_storage_joins_the_trees_of_its_aggregate(pl: Any) -> None:
    rps = await _cloud(pl)
    body = await _candidates(pl, resources="VCPU:1,DISK_GB:10")
    assert _hosts(body, rps) == [["cn1"], ["cn2"], ["cn2", "ss"], ["cn3", "ss"]]
    assert rps["ss"] in body["provider_summaries"]
    # The disk alone: one candidate from the shared provider, however many trees share it.
    assert _hosts(await _candidates(pl, resources="DISK_GB:500"), rps) == [["ss"]]


async def test_traits_required_forbidden_and_any_of(pl: Any) -> None:
    rps = await _cloud(pl)
    assert _hosts(await _candidates(pl, resources=BASIC, required="HW_CPU_X86_AVX2"), rps) == [
        ["cn1"]
    ]
    assert _hosts(await _candidates(pl, resources=BASIC, required="!CUSTOM_FAST"), rps) == [
        ["cn1"],
        ["cn3"],
    ]
    assert _hosts(
        await _candidates(pl, resources=BASIC, required="in:HW_CPU_X86_AVX2,CUSTOM_FAST"), rps
    ) == [["cn1"], ["cn2"]]
    # 1.39: several required parameters are ANDed; before, the last one counts.
    repeated = [
        ("resources", BASIC),
        ("required", "in:HW_CPU_X86_AVX2,CUSTOM_FAST"),
        ("required", "!HW_CPU_X86_AVX2"),
    ]
    assert _hosts(await _candidates(pl, params=repeated), rps) == [["cn2"]]
    old = await pl.get(
        "/allocation_candidates",
        version="1.38",
        params=[("resources", BASIC), ("required", "!CUSTOM_FAST")],
    )
    assert _hosts(old.json(), rps) == [["cn1"], ["cn3"]]
    pl.error(
        await pl.get(
            "/allocation_candidates",
            version="1.38",
            params={"resources": BASIC, "required": "in:CUSTOM_FAST"},
        ),
        400,
    )
    pl.error(
        await pl.get(
            "/allocation_candidates",
            version="1.21",
            params={"resources": BASIC, "required": "!CUSTOM_FAST"},
        ),
        400,
    )
    conflict = await pl.get(
        "/allocation_candidates",
        params={"resources": BASIC, "required": "CUSTOM_FAST,!CUSTOM_FAST"},
    )
    assert "Conflicting required and forbidden" in pl.error(conflict, 400)["detail"]
    unknown = await pl.get(
        "/allocation_candidates", params={"resources": BASIC, "required": "CUSTOM_NOPE"}
    )
    assert "CUSTOM_NOPE" in pl.error(unknown, 400)["detail"]


async def test_member_of_limit_in_tree_and_root_required(pl: Any) -> None:
    rps = await _cloud(pl)
    assert _hosts(await _candidates(pl, resources=BASIC, member_of=AGG1), rps) == [["cn1"], ["cn2"]]
    assert _hosts(await _candidates(pl, resources=BASIC, member_of=f"in:{AGG1},{AGG2}"), rps) == [
        ["cn1"],
        ["cn2"],
        ["cn3"],
    ]
    both = [("resources", BASIC), ("member_of", AGG1), ("member_of", AGG2)]
    assert _hosts(await _candidates(pl, params=both), rps) == [["cn2"]]
    assert _hosts(await _candidates(pl, resources=BASIC, member_of=f"!{AGG1}"), rps) == [["cn3"]]
    pl.error(await pl.get("/allocation_candidates", version="1.23", params=both), 400)
    pl.error(
        await pl.get(
            "/allocation_candidates",
            version="1.31",
            params={"resources": BASIC, "member_of": f"!{AGG1}"},
        ),
        400,
    )
    pl.error(
        await pl.get(
            "/allocation_candidates", params={"resources": BASIC, "member_of": "not-a-uuid"}
        ),
        400,
    )
    assert _hosts(await _candidates(pl, resources=BASIC, member_of=str(uuidlib.uuid4())), rps) == []
    limited = await _candidates(pl, resources=BASIC, limit="2")
    assert _hosts(limited, rps) == [["cn1"], ["cn2"]]
    assert set(limited["provider_summaries"]) == {rps["cn1"], rps["cn2"]}
    assert _hosts(await _candidates(pl, resources=BASIC, in_tree=rps["cn3"]), rps) == [["cn3"]]
    assert _hosts(await _candidates(pl, resources=BASIC, in_tree=str(uuidlib.uuid4())), rps) == []
    assert _hosts(await _candidates(pl, resources=BASIC, root_required="!CUSTOM_FAST"), rps) == [
        ["cn1"],
        ["cn3"],
    ]
    assert _hosts(await _candidates(pl, resources=BASIC, root_required="HW_CPU_X86_AVX2"), rps) == [
        ["cn1"]
    ]
    pl.error(
        await pl.get(
            "/allocation_candidates",
            version="1.34",
            params={"resources": BASIC, "root_required": "CUSTOM_FAST"},
        ),
        400,
    )
    twice = [
        ("resources", BASIC),
        ("root_required", "CUSTOM_FAST"),
        ("root_required", "CUSTOM_FAST"),
    ]
    pl.error(
        await pl.get("/allocation_candidates", params=twice), 400, "placement.query.duplicate_key"
    )


async def test_microversion_shapes(pl: Any) -> None:
    rps = await _cloud(pl)
    cn3 = rps["cn3"]
    old = await _candidates(pl, version="1.10", resources="VCPU:9")
    assert old["allocation_requests"] == [
        {"allocations": [{"resource_provider": {"uuid": cn3}, "resources": {"VCPU": 9}}]}
    ]
    assert old["provider_summaries"] == {cn3: {"resources": {"VCPU": {"capacity": 16, "used": 0}}}}
    dict_shaped = await _candidates(pl, version="1.12", resources="VCPU:9")
    assert dict_shaped["allocation_requests"] == [
        {"allocations": {cn3: {"resources": {"VCPU": 9}}}}
    ]
    with_traits = await _candidates(pl, version="1.17", resources="VCPU:9")
    assert with_traits["provider_summaries"][cn3] == {
        "resources": {"VCPU": {"capacity": 16, "used": 0}},
        "traits": [],
    }
    every_class = await _candidates(pl, version="1.27", resources="VCPU:9")
    assert set(every_class["provider_summaries"][cn3]["resources"]) == {"VCPU", "MEMORY_MB"}
    assert "root_provider_uuid" not in every_class["provider_summaries"][cn3]
    nested = await _candidates(pl, version="1.29", resources="VCPU:9")
    assert nested["provider_summaries"][cn3]["root_provider_uuid"] == cn3
    assert "mappings" not in nested["allocation_requests"][0]
    mapped = await _candidates(pl, version="1.34", resources="VCPU:9")
    assert mapped["allocation_requests"][0]["mappings"] == {"": [cn3]}
    response = await pl.get(
        "/allocation_candidates", version="1.15", params={"resources": "VCPU:9"}
    )
    assert response.headers["cache-control"] == "no-cache"
    assert "last-modified" in response.headers


async def test_bad_queries_are_400(pl: Any) -> None:
    await _cloud(pl)
    pl.error(
        await pl.get("/allocation_candidates", version="1.9", params={"resources": BASIC}), 404
    )
    for version, params in [
        ("1.10", {}),  # resources is required
        ("1.10", {"resources": ""}),
        ("1.10", {"resources": "VCPU"}),
        ("1.10", {"resources": "VCPU:0"}),
        ("1.10", {"resources": "VCPU:x"}),
        ("1.10", {"resources": "CUSTOM_NO_SUCH_CLASS:1"}),
        ("1.10", {"resources": BASIC, "limit": "1"}),  # limit from 1.16
        ("1.16", {"resources": BASIC, "limit": "0"}),
        ("1.16", {"resources": BASIC, "required": "CUSTOM_FAST"}),  # from 1.17
        ("1.20", {"resources": BASIC, "member_of": AGG1}),  # from 1.21
        ("1.39", {"resources": BASIC, "bogus": "1"}),
        ("1.39", {"resources": BASIC, "in_tree": "not-a-uuid"}),
        ("1.39", {"resources": BASIC, "group_policy": "sometimes"}),
        ("1.30", {"resources": BASIC, "in_tree": str(uuidlib.uuid4())}),  # from 1.31
        ("1.24", {"resources": BASIC, "resources1": "VCPU:1"}),  # granular from 1.25
        ("1.35", {"resources1": "VCPU:1", "same_subtree": "1"}),  # from 1.36
    ]:
        response = await pl.get("/allocation_candidates", version=version, params=params)
        pl.error(response, 400)
    missing = await pl.get("/allocation_candidates", params={"required": "CUSTOM_FAST"})
    pl.error(missing, 400, "placement.query.missing_value")
