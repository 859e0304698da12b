"""Story: a compute node grows a tree (NUMA cell, then a PF under it), lists it with
in_tree, moves subtrees around once 1.37 allows it, and is torn down leaves first."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

import sqlalchemy as sa

from pocketstack.placement.db import models as m


async def _create(
    pl: Any, name: str, parent: str | None = None, version: str = "1.20"
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if parent is not None:
        body["parent_provider_uuid"] = parent
    response = await pl.post("/resource_providers", json=body, version=version)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _show(pl: Any, rp: dict[str, Any]) -> dict[str, Any]:
    response = await pl.get(f"/resource_providers/{rp['uuid']}")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _tree(pl: Any, member: dict[str, Any]) -> list[str]:
    response = await pl.get("/resource_providers", params={"in_tree": member["uuid"]})
    assert response.status_code == 200, response.text
    return sorted(rp["name"] for rp in response.json()["resource_providers"])


async def _changes_since(pl: Any, seq: int) -> tuple[int, set[str]]:
    """The change log's last seq, and the uuids of the providers logged after ``seq``."""
    log, rp = m.provider_changes, m.resource_providers
    async with pl.cloud.placement.reading() as conn:
        last = await conn.scalar(sa.select(sa.func.max(log.c.seq)))
        rows = await conn.execute(
            sa.select(rp.c.uuid)
            .select_from(log.join(rp, rp.c.id == log.c.resource_provider_id))
            .where(log.c.seq > seq)
        )
        return int(last or 0), {r.uuid for r in rows}


async def _move(pl: Any, rp: dict[str, Any], parent: str | None, version: str = "1.37") -> Any:
    return await pl.put(
        f"/resource_providers/{rp['uuid']}",
        version=version,
        json={"name": rp["name"], "parent_provider_uuid": parent},
    )


async def test_tree_roots_and_in_tree(pl: Any) -> None:
    root = await _create(pl, "cn1")
    numa = await _create(pl, "cn1_numa0", root["uuid"])
    pf = await _create(pl, "cn1_numa0_pf0", numa["uuid"])
    other = await _create(pl, "cn2")
    assert numa["parent_provider_uuid"] == root["uuid"]
    assert numa["root_provider_uuid"] == root["uuid"]
    assert pf["parent_provider_uuid"] == numa["uuid"]
    assert pf["root_provider_uuid"] == root["uuid"]
    tree = ["cn1", "cn1_numa0", "cn1_numa0_pf0"]
    for member in (root, numa, pf):
        assert await _tree(pl, member) == tree
    assert await _tree(pl, other) == ["cn2"]
    assert await _tree(pl, {"uuid": str(uuidlib.uuid4())}) == []
    pl.error(await pl.get("/resource_providers", params={"in_tree": "nope"}), 400)
    # before 1.14 the tree is invisible in bodies
    old = (await pl.get(f"/resource_providers/{pf['uuid']}", version="1.13")).json()
    assert "parent_provider_uuid" not in old and "root_provider_uuid" not in old


async def test_bad_parents_are_refused(pl: Any) -> None:
    given = str(uuidlib.uuid4())
    pl.error(
        await pl.post(
            "/resource_providers",
            json={"name": "self", "uuid": given, "parent_provider_uuid": given},
        ),
        400,
    )
    pl.error(
        await pl.post(
            "/resource_providers",
            json={"name": "orphan", "parent_provider_uuid": str(uuidlib.uuid4())},
        ),
        400,
    )
    pl.error(
        await pl.post("/resource_providers", json={"name": "bad", "parent_provider_uuid": "nope"}),
        400,
    )
    listed = (await pl.get("/resource_providers")).json()["resource_providers"]
    assert listed == []


async def test_parent_set_once_before_1_37(pl: Any) -> None:
    root = await _create(pl, "cn1")
    root2 = await _create(pl, "cn2")
    child = await _create(pl, "child")
    grandchild = await _create(pl, "grandchild", child["uuid"])
    # a root may get a parent once, and its subtree follows it to the new root
    adopted = await _move(pl, child, root["uuid"], version="1.14")
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["root_provider_uuid"] == root["uuid"]
    assert (await _show(pl, grandchild))["root_provider_uuid"] == root["uuid"]
    assert await _tree(pl, root) == ["child", "cn1", "grandchild"]
    # the same parent again is no change
    assert (await _move(pl, child, root["uuid"], version="1.36")).status_code == 200
    pl.error(await _move(pl, child, root2["uuid"], version="1.36"), 400)
    pl.error(await _move(pl, child, None, version="1.36"), 400)
    # a name-only PUT leaves the parent alone
    renamed = await pl.put(
        f"/resource_providers/{child['uuid']}", json={"name": "kid"}, version="1.36"
    )
    assert renamed.json()["parent_provider_uuid"] == root["uuid"]


async def test_reparent_and_unparent_at_1_37(pl: Any) -> None:
    root = await _create(pl, "cn1")
    root2 = await _create(pl, "cn2")
    child = await _create(pl, "child", root["uuid"])
    grandchild = await _create(pl, "grandchild", child["uuid"])
    generation = (await _show(pl, child))["generation"]
    seq, _ = await _changes_since(pl, 0)
    moved = await _move(pl, child, root2["uuid"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["parent_provider_uuid"] == root2["uuid"]
    assert moved.json()["root_provider_uuid"] == root2["uuid"]
    assert moved.json()["generation"] == generation + 1
    assert (await _show(pl, grandchild))["root_provider_uuid"] == root2["uuid"]
    # the change log names everything whose tree changed, for the caches that follow it
    _, logged = await _changes_since(pl, seq)
    assert logged == {root["uuid"], root2["uuid"], child["uuid"], grandchild["uuid"]}
    assert await _tree(pl, root) == ["cn1"]
    assert await _tree(pl, root2) == ["child", "cn2", "grandchild"]
    # no loops: not under itself, its child, nor its grandchild
    great = await _create(pl, "great", grandchild["uuid"])
    for loop in (child, grandchild, great):
        pl.error(await _move(pl, child, loop["uuid"]), 400)
    # un-parenting makes the subtree a tree of its own
    freed = await _move(pl, child, None)
    assert freed.status_code == 200
    assert freed.json()["parent_provider_uuid"] is None
    assert freed.json()["root_provider_uuid"] == child["uuid"]
    assert (await _show(pl, great))["root_provider_uuid"] == child["uuid"]
    assert await _tree(pl, great) == ["child", "grandchild", "great"]
    assert await _tree(pl, root2) == ["cn2"]


async def test_delete_leaves_first(pl: Any) -> None:
    root = await _create(pl, "cn1")
    child = await _create(pl, "child", root["uuid"])
    grandchild = await _create(pl, "grandchild", child["uuid"])
    for parent in (root, child):
        pl.error(
            await pl.delete(f"/resource_providers/{parent['uuid']}"),
            409,
            "placement.resource_provider.cannot_delete_parent",
        )
    for rp in (grandchild, child, root):
        assert (await pl.delete(f"/resource_providers/{rp['uuid']}")).status_code == 204
    assert (await pl.get("/resource_providers")).json() == {"resource_providers": []}
