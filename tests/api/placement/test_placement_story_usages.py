"""Story: an operator asks what a provider has handed out, and what a project (or one of its
users) consumes — from 1.38 split by consumer type, with how many consumers hold it."""

from __future__ import annotations

from typing import Any

MISSING = "5e1b1a3c-7ad7-4a7b-9c6a-6d2f33d2a8f1"


async def _provider(pl: Any, name: str, inventories: dict[str, Any]) -> str:
    uuid = str((await pl.post("/resource_providers", json={"name": name})).json()["uuid"])
    if inventories:
        done = await pl.put(
            f"/resource_providers/{uuid}/inventories",
            json={"resource_provider_generation": 0, "inventories": inventories},
        )
        assert done.status_code == 200, done.text
    return uuid


async def _claim(
    pl: Any,
    consumer: str,
    rp: str,
    resources: dict[str, int],
    project: str,
    user: str,
    consumer_type: str | None,
) -> None:
    body: dict[str, Any] = {
        "allocations": {rp: {"resources": resources}},
        "project_id": project,
        "user_id": user,
        "consumer_generation": None,
    }
    version = "1.37"
    if consumer_type is not None:
        body["consumer_type"], version = consumer_type, "1.38"
    done = await pl.put(f"/allocations/{consumer}", json=body, version=version)
    assert done.status_code == 204, done.text


async def _usages(pl: Any, version: str = "1.39", **params: Any) -> Any:
    response = await pl.get("/usages", params=params, version=version)
    assert response.status_code == 200, response.text
    return response.json()["usages"]


async def test_provider_usages(pl: Any) -> None:
    pl.error(await pl.get(f"/resource_providers/{MISSING}/usages"), 404)
    bare = await _provider(pl, "bare", {})
    shown = await pl.get(f"/resource_providers/{bare}/usages", version="1.14")
    assert shown.json() == {"usages": {}, "resource_provider_generation": 0}
    assert "last-modified" not in shown.headers
    rp = await _provider(pl, "cn1", {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096}})
    zero = await pl.get(f"/resource_providers/{rp}/usages", version="1.15")
    assert zero.json() == {"usages": {"VCPU": 0, "MEMORY_MB": 0}, "resource_provider_generation": 1}
    assert zero.headers["cache-control"] == "no-cache" and zero.headers["last-modified"]
    await _claim(
        pl,
        "a0000000-0000-4000-8000-000000000001",
        rp,
        {"VCPU": 2, "MEMORY_MB": 512},
        "p1",
        "u1",
        None,
    )
    await _claim(pl, "a0000000-0000-4000-8000-000000000002", rp, {"VCPU": 3}, "p1", "u2", None)
    used = await pl.get(f"/resource_providers/{rp}/usages")
    assert used.json() == {
        "usages": {"VCPU": 5, "MEMORY_MB": 512},
        "resource_provider_generation": 3,
    }


async def test_totals_by_project_and_user(pl: Any) -> None:
    pl.error(await pl.get("/usages", params={"project_id": "p1"}, version="1.8"), 404)
    for bad in (
        {},
        {"project_id": ""},
        {"project_id": "p1", "user_id": ""},
        {"project_id": "p1", "colour": "red"},
        {"project_id": "x" * 256},
    ):
        pl.error(await pl.get("/usages", params=bad, version="1.9"), 400)
    pl.error(
        await pl.get("/usages", params=[("project_id", "p1"), ("project_id", "p2")]),
        400,
        "placement.query.duplicate_key",
    )
    assert await _usages(pl, "1.9", project_id="p1") == {}

    cn1 = await _provider(pl, "cn1", {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096}})
    cn2 = await _provider(pl, "cn2", {"VCPU": {"total": 8}})
    await _claim(
        pl,
        "b0000000-0000-4000-8000-000000000001",
        cn1,
        {"VCPU": 2, "MEMORY_MB": 512},
        "p1",
        "u1",
        None,
    )
    await _claim(pl, "b0000000-0000-4000-8000-000000000002", cn2, {"VCPU": 3}, "p1", "u2", None)
    await _claim(pl, "b0000000-0000-4000-8000-000000000003", cn2, {"VCPU": 1}, "p2", "u1", None)
    assert await _usages(pl, "1.9", project_id="p1") == {"VCPU": 5, "MEMORY_MB": 512}
    assert await _usages(pl, "1.37", project_id="p1", user_id="u2") == {"VCPU": 3}
    assert await _usages(pl, "1.9", project_id="p2", user_id="u2") == {}
    pl.error(
        await pl.get(
            "/usages", params={"project_id": "p1", "consumer_type": "all"}, version="1.37"
        ),
        400,
    )


async def test_by_consumer_type_from_1_38(pl: Any) -> None:
    rp = await _provider(pl, "cn1", {"VCPU": {"total": 64}, "DISK_GB": {"total": 1000}})
    await _claim(
        pl,
        "c0000000-0000-4000-8000-000000000001",
        rp,
        {"VCPU": 2, "DISK_GB": 10},
        "p1",
        "u1",
        "INSTANCE",
    )
    await _claim(
        pl,
        "c0000000-0000-4000-8000-000000000002",
        rp,
        {"VCPU": 4, "DISK_GB": 20},
        "p1",
        "u2",
        "INSTANCE",
    )
    await _claim(
        pl, "c0000000-0000-4000-8000-000000000003", rp, {"VCPU": 1}, "p1", "u1", "MIGRATION"
    )
    await _claim(pl, "c0000000-0000-4000-8000-000000000004", rp, {"DISK_GB": 5}, "p1", "u1", None)
    await _claim(
        pl, "c0000000-0000-4000-8000-000000000005", rp, {"VCPU": 9}, "p2", "u1", "INSTANCE"
    )

    assert await _usages(pl, project_id="p1") == {
        "INSTANCE": {"consumer_count": 2, "VCPU": 6, "DISK_GB": 30},
        "MIGRATION": {"consumer_count": 1, "VCPU": 1},
        "unknown": {"consumer_count": 1, "DISK_GB": 5},
    }
    assert await _usages(pl, project_id="p1", user_id="u1", consumer_type="INSTANCE") == {
        "INSTANCE": {"consumer_count": 1, "VCPU": 2, "DISK_GB": 10}
    }
    assert await _usages(pl, project_id="p1", consumer_type="all") == {
        "all": {"consumer_count": 4, "VCPU": 7, "DISK_GB": 35}
    }
    assert await _usages(pl, project_id="p1", consumer_type="unknown") == {
        "unknown": {"consumer_count": 1, "DISK_GB": 5}
    }
    assert await _usages(pl, project_id="p1", consumer_type="ALL") == {}
    assert await _usages(pl, project_id="p3", consumer_type="all") == {}
    pl.error(await pl.get("/usages", params={"project_id": "p1", "consumer_type": "nope"}), 400)
