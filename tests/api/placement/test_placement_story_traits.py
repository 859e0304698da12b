"""Story: an operator defines custom traits, tags a provider with traits under its
generation, finds traits by prefix, set and association, and cleans them up."""

from __future__ import annotations

import asyncio
from typing import Any

import os_traits


async def _traits(pl: Any, **params: Any) -> list[str]:
    response = await pl.get("/traits", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["traits"])


async def test_not_there_before_1_6(pl: Any) -> None:
    pl.error(await pl.get("/traits", version="1.5"), 404)
    pl.error(await pl.put("/traits/CUSTOM_X", version="1.5"), 404)
    rp = (await pl.post("/resource_providers", json={"name": "cn1"})).json()
    pl.error(await pl.get(f"/resource_providers/{rp['uuid']}/traits", version="1.5"), 404)


async def test_custom_traits_lifecycle(pl: Any) -> None:
    created = await pl.put("/traits/CUSTOM_GOLD", version="1.6")
    assert created.status_code == 201 and created.content == b""
    assert created.headers["location"] == "http://127.0.0.1:8080/placement/traits/CUSTOM_GOLD"
    assert "last-modified" not in created.headers
    again = await pl.put("/traits/CUSTOM_GOLD", version="1.15")
    assert again.status_code == 204 and again.headers["last-modified"]
    for bad in ("GOLD", "CUSTOM_gold", "HW_CPU_X86_AVX", "CUSTOM_" + "A" * 250):
        pl.error(await pl.put(f"/traits/{bad}"), 400)
    found = await pl.get("/traits/CUSTOM_GOLD")
    assert found.status_code == 204 and found.headers["cache-control"] == "no-cache"
    assert (await pl.get("/traits/HW_CPU_X86_AVX")).status_code == 204
    pl.error(await pl.get("/traits/CUSTOM_NOPE"), 404)
    pl.error(await pl.delete("/traits/HW_CPU_X86_AVX"), 400)
    pl.error(await pl.delete("/traits/CUSTOM_NOPE"), 404)
    assert (await pl.delete("/traits/CUSTOM_GOLD")).status_code == 204
    pl.error(await pl.get("/traits/CUSTOM_GOLD"), 404)


async def test_list_filters(pl: Any) -> None:
    every = await _traits(pl)
    assert every == sorted(os_traits.get_traits())
    for name in ("CUSTOM_A", "CUSTOM_B"):
        await pl.put(f"/traits/{name}")
    assert await _traits(pl, name="startswith:CUSTOM_") == ["CUSTOM_A", "CUSTOM_B"]
    assert await _traits(pl, name="in:CUSTOM_B,HW_CPU_X86_AVX,CUSTOM_NOPE") == [
        "CUSTOM_B",
        "HW_CPU_X86_AVX",
    ]
    assert await _traits(pl, name="startswith:HW_CPU_X86_AVX512") == sorted(
        t for t in os_traits.get_traits() if t.startswith("HW_CPU_X86_AVX512")
    )
    rp = (await pl.post("/resource_providers", json={"name": "cn1"})).json()
    await pl.put(
        f"/resource_providers/{rp['uuid']}/traits",
        json={"traits": ["CUSTOM_A", "HW_CPU_X86_AVX"], "resource_provider_generation": 0},
    )
    assert await _traits(pl, associated="true") == ["CUSTOM_A", "HW_CPU_X86_AVX"]
    assert await _traits(pl, associated="True", name="startswith:CUSTOM") == ["CUSTOM_A"]
    unassociated = await _traits(pl, associated="false")
    assert "CUSTOM_B" in unassociated and "CUSTOM_A" not in unassociated
    for bad in ({"name": "CUSTOM_A"}, {"associated": "yes"}, {"colour": "red"}):
        pl.error(await pl.get("/traits", params=bad), 400)


async def test_provider_traits_under_generation(pl: Any) -> None:
    rp = (await pl.post("/resource_providers", json={"name": "cn1"})).json()
    path = f"/resource_providers/{rp['uuid']}/traits"
    empty = await pl.get(path)
    assert empty.json() == {"traits": [], "resource_provider_generation": 0}
    await pl.put("/traits/CUSTOM_GOLD")
    body = {"traits": ["HW_CPU_X86_AVX", "CUSTOM_GOLD"], "resource_provider_generation": 0}
    done = await pl.put(path, json=body)
    assert done.status_code == 200
    assert done.json() == {
        "traits": ["CUSTOM_GOLD", "HW_CPU_X86_AVX"],
        "resource_provider_generation": 1,
    }
    assert done.headers["last-modified"]
    pl.error(await pl.put(path, json=body), 409, "placement.concurrent_update")
    pl.error(
        await pl.put(path, json={"traits": ["CUSTOM_NOPE"], "resource_provider_generation": 1}), 400
    )
    for bad in (
        {"traits": ["X"]},
        {"resource_provider_generation": 1},
        {"traits": "X", "resource_provider_generation": 1},
        {"traits": [""], "resource_provider_generation": 1},
        {"traits": [], "resource_provider_generation": 2**70},
        {"traits": [], "resource_provider_generation": -1},
    ):
        pl.error(await pl.put(path, json=bad), 400)
    assert (await pl.get(path)).json() == {
        "traits": ["CUSTOM_GOLD", "HW_CPU_X86_AVX"],
        "resource_provider_generation": 1,
    }
    pl.error(await pl.delete("/traits/CUSTOM_GOLD"), 409)
    assert (await pl.delete(path)).status_code == 204
    assert (await pl.get(path)).json() == {"traits": [], "resource_provider_generation": 2}
    assert (await pl.delete("/traits/CUSTOM_GOLD")).status_code == 204
    shown = (await pl.get(f"/resource_providers/{rp['uuid']}")).json()
    assert shown["generation"] == 2
    missing = "/resource_providers/00000000-0000-0000-0000-000000000000/traits"
    pl.error(await pl.get(missing), 404)
    pl.error(await pl.put(missing, json={"traits": [], "resource_provider_generation": 0}), 404)
    pl.error(await pl.delete(missing), 404)


async def test_concurrent_writers_one_wins(pl: Any) -> None:
    rp = (await pl.post("/resource_providers", json={"name": "cn1"})).json()
    path = f"/resource_providers/{rp['uuid']}/traits"
    bodies = [
        {"traits": [name], "resource_provider_generation": 0}
        for name in ("HW_CPU_X86_AVX", "HW_CPU_X86_SSE")
    ]
    answers = await asyncio.gather(*(pl.put(path, json=body) for body in bodies))
    assert sorted(a.status_code for a in answers) == [200, 409]
    [winner] = [a.json() for a in answers if a.status_code == 200]
    assert (await pl.get(path)).json() == winner
