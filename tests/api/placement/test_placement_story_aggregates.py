"""Story: a provider joins host aggregates, first as a bare list (1.1), then under its
generation (1.19), and the list of providers follows the memberships."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

AGG_A, AGG_B = (str(uuidlib.uuid4()) for _ in range(2))


async def _provider(pl: Any, name: str) -> str:
    response = await pl.post("/resource_providers", json={"name": name})
    assert response.status_code == 200, response.text
    return str(response.json()["uuid"])


async def test_not_there_before_1_1(pl: Any) -> None:
    rp = await _provider(pl, "cn1")
    pl.error(await pl.get(f"/resource_providers/{rp}/aggregates", version="1.0"), 404)
    pl.error(await pl.put(f"/resource_providers/{rp}/aggregates", json=[], version="1.0"), 404)


async def test_bare_list_before_1_19(pl: Any) -> None:
    rp = await _provider(pl, "cn1")
    path = f"/resource_providers/{rp}/aggregates"
    assert (await pl.get(path, version="1.1")).json() == {"aggregates": []}
    done = await pl.put(path, json=[AGG_A, AGG_B], version="1.18")
    assert done.status_code == 200
    assert done.json() == {"aggregates": [AGG_A, AGG_B]}
    assert done.headers["last-modified"]
    shown = await pl.get(path, version="1.18")
    assert sorted(shown.json()["aggregates"]) == sorted([AGG_A, AGG_B])
    assert shown.headers["cache-control"] == "no-cache"
    bad_bodies: list[Any] = [[AGG_A, AGG_A], ["nope"], {"aggregates": []}, AGG_A]
    for bad in bad_bodies:
        pl.error(await pl.put(path, json=bad, version="1.18"), 400)
    assert (await pl.put(path, json=[AGG_B], version="1.1")).json() == {"aggregates": [AGG_B]}


async def test_generation_from_1_19(pl: Any) -> None:
    rp = await _provider(pl, "cn1")
    other = await _provider(pl, "cn2")
    path = f"/resource_providers/{rp}/aggregates"
    assert (await pl.get(path)).json() == {"aggregates": [], "resource_provider_generation": 0}
    done = await pl.put(path, json={"aggregates": [AGG_A], "resource_provider_generation": 0})
    assert done.json() == {"aggregates": [AGG_A], "resource_provider_generation": 1}
    pl.error(
        await pl.put(path, json={"aggregates": [AGG_B], "resource_provider_generation": 0}),
        409,
        "placement.concurrent_update",
    )
    for bad in (
        [AGG_A],
        {"aggregates": [AGG_A]},
        {"aggregates": [AGG_A], "resource_provider_generation": "1"},
        {"aggregates": [AGG_A], "resource_provider_generation": 1, "x": 1},
        {"aggregates": [AGG_A], "resource_provider_generation": 2**70},
    ):
        pl.error(await pl.put(path, json=bad), 400)
    # the same aggregate shared by a second provider, created once
    await pl.put(
        f"/resource_providers/{other}/aggregates",
        json={"aggregates": [AGG_A, AGG_B], "resource_provider_generation": 0},
    )
    listed = await pl.get("/resource_providers", params={"member_of": AGG_A})
    assert sorted(p["uuid"] for p in listed.json()["resource_providers"]) == sorted([rp, other])
    emptied = await pl.put(path, json={"aggregates": [], "resource_provider_generation": 1})
    assert emptied.json() == {"aggregates": [], "resource_provider_generation": 2}
    listed = await pl.get("/resource_providers", params={"member_of": AGG_A})
    assert [p["uuid"] for p in listed.json()["resource_providers"]] == [other]
    missing = "/resource_providers/00000000-0000-0000-0000-000000000000/aggregates"
    pl.error(await pl.get(missing), 404)
    pl.error(await pl.put(missing, json={"aggregates": [], "resource_provider_generation": 0}), 404)
