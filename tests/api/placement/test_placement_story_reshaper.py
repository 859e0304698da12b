"""Story: a compute node learns it has a NUMA cell and moves its VCPU inventory, with the
instances' VCPU allocations, from the root to the new child in one atomic reshape."""

from __future__ import annotations

from typing import Any

C1 = "d0000000-0000-4000-8000-000000000001"
C2 = "d0000000-0000-4000-8000-000000000002"
OWNER = {"project_id": "proj", "user_id": "user"}


async def _provider(pl: Any, name: str, parent: str | None = None) -> str:
    body: dict[str, Any] = {"name": name}
    if parent is not None:
        body["parent_provider_uuid"] = parent
    created = await pl.post("/resource_providers", json=body)
    assert created.status_code == 200, created.text
    return str(created.json()["uuid"])


async def _generation(pl: Any, rp: str) -> int:
    return int((await pl.get(f"/resource_providers/{rp}")).json()["generation"])


async def _usages(pl: Any, rp: str) -> dict[str, int]:
    return dict((await pl.get(f"/resource_providers/{rp}/usages")).json()["usages"])


async def _compute_node(pl: Any) -> tuple[str, str]:
    """cn1 with VCPU and DISK_GB, two instances on it, and an empty NUMA child."""
    root = await _provider(pl, "cn1")
    done = await pl.put(
        f"/resource_providers/{root}/inventories",
        json={
            "resource_provider_generation": 0,
            "inventories": {"VCPU": {"total": 8}, "DISK_GB": {"total": 100}},
        },
    )
    assert done.status_code == 200, done.text
    for consumer, resources in ((C1, {"VCPU": 2, "DISK_GB": 10}), (C2, {"VCPU": 4})):
        claimed = await pl.put(
            f"/allocations/{consumer}",
            json={
                "allocations": {root: {"resources": resources}},
                **OWNER,
                "consumer_generation": None,
                "consumer_type": "INSTANCE",
            },
        )
        assert claimed.status_code == 204, claimed.text
    return root, await _provider(pl, "cn1_numa0", root)


def _move(
    root: str,
    numa: str,
    root_generation: int,
    *,
    vcpu_total: int = 8,
    consumer_type: str | None = "INSTANCE",
) -> dict[str, Any]:
    """The reshape moving VCPU (inventory and allocations) from ``root`` to ``numa``."""

    def consumer(allocations: dict[str, Any]) -> dict[str, Any]:
        body = {"allocations": allocations, **OWNER, "consumer_generation": 1}
        if consumer_type is not None:
            body["consumer_type"] = consumer_type
        return body

    return {
        "inventories": {
            root: {
                "resource_provider_generation": root_generation,
                "inventories": {"DISK_GB": {"total": 100}},
            },
            numa: {
                "resource_provider_generation": 0,
                "inventories": {"VCPU": {"total": vcpu_total}},
            },
        },
        "allocations": {
            C1: consumer({root: {"resources": {"DISK_GB": 10}}, numa: {"resources": {"VCPU": 2}}}),
            C2: consumer({numa: {"resources": {"VCPU": 4}}}),
        },
    }


async def test_refusals_change_nothing(pl: Any) -> None:
    root, numa = await _compute_node(pl)
    generation = await _generation(pl, root)
    good = _move(root, numa, generation)
    pl.error(await pl.post("/reshaper", json=good, version="1.29"), 404)
    pl.error(await pl.post("/reshaper", json={"cows": "moo"}), 400)
    pl.error(await pl.post("/reshaper", json={"inventories": good["inventories"]}), 400)
    pl.error(await pl.post("/reshaper", json={**good, "inventories": {}}), 400)

    missing = "5e1b1a3c-7ad7-4a7b-9c6a-6d2f33d2a8f1"
    lost = {
        **good,
        "inventories": {
            **good["inventories"],
            missing: {"resource_provider_generation": 0, "inventories": {}},
        },
    }
    pl.error(await pl.post("/reshaper", json=lost), 400, "placement.resource_provider.not_found")
    stale = pl.error(
        await pl.post("/reshaper", json=_move(root, numa, generation - 1)),
        409,
        "placement.concurrent_update",
    )
    assert f"actual: {generation}, given: {generation - 1}" in stale["detail"]
    refused = pl.error(
        await pl.post("/reshaper", json=_move(root, numa, generation, vcpu_total=5)), 409
    )
    assert refused["detail"].startswith("Unable to allocate inventory")
    # Moving the inventory but not the allocations would orphan them.
    pl.error(
        await pl.post("/reshaper", json={**good, "allocations": {}}),
        409,
        "placement.inventory.inuse",
    )
    pl.error(
        await pl.post("/reshaper", json=_move(root, numa, generation, consumer_type=None)), 400
    )
    pl.error(await pl.post("/reshaper", json=_move(root, numa, generation), version="1.37"), 400)
    unknown = {
        **good,
        "inventories": {
            **good["inventories"],
            numa: {"resource_provider_generation": 0, "inventories": {"CUSTOM_NOPE": {"total": 1}}},
        },
    }
    pl.error(await pl.post("/reshaper", json=unknown), 400)

    assert await _generation(pl, root) == generation and await _generation(pl, numa) == 0
    assert await _usages(pl, root) == {"VCPU": 6, "DISK_GB": 10}
    assert await _usages(pl, numa) == {}


async def test_move_vcpu_to_the_numa_child(pl: Any) -> None:
    root, numa = await _compute_node(pl)
    generation = await _generation(pl, root)
    done = await pl.post("/reshaper", json=_move(root, numa, generation))
    assert done.status_code == 204 and done.content == b""

    assert await _usages(pl, root) == {"DISK_GB": 10}
    assert await _usages(pl, numa) == {"VCPU": 6}
    # As upstream: interim inventory, allocations, final inventory each bump once.
    assert await _generation(pl, root) == generation + 3
    assert await _generation(pl, numa) == 3
    shown = (await pl.get(f"/allocations/{C1}")).json()
    assert shown["allocations"] == {
        root: {"generation": generation + 3, "resources": {"DISK_GB": 10}},
        numa: {"generation": 3, "resources": {"VCPU": 2}},
    }
    assert shown["consumer_generation"] == 2
    inventories = (await pl.get(f"/resource_providers/{root}/inventories")).json()
    assert list(inventories["inventories"]) == ["DISK_GB"]

    # At 1.30 (the 1.28 allocation shape) a new consumer may join in the reshape.
    back = {
        "inventories": {
            numa: {"resource_provider_generation": 3, "inventories": {"VCPU": {"total": 16}}}
        },
        "allocations": {
            "d0000000-0000-4000-8000-000000000003": {
                "allocations": {numa: {"resources": {"VCPU": 8}}},
                **OWNER,
                "consumer_generation": None,
            }
        },
    }
    assert (await pl.post("/reshaper", json=back, version="1.30")).status_code == 204
    assert await _usages(pl, numa) == {"VCPU": 14}
