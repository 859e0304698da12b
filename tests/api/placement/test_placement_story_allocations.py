"""Story: the scheduler claims resources for instances on a compute node — in every body
shape from 1.0 to 1.38 — moves and drops them, and is refused what does not fit."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pocketstack.placement.db import models as m

INCOMPLETE = "00000000-0000-0000-0000-000000000000"
C1 = "11111111-1111-4111-8111-111111111111"
C2 = "22222222-2222-4222-8222-222222222222"
C3 = "33333333-3333-4333-8333-333333333333"
OWNER = {"project_id": "proj", "user_id": "user"}


async def _provider(pl: Any, name: str, inventories: dict[str, Any]) -> str:
    created = await pl.post("/resource_providers", json={"name": name})
    assert created.status_code == 200, created.text
    uuid = str(created.json()["uuid"])
    done = await pl.put(
        f"/resource_providers/{uuid}/inventories",
        json={"resource_provider_generation": 0, "inventories": inventories},
    )
    assert done.status_code == 200, done.text
    return uuid


async def _claim(
    pl: Any,
    consumer: str,
    allocations: dict[str, Any],
    generation: int | None = None,
    version: str = "1.39",
    **extra: Any,
) -> Any:
    body = {
        "allocations": {rp: {"resources": r} for rp, r in allocations.items()},
        **OWNER,
        "consumer_generation": generation,
        **extra,
    }
    if int(version.split(".")[1]) >= 38:
        body.setdefault("consumer_type", "INSTANCE")
    return await pl.put(f"/allocations/{consumer}", json=body, version=version)


async def _usages(pl: Any, rp: str) -> dict[str, int]:
    return dict((await pl.get(f"/resource_providers/{rp}/usages")).json()["usages"])


async def test_list_shape_before_1_12(pl: Any) -> None:
    rp = await _provider(pl, "cn1", {"VCPU": {"total": 8}, "DISK_GB": {"total": 100}})
    listish = {
        "allocations": [
            {"resource_provider": {"uuid": rp}, "resources": {"VCPU": 2, "DISK_GB": 10}}
        ]
    }
    done = await pl.put(f"/allocations/{C1}", json=listish, version="1.0")
    assert done.status_code == 204 and done.content == b""
    old = await pl.get(f"/allocations/{C1}", version="1.0")
    assert old.json() == {
        "allocations": {rp: {"generation": 2, "resources": {"VCPU": 2, "DISK_GB": 10}}}
    }
    assert "last-modified" not in old.headers
    new = (await pl.get(f"/allocations/{C1}", version="1.12")).json()
    assert new["project_id"] == INCOMPLETE and new["user_id"] == INCOMPLETE

    pl.error(await pl.put(f"/allocations/{C2}", json=listish, version="1.8"), 400)
    owned = await pl.put(f"/allocations/{C2}", json={**listish, **OWNER}, version="1.8")
    assert owned.status_code == 204, owned.text
    pl.error(await pl.put(f"/allocations/{C2}", json={**listish, **OWNER}, version="1.12"), 400)
    pl.error(await pl.put(f"/allocations/{C3}", json={"allocations": []}, version="1.0"), 400)


async def test_what_does_not_fit_is_refused(pl: Any) -> None:
    rp = await _provider(
        pl,
        "cn1",
        {
            "VCPU": {"total": 4, "reserved": 1, "allocation_ratio": 2.0},
            "DISK_GB": {"total": 100, "min_unit": 10, "max_unit": 50, "step_size": 5},
        },
    )
    generation = (await pl.get(f"/resource_providers/{rp}")).json()["generation"]
    missing = "5e1b1a3c-7ad7-4a7b-9c6a-6d2f33d2a8f1"
    refused = pl.error(await _claim(pl, C1, {missing: {"VCPU": 1}}), 400)
    assert (
        f"Allocation for resource provider '{missing}' that does not exist." in (refused["detail"])
    )
    refused = pl.error(await _claim(pl, C1, {rp: {"CUSTOM_NOPE": 1}}), 400)
    assert "No such resource class CUSTOM_NOPE" in refused["detail"]
    pl.error(await _claim(pl, C1, {rp: {"VCPU": 0}}), 400)
    pl.error(await _claim(pl, C1, {rp: {"MEMORY_MB": 1}}), 409)
    for amount in (5, 55, 12):  # below min_unit, above max_unit, off step_size
        refused = pl.error(await _claim(pl, C1, {rp: {"DISK_GB": amount}}), 409)
        assert "would violate inventory constraints" in refused["detail"]
    refused = pl.error(await _claim(pl, C1, {rp: {"VCPU": 7}}), 409, "placement.undefined_code")
    assert refused["detail"] == (
        f"Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource "
        f"provider '{rp}'. The requested amount would exceed the capacity."
    )
    pl.error(await pl.put("/allocations/not-a-uuid", json={}), 400)

    assert (await _claim(pl, C1, {rp: {"VCPU": 6, "DISK_GB": 50}})).status_code == 204
    pl.error(await _claim(pl, C2, {rp: {"VCPU": 1}}), 409)
    # Replacing a consumer's own allocations does not count them twice.
    assert (await _claim(pl, C1, {rp: {"VCPU": 5}}, 1)).status_code == 204
    assert (await _claim(pl, C2, {rp: {"VCPU": 1}})).status_code == 204
    assert await _usages(pl, rp) == {"VCPU": 6, "DISK_GB": 0}
    assert (await pl.get(f"/resource_providers/{rp}")).json()["generation"] == generation + 3


async def test_consumer_generations_from_1_28(pl: Any) -> None:
    rp = await _provider(pl, "cn1", {"VCPU": {"total": 8}})
    body = {"allocations": {rp: {"resources": {"VCPU": 1}}}, **OWNER}
    assert (await pl.put(f"/allocations/{C1}", json=body, version="1.27")).status_code == 204
    pl.error(await pl.put(f"/allocations/{C2}", json=body, version="1.28"), 400)
    refused = pl.error(
        await _claim(pl, C2, {rp: {"VCPU": 1}}, 5, version="1.28"),
        409,
        "placement.concurrent_update",
    )
    assert "consumer generation conflict - expected null but got 5" in refused["detail"]

    shown = (await pl.get(f"/allocations/{C1}", version="1.28")).json()
    assert shown["consumer_generation"] == 1 and "consumer_type" not in shown
    refused = pl.error(
        await _claim(pl, C1, {rp: {"VCPU": 2}}, None, version="1.28"),
        409,
        "placement.concurrent_update",
    )
    assert "expected 1 but got None" in refused["detail"]
    assert (await _claim(pl, C1, {rp: {"VCPU": 2}}, 1, version="1.28")).status_code == 204
    pl.error(await _claim(pl, C1, {rp: {"VCPU": 2}}, 1, version="1.28"), 409)

    # An empty dict removes every allocation, and the consumer with them.
    pl.error(
        await pl.put(f"/allocations/{C1}", json={**body, "allocations": {}}, version="1.27"), 400
    )
    emptied = await pl.put(
        f"/allocations/{C1}",
        version="1.28",
        json={**body, "allocations": {}, "consumer_generation": 2},
    )
    assert emptied.status_code == 204, emptied.text
    assert (await pl.get(f"/allocations/{C1}")).json() == {"allocations": {}}
    assert (await _claim(pl, C1, {rp: {"VCPU": 1}}, None, version="1.28")).status_code == 204

    by_provider = await pl.get(f"/resource_providers/{rp}/allocations")
    assert by_provider.json() == {
        "allocations": {C1: {"resources": {"VCPU": 1}, "consumer_generation": 1}},
        "resource_provider_generation": 5,
    }
    older = await pl.get(f"/resource_providers/{rp}/allocations", version="1.27")
    assert older.json()["allocations"] == {C1: {"resources": {"VCPU": 1}}}
    assert older.headers["last-modified"]
    pl.error(
        await pl.get("/resource_providers/5e1b1a3c-7ad7-4a7b-9c6a-6d2f33d2a8f1/allocations"), 404
    )


async def test_consumer_types_and_mappings(pl: Any) -> None:
    rp = await _provider(pl, "cn1", {"VCPU": {"total": 8}})
    body = {"allocations": {rp: {"resources": {"VCPU": 1}}}, **OWNER, "consumer_generation": None}
    pl.error(await pl.put(f"/allocations/{C1}", json=body, version="1.38"), 400)
    pl.error(
        await pl.put(
            f"/allocations/{C1}", version="1.38", json={**body, "consumer_type": "instance"}
        ),
        400,
    )
    pl.error(
        await pl.put(
            f"/allocations/{C1}", version="1.37", json={**body, "consumer_type": "INSTANCE"}
        ),
        400,
    )
    assert (await pl.put(f"/allocations/{C1}", json=body, version="1.37")).status_code == 204
    assert (await pl.get(f"/allocations/{C1}")).json()["consumer_type"] == "unknown"
    typed = await _claim(pl, C1, {rp: {"VCPU": 1}}, 1, consumer_type="MIGRATION")
    assert typed.status_code == 204
    # A client of 1.36 does not send a type: the consumer keeps the one it has.
    assert (
        await pl.put(f"/allocations/{C1}", version="1.36", json={**body, "consumer_generation": 2})
    ).status_code == 204
    shown = (await pl.get(f"/allocations/{C1}")).json()
    assert shown == {
        "allocations": {rp: {"generation": 4, "resources": {"VCPU": 1}}},
        "project_id": "proj",
        "user_id": "user",
        "consumer_generation": 3,
        "consumer_type": "MIGRATION",
    }

    mapped = {**body, "consumer_generation": 3, "mappings": {"": [rp]}}
    pl.error(await pl.put(f"/allocations/{C1}", json=mapped, version="1.33"), 400)
    assert (await pl.put(f"/allocations/{C1}", json=mapped, version="1.34")).status_code == 204
    moved = await _claim(pl, C1, {rp: {"VCPU": 1}}, 4, project_id="other", user_id="me")
    assert moved.status_code == 204
    shown = (await pl.get(f"/allocations/{C1}")).json()
    assert (shown["project_id"], shown["user_id"]) == ("other", "me")


async def test_post_many_consumers_at_once(pl: Any) -> None:
    cn1 = await _provider(pl, "cn1", {"VCPU": {"total": 4}})
    cn2 = await _provider(pl, "cn2", {"VCPU": {"total": 4}})
    assert (await _claim(pl, C1, {cn1: {"VCPU": 4}})).status_code == 204

    def entry(rp: str | None, generation: int | None, amount: int = 4) -> dict[str, Any]:
        wanted = {} if rp is None else {rp: {"resources": {"VCPU": amount}}}
        return {
            "allocations": wanted,
            **OWNER,
            "consumer_generation": generation,
            "consumer_type": "INSTANCE",
        }

    pl.error(await pl.post("/allocations", json={C1: entry(None, 1)}, version="1.12"), 404)
    pl.error(await pl.post("/allocations", json={}), 400)
    # The move fails as a whole: C2 does not fit beside C1 on cn2, so C1 stays on cn1.
    refused = await pl.post("/allocations", json={C1: entry(cn2, 1), C2: entry(cn2, None, 1)})
    pl.error(refused, 409)
    assert await _usages(pl, cn1) == {"VCPU": 4} and await _usages(pl, cn2) == {"VCPU": 0}
    # A migration: C1 moves to cn2, C3 takes its place on cn1, in one request.
    moved = await pl.post("/allocations", json={C1: entry(cn2, 1), C3: entry(cn1, None)})
    assert moved.status_code == 204, moved.text
    assert await _usages(pl, cn1) == {"VCPU": 4} and await _usages(pl, cn2) == {"VCPU": 4}
    dropped = await pl.post("/allocations", json={C3: entry(None, 1)}, version="1.28")
    pl.error(dropped, 400)  # consumer_type is unknown before 1.38
    older = {C3: {k: v for k, v in entry(None, 1).items() if k != "consumer_type"}}
    assert (await pl.post("/allocations", json=older, version="1.28")).status_code == 204
    assert await _usages(pl, cn1) == {"VCPU": 0}


async def test_delete_a_consumers_allocations(pl: Any) -> None:
    rp = await _provider(pl, "cn1", {"VCPU": {"total": 8}})
    assert (await _claim(pl, C1, {rp: {"VCPU": 2}})).status_code == 204
    generation = (await pl.get(f"/resource_providers/{rp}")).json()["generation"]
    async with pl.cloud.placement.reading() as conn:
        logged = await conn.scalar(sa.select(sa.func.max(m.provider_changes.c.seq)))
    assert (await pl.delete(f"/allocations/{C1}")).status_code == 204
    refused = pl.error(await pl.delete(f"/allocations/{C1}"), 404)
    assert refused["detail"] == f"No allocations for consumer '{C1}'"
    assert (await pl.get(f"/allocations/{C1}")).json() == {"allocations": {}}
    assert await _usages(pl, rp) == {"VCPU": 0}
    # As upstream, the provider generation stays; the change log still hears of it.
    assert (await pl.get(f"/resource_providers/{rp}")).json()["generation"] == generation
    async with pl.cloud.placement.reading() as conn:
        after = await conn.scalar(sa.select(sa.func.max(m.provider_changes.c.seq)))
        consumers = await conn.scalar(sa.select(sa.func.count()).select_from(m.consumers))
    assert after > logged and consumers == 0
    dashless = C2.replace("-", "")
    assert (await _claim(pl, dashless, {rp: {"VCPU": 1}})).status_code == 204
    assert (await pl.get(f"/allocations/{C2}")).json()["allocations"]
