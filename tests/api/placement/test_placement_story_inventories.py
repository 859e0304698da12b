"""Story: a compute node reports what it offers — all classes at once under its generation,
one class at a time, with reserved and ratios — and cannot take away what is allocated."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pocketstack.placement.db import models as m

DEFAULTS = {
    "reserved": 0,
    "min_unit": 1,
    "max_unit": 2147483647,
    "step_size": 1,
    "allocation_ratio": 1.0,
}
CONSUMER = "7e7f1a3c-7ad7-4a7b-9c6a-6d2f33d2a8f1"


async def _provider(pl: Any, name: str = "cn1") -> str:
    response = await pl.post("/resource_providers", json={"name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["uuid"])


async def _put_all(
    pl: Any, rp: str, generation: int, inventories: dict[str, Any], version: str = "1.39"
) -> Any:
    return await pl.put(
        f"/resource_providers/{rp}/inventories",
        version=version,
        json={"resource_provider_generation": generation, "inventories": inventories},
    )


async def _log_length(pl: Any) -> int:
    async with pl.cloud.placement.reading() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).select_from(m.provider_changes))
    return int(count or 0)


async def test_replace_all_under_the_generation(pl: Any) -> None:
    rp = await _provider(pl)
    path = f"/resource_providers/{rp}/inventories"
    empty = await pl.get(path)
    assert empty.json() == {"inventories": {}, "resource_provider_generation": 0}
    logged = await _log_length(pl)

    done = await _put_all(
        pl,
        rp,
        0,
        {
            "VCPU": {"total": 8, "allocation_ratio": 16.0},
            "DISK_GB": {
                "total": 500,
                "reserved": 10,
                "min_unit": 5,
                "max_unit": 100,
                "step_size": 5,
            },
        },
    )
    assert done.status_code == 200, done.text
    expected = {
        "VCPU": {"total": 8, **DEFAULTS, "allocation_ratio": 16.0},
        "DISK_GB": {
            "total": 500,
            "reserved": 10,
            "min_unit": 5,
            "max_unit": 100,
            "step_size": 5,
            "allocation_ratio": 1.0,
        },
    }
    assert done.json() == {"inventories": expected, "resource_provider_generation": 1}
    assert await _log_length(pl) == logged + 1

    shown = await pl.get(path)
    assert shown.json() == {"inventories": expected, "resource_provider_generation": 1}
    assert shown.headers["cache-control"] == "no-cache" and shown.headers["last-modified"]
    old = await pl.get(path, version="1.14")
    assert "last-modified" not in old.headers and "cache-control" not in old.headers

    stale = await _put_all(pl, rp, 0, {"VCPU": {"total": 4}})
    pl.error(stale, 409, "placement.concurrent_update")
    replaced = await _put_all(pl, rp, 1, {"VCPU": {"total": 4}})
    assert replaced.json() == {
        "inventories": {"VCPU": {"total": 4, **DEFAULTS}},
        "resource_provider_generation": 2,
    }
    assert (await pl.get(path)).json()["inventories"] == {"VCPU": {"total": 4, **DEFAULTS}}


async def test_bad_inventories_write_nothing(pl: Any) -> None:
    rp = await _provider(pl)
    for bad in (
        {"CUSTOM_NOPE": {"total": 1}},
        {"vcpu": {"total": 1}},
        {"VCPU": {"total": 0}},
        {"VCPU": {"total": 1, "colour": "red"}},
        {"VCPU": {"reserved": 1}},
        {"VCPU": {"total": 2147483648}},
        {"VCPU": {"total": 4, "reserved": 5}},
    ):
        pl.error(await _put_all(pl, rp, 0, bad), 400)
    pl.error(await pl.put(f"/resource_providers/{rp}/inventories", json={"inventories": {}}), 400)
    missing = "5e1b1a3c-7ad7-4a7b-9c6a-6d2f33d2a8f1"
    pl.error(await _put_all(pl, missing, 0, {"VCPU": {"total": 1}}), 404)
    pl.error(await pl.get(f"/resource_providers/{missing}/inventories"), 404)
    shown = await pl.get(f"/resource_providers/{rp}/inventories")
    assert shown.json() == {"inventories": {}, "resource_provider_generation": 0}


async def test_reserved_may_equal_total_from_1_26(pl: Any) -> None:
    rp = await _provider(pl)
    full = {"VCPU": {"total": 4, "reserved": 4}}
    refused = pl.error(await _put_all(pl, rp, 0, full, version="1.25"), 400)
    assert "greater than or equal to total" in refused["detail"]
    assert (await _put_all(pl, rp, 0, full, version="1.26")).status_code == 200


async def test_one_class_at_a_time(pl: Any) -> None:
    rp = await _provider(pl)
    path = f"/resource_providers/{rp}/inventories"
    created = await pl.post(path, json={"resource_class": "VCPU", "total": 8})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == (
        f"http://127.0.0.1:8080/placement/resource_providers/{rp}/inventories/VCPU"
    )
    assert created.json() == {"total": 8, **DEFAULTS, "resource_provider_generation": 1}
    pl.error(
        await pl.post(path, json={"resource_class": "VCPU", "total": 8}),
        409,
        "placement.concurrent_update",
    )
    pl.error(await pl.post(path, json={"resource_class": "CUSTOM_NOPE", "total": 8}), 400)
    pl.error(await pl.post(path, json={"total": 8}), 400)

    shown = await pl.get(f"{path}/VCPU")
    assert shown.json() == {"total": 8, **DEFAULTS, "resource_provider_generation": 1}
    pl.error(await pl.get(f"{path}/DISK_GB"), 404)

    body = {"total": 16, "reserved": 2, "resource_provider_generation": 1}
    updated = await pl.put(f"{path}/VCPU", json=body)
    assert updated.status_code == 200, updated.text
    assert updated.json() == {
        **DEFAULTS,
        "total": 16,
        "reserved": 2,
        "resource_provider_generation": 2,
    }
    pl.error(await pl.put(f"{path}/VCPU", json=body), 409, "placement.concurrent_update")
    pl.error(await pl.put(f"{path}/DISK_GB", json={**body, "resource_provider_generation": 2}), 400)
    pl.error(await pl.put(f"{path}/VCPU", json={"total": 16}), 400)

    assert (await pl.delete(f"{path}/VCPU")).status_code == 204
    pl.error(await pl.delete(f"{path}/VCPU"), 404)
    pl.error(await pl.delete(f"{path}/CUSTOM_NOPE"), 404)
    assert (await pl.get(path)).json() == {"inventories": {}, "resource_provider_generation": 3}


async def test_delete_all_from_1_5(pl: Any) -> None:
    rp = await _provider(pl)
    path = f"/resource_providers/{rp}/inventories"
    await _put_all(pl, rp, 0, {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 1024}})
    refused = await pl.delete(path, version="1.4")
    pl.error(refused, 405)
    assert refused.headers["allow"] == "GET, POST, PUT"
    assert (await pl.delete(path, version="1.5")).status_code == 204
    assert (await pl.get(path)).json() == {"inventories": {}, "resource_provider_generation": 2}


async def test_what_is_allocated_cannot_be_removed(pl: Any) -> None:
    rp = await _provider(pl)
    path = f"/resource_providers/{rp}/inventories"
    await _put_all(pl, rp, 0, {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 1024}})
    claimed = await pl.put(
        f"/allocations/{CONSUMER}",
        json={
            "allocations": {rp: {"resources": {"VCPU": 6}}},
            "project_id": "p",
            "user_id": "u",
            "consumer_generation": None,
            "consumer_type": "INSTANCE",
        },
    )
    assert claimed.status_code == 204, claimed.text

    refused = pl.error(
        await _put_all(pl, rp, 2, {"MEMORY_MB": {"total": 1024}}), 409, "placement.inventory.inuse"
    )
    assert f"Inventory for 'VCPU' on resource provider '{rp}' in use." in refused["detail"]
    pl.error(await pl.delete(path), 409, "placement.inventory.inuse")
    pl.error(await pl.delete(f"{path}/VCPU"), 409, "placement.concurrent_update")
    assert (await pl.delete(f"{path}/MEMORY_MB")).status_code == 204

    # Lowering the total below what is allocated is allowed: the provider is over capacity.
    lowered = await _put_all(pl, rp, 3, {"VCPU": {"total": 2}})
    assert lowered.status_code == 200, lowered.text
    usages = await pl.get(f"/resource_providers/{rp}/usages")
    assert usages.json() == {"usages": {"VCPU": 6}, "resource_provider_generation": 4}
