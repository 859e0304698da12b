"""Story: an operator registers providers, looks at them per microversion, renames, filters
the list by name, uuid, aggregates, capacity and traits, and deletes them."""

from __future__ import annotations

import datetime
import uuid as uuidlib
from typing import Any

import sqlalchemy as sa

from pocketstack.placement.db import models as m

AGG_A, AGG_B, AGG_C = (str(uuidlib.uuid4()) for _ in range(3))


async def _create(pl: Any, name: str, **extra: Any) -> dict[str, Any]:
    response = await pl.post("/resource_providers", json={"name": name, **extra}, version="1.20")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _names(pl: Any, version: str = "1.39", **params: Any) -> list[str]:
    response = await pl.get("/resource_providers", params=params, version=version)
    assert response.status_code == 200, response.text
    return sorted(rp["name"] for rp in response.json()["resource_providers"])


async def _inventory(
    pl: Any, rp_uuid: str, rc: str, total: int, *, used: int = 0, **fields: Any
) -> None:
    """Inventory (and an allocation of ``used``) written straight into the tables."""
    stamp = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    async with pl.cloud.placement.writing() as conn:
        rp_id = await conn.scalar(
            sa.select(m.resource_providers.c.id).where(m.resource_providers.c.uuid == rp_uuid)
        )
        rc_id = await conn.scalar(
            sa.select(m.resource_classes.c.id).where(m.resource_classes.c.name == rc)
        )
        await conn.execute(
            m.inventories.insert().values(
                resource_provider_id=rp_id,
                resource_class_id=rc_id,
                total=total,
                reserved=fields.get("reserved", 0),
                min_unit=fields.get("min_unit", 1),
                max_unit=fields.get("max_unit", total),
                step_size=fields.get("step_size", 1),
                allocation_ratio=fields.get("allocation_ratio", 1.0),
                created_at=stamp,
                updated_at=stamp,
            )
        )
        if used:
            await conn.execute(
                m.allocations.insert().values(
                    resource_provider_id=rp_id,
                    consumer_id=str(uuidlib.uuid4()),
                    resource_class_id=rc_id,
                    used=used,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )


async def test_create_before_1_20_is_201_with_location_and_no_body(pl: Any) -> None:
    response = await pl.post("/resource_providers", json={"name": "cn1"}, version="1.0")
    assert response.status_code == 201
    assert response.content == b""
    location = response.headers["location"]
    assert location.startswith("http://127.0.0.1:8080/placement/resource_providers/")
    rp_uuid = location.rsplit("/", 1)[1]
    shown = await pl.get(f"/resource_providers/{rp_uuid}", version="1.0")
    assert shown.json() == {
        "uuid": rp_uuid,
        "name": "cn1",
        "generation": 0,
        "links": [
            {"rel": "self", "href": f"/placement/resource_providers/{rp_uuid}"},
            {"rel": "inventories", "href": f"/placement/resource_providers/{rp_uuid}/inventories"},
            {"rel": "usages", "href": f"/placement/resource_providers/{rp_uuid}/usages"},
        ],
    }
    assert "last-modified" not in shown.headers


async def test_body_grows_links_and_tree_fields_per_version(pl: Any) -> None:
    rp = await _create(pl, "cn1")
    assert rp["parent_provider_uuid"] is None
    assert rp["root_provider_uuid"] == rp["uuid"]
    expected = {
        "1.1": ["self", "inventories", "usages", "aggregates"],
        "1.6": ["self", "inventories", "usages", "aggregates", "traits"],
        "1.11": ["self", "inventories", "usages", "aggregates", "traits", "allocations"],
    }
    for version, rels in expected.items():
        body = (await pl.get(f"/resource_providers/{rp['uuid']}", version=version)).json()
        assert [link["rel"] for link in body["links"]] == rels
        assert "root_provider_uuid" not in body
    body = (await pl.get(f"/resource_providers/{rp['uuid']}", version="1.14")).json()
    assert body["root_provider_uuid"] == rp["uuid"] and body["parent_provider_uuid"] is None
    shown = await pl.get(f"/resource_providers/{rp['uuid']}", version="1.15")
    assert shown.headers["cache-control"] == "no-cache" and shown.headers["last-modified"]


async def test_create_at_1_20_returns_the_provider_and_location(pl: Any) -> None:
    given = str(uuidlib.uuid4())
    response = await pl.post(
        "/resource_providers", json={"name": "cn1", "uuid": given.upper()}, version="1.20"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == given and body["generation"] == 0
    assert response.headers["location"].endswith(f"/placement/resource_providers/{given}")
    assert response.headers["last-modified"]


async def test_duplicates_and_bad_bodies(pl: Any) -> None:
    rp = await _create(pl, "cn1")
    pl.error(
        await pl.post("/resource_providers", json={"name": "cn1"}), 409, "placement.duplicate_name"
    )
    pl.error(
        await pl.post("/resource_providers", json={"name": "x", "uuid": rp["uuid"]}),
        409,
        "placement.duplicate_name",
    )
    for bad in (
        {},
        {"name": "a" * 201},
        {"name": "x", "uuid": "not-a-uuid"},
        {"name": "x", "extra": 1},
        {"name": 5},
    ):
        pl.error(await pl.post("/resource_providers", json=bad), 400)
    # parent_provider_uuid is unknown before 1.14
    pl.error(
        await pl.post(
            "/resource_providers",
            version="1.13",
            json={"name": "x", "parent_provider_uuid": rp["uuid"]},
        ),
        400,
    )
    assert await _names(pl) == ["cn1"]


async def test_rename_and_not_found(pl: Any) -> None:
    rp = await _create(pl, "cn1")
    await _create(pl, "cn2")
    renamed = await pl.put(f"/resource_providers/{rp['uuid']}", json={"name": "compute-1"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "compute-1"
    assert renamed.json()["generation"] == rp["generation"] + 1
    assert renamed.headers["last-modified"]
    pl.error(
        await pl.put(f"/resource_providers/{rp['uuid']}", json={"name": "cn2"}),
        409,
        "placement.duplicate_name",
    )
    pl.error(await pl.put(f"/resource_providers/{rp['uuid']}", json={}), 400)
    pl.error(
        await pl.put(f"/resource_providers/{rp['uuid']}", json={"name": "x", "uuid": rp["uuid"]}),
        400,
    )
    missing = str(uuidlib.uuid4())
    pl.error(await pl.get(f"/resource_providers/{missing}"), 404)
    pl.error(await pl.put(f"/resource_providers/{missing}", json={"name": "x"}), 404)
    pl.error(await pl.delete(f"/resource_providers/{missing}"), 404)


async def test_list_by_name_uuid_and_unknown_params(pl: Any) -> None:
    one = await _create(pl, "cn1")
    await _create(pl, "cn2")
    assert await _names(pl, version="1.0") == ["cn1", "cn2"]
    assert await _names(pl, name="cn2") == ["cn2"]
    assert await _names(pl, uuid=one["uuid"]) == ["cn1"]
    assert await _names(pl, name="nope") == []
    pl.error(await pl.get("/resource_providers", params={"uuid": "nope"}), 400)
    pl.error(await pl.get("/resource_providers", params={"colour": "red"}), 400)
    # each filter is refused before the version that added it
    for param, value, since in (
        ("member_of", AGG_A, "1.3"),
        ("resources", "VCPU:1", "1.4"),
        ("in_tree", one["uuid"], "1.14"),
        ("required", "X", "1.18"),
    ):
        before = f"1.{int(since.split('.')[1]) - 1}"
        pl.error(await pl.get("/resource_providers", params={param: value}, version=before), 400)


async def test_member_of_any_all_and_forbidden(pl: Any) -> None:
    rps = {name: await _create(pl, name) for name in ("a", "ab", "c", "none")}
    for name, aggs in (("a", [AGG_A]), ("ab", [AGG_A, AGG_B]), ("c", [AGG_C])):
        response = await pl.put(
            f"/resource_providers/{rps[name]['uuid']}/aggregates", json=aggs, version="1.1"
        )
        assert response.status_code == 200, response.text
    assert await _names(pl, version="1.3", member_of=AGG_A) == ["a", "ab"]
    assert await _names(pl, version="1.3", member_of=f"in:{AGG_B},{AGG_C}") == ["ab", "c"]
    assert await _names(pl, member_of=str(uuidlib.uuid4())) == []
    both = [("member_of", AGG_A), ("member_of", AGG_B)]
    pl.error(await pl.get("/resource_providers", params=both, version="1.23"), 400)
    response = await pl.get("/resource_providers", params=both, version="1.24")
    assert [rp["name"] for rp in response.json()["resource_providers"]] == ["ab"]
    pl.error(
        await pl.get("/resource_providers", params={"member_of": f"!{AGG_A}"}, version="1.31"), 400
    )
    assert await _names(pl, version="1.32", member_of=f"!{AGG_A}") == ["c", "none"]
    assert await _names(pl, member_of=f"!in:{AGG_A},{AGG_C}") == ["none"]
    for bad in (f"{AGG_A},{AGG_B}", "in:", "in:nope", f"!in:{AGG_A},x"):
        pl.error(await pl.get("/resource_providers", params={"member_of": bad}), 400)


async def test_resources_filter_counts_capacity_units_and_steps(pl: Any) -> None:
    rps = {name: await _create(pl, name) for name in ("big", "busy", "stepped", "small")}
    await _inventory(pl, rps["big"]["uuid"], "VCPU", 8)
    await _inventory(pl, rps["big"]["uuid"], "MEMORY_MB", 4096, reserved=512)
    await _inventory(pl, rps["busy"]["uuid"], "VCPU", 4, used=3, allocation_ratio=1.0)
    await _inventory(pl, rps["stepped"]["uuid"], "VCPU", 16, step_size=4, max_unit=8)
    await _inventory(pl, rps["small"]["uuid"], "VCPU", 2, allocation_ratio=2.0, max_unit=4)
    assert await _names(pl, version="1.4", resources="VCPU:1") == ["big", "busy", "small"]
    assert await _names(pl, resources="VCPU:4") == ["big", "small", "stepped"]
    assert await _names(pl, resources="VCPU:8") == ["big", "stepped"]
    assert await _names(pl, resources="VCPU:12") == []
    assert await _names(pl, resources="VCPU:2,MEMORY_MB:3584") == ["big"]
    assert await _names(pl, resources="VCPU:2,MEMORY_MB:3585") == []
    for bad in ("", "VCPU", "VCPU:x", "VCPU:0", "VCPU:1:2", f"VCPU:{2**70}"):
        pl.error(await pl.get("/resource_providers", params={"resources": bad}), 400)
    pl.error(await pl.get("/resource_providers", params={"resources": "CUSTOM_NOPE:1"}), 400)


async def test_required_and_forbidden_traits(pl: Any) -> None:
    rps = {name: await _create(pl, name) for name in ("ssd", "gpu", "both", "plain")}
    for name, names in (
        ("ssd", ["STORAGE_DISK_SSD"]),
        ("gpu", ["HW_GPU_API_VULKAN"]),
        ("both", ["STORAGE_DISK_SSD", "HW_GPU_API_VULKAN"]),
    ):
        response = await pl.put(
            f"/resource_providers/{rps[name]['uuid']}/traits",
            json={"traits": names, "resource_provider_generation": 0},
        )
        assert response.status_code == 200, response.text
    assert await _names(pl, version="1.18", required="STORAGE_DISK_SSD") == ["both", "ssd"]
    assert await _names(pl, required="STORAGE_DISK_SSD,HW_GPU_API_VULKAN") == ["both"]
    pl.error(
        await pl.get(
            "/resource_providers", params={"required": "!STORAGE_DISK_SSD"}, version="1.21"
        ),
        400,
    )
    assert await _names(pl, version="1.22", required="!STORAGE_DISK_SSD") == ["gpu", "plain"]
    assert await _names(pl, required="HW_GPU_API_VULKAN,!STORAGE_DISK_SSD") == ["gpu"]
    any_of = {"required": "in:STORAGE_DISK_SSD,HW_GPU_API_VULKAN"}
    pl.error(await pl.get("/resource_providers", params=any_of, version="1.38"), 400)
    assert await _names(pl, version="1.39", **any_of) == ["both", "gpu", "ssd"]
    repeated = [("required", "STORAGE_DISK_SSD"), ("required", "!HW_GPU_API_VULKAN")]
    response = await pl.get("/resource_providers", params=repeated, version="1.39")
    assert [rp["name"] for rp in response.json()["resource_providers"]] == ["ssd"]
    response = await pl.get("/resource_providers", params=repeated, version="1.38")
    assert sorted(rp["name"] for rp in response.json()["resource_providers"]) == [
        "plain",
        "ssd",
    ]  # before 1.39 only the last 'required' counts
    for bad in ("", "A,,B", "!", "in:A,!B", "in:"):
        pl.error(await pl.get("/resource_providers", params={"required": bad}), 400)
    pl.error(await pl.get("/resource_providers", params={"required": "CUSTOM_NOPE"}), 400)


async def test_delete_refuses_in_use_and_cleans_up(pl: Any) -> None:
    busy = await _create(pl, "busy")
    await _inventory(pl, busy["uuid"], "VCPU", 4, used=1)
    pl.error(
        await pl.delete(f"/resource_providers/{busy['uuid']}"),
        409,
        "placement.resource_provider.inuse",
    )
    rp = await _create(pl, "cn1")
    await _inventory(pl, rp["uuid"], "VCPU", 4)
    assert (await pl.put("/traits/CUSTOM_GOLD")).status_code == 201
    await pl.put(
        f"/resource_providers/{rp['uuid']}/traits",
        json={"traits": ["CUSTOM_GOLD"], "resource_provider_generation": 0},
    )
    await pl.put(f"/resource_providers/{rp['uuid']}/aggregates", json=[AGG_A], version="1.1")
    assert (await pl.delete(f"/resource_providers/{rp['uuid']}")).status_code == 204
    pl.error(await pl.get(f"/resource_providers/{rp['uuid']}"), 404)
    assert (await pl.get("/traits", params={"associated": "true"})).json()["traits"] == []
    assert (await pl.delete("/traits/CUSTOM_GOLD")).status_code == 204
    async with pl.cloud.placement.reading() as conn:
        left = await conn.scalar(sa.select(sa.func.count()).select_from(m.inventories))
    assert left == 1  # only busy's
