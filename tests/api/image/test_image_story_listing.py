"""Story: a project with many images pages through them (following ``next`` as the SDK
does), sorts them every way Glance allows, and narrows the list with filters."""

from __future__ import annotations

import urllib.parse
from typing import Any


async def _walk(gl: Any, query: str) -> tuple[list[str], int]:
    """Follow ``next`` links from ``/v2/images?query``; the names seen and the pages read."""
    names: list[str] = []
    path: str | None = f"/v2/images?{query}"
    pages = 0
    while path is not None:
        body = (await gl.get(path)).json()
        names += [image["name"] for image in body["images"]]
        pages += 1
        path = body.get("next")
        if path is not None:
            assert path.startswith("/v2/images?")
        assert pages < 50
    return names, pages


async def test_paging_follows_next_to_the_end(gl: Any) -> None:
    for n in range(7):
        await gl.create(name=f"img-{n}")
    first = (await gl.get("/v2/images?limit=3&sort=name:asc")).json()
    assert [i["name"] for i in first["images"]] == ["img-0", "img-1", "img-2"]
    assert first["first"] == "/v2/images?limit=3&sort=name%3Aasc"
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(first["next"]).query))
    assert query == {"limit": "3", "sort": "name:asc", "marker": first["images"][-1]["id"]}
    names, pages = await _walk(gl, "limit=3&sort=name:asc")
    assert names == [f"img-{n}" for n in range(7)] and pages == 3
    names, pages = await _walk(gl, "limit=7&sort=name:desc")
    assert names == [f"img-{n}" for n in reversed(range(7))] and pages == 2
    assert (await gl.get("/v2/images?limit=0")).json()["images"] == []
    assert len((await gl.get("/v2/images")).json()["images"]) == 7
    # Default order: newest first.
    assert (await gl.names())[0] == "img-6"


async def test_sorting(gl: Any) -> None:
    for name, size in (("b", 30), ("a", 10), ("c", 20), (None, 5)):
        image = await gl.create(name=name)
        await gl.upload(image["id"], b"x" * size)
    await gl.create(name="queued-one")
    assert await gl.names("?sort=name:asc") == [None, "a", "b", "c", "queued-one"]
    assert await gl.names("?sort=name") == ["queued-one", "c", "b", "a", None]
    assert await gl.names("?sort_key=size&sort_dir=asc") == ["queued-one", None, "a", "c", "b"]
    assert await gl.names("?sort=status:asc,name:desc") == ["c", "b", "a", None, "queued-one"]
    assert await gl.names("?sort_key=status&sort_key=name&sort_dir=asc") == [
        None,
        "a",
        "b",
        "c",
        "queued-one",
    ]
    assert await gl.names("?sort_key=status&sort_key=size&sort_dir=desc&sort_dir=asc") == [
        "queued-one",
        None,
        "a",
        "c",
        "b",
    ]
    names, _ = await _walk(gl, "limit=2&sort=size:asc")
    assert names == ["queued-one", None, "a", "c", "b"]


async def test_filters(gl: Any) -> None:
    alice = await gl.tenant()
    one = await gl.create(name="one", tags=["x86", "linux"], os_distro="ubuntu")
    two = await gl.create(
        name="two", tags=["x86"], os_distro="fedora", protected=True, disk_format="qcow2"
    )
    await gl.create(name="three", visibility="public", container_format="ovf")
    await gl.create(name="hidden", os_hidden=True)
    await gl.create(alice.token, name="alices")
    await gl.upload(one["id"], b"x" * 100)

    assert sorted(await gl.names(f"?id=in:{one['id']},{two['id']}")) == ["one", "two"]
    assert sorted(await gl.names(f"?id={one['id']}")) == ["one"]
    assert await gl.names("?name=two") == ["two"]
    assert sorted(await gl.names("?name=in:one,three")) == ["one", "three"]
    assert await gl.names("?status=active") == ["one"]
    assert sorted(await gl.names("?status=in:queued")) == ["alices", "three", "two"]
    assert await gl.names("?visibility=public") == ["three"]
    assert await gl.names(f"?owner={alice.project_id}") == ["alices"]
    assert sorted(await gl.names("?tag=x86")) == ["one", "two"]
    assert await gl.names("?tag=x86&tag=linux") == ["one"]
    assert await gl.names("?os_distro=fedora") == ["two"]
    assert await gl.names("?os_distro=fedora&tag=linux") == []
    assert await gl.names("?os_hidden=true") == ["hidden"]
    assert await gl.names("?protected=true") == ["two"]
    assert await gl.names("?disk_format=qcow2") == ["two"]
    assert await gl.names("?container_format=ovf") == ["three"]
    assert await gl.names("?size_min=50&size_max=150") == ["one"]
    assert await gl.names("?size_min=101") == []
    assert len(await gl.names("?created_at=gt:2000-01-01T00:00:00Z")) == 4  # not hidden
    assert await gl.names("?updated_at=lt:2000-01-01T00:00:00Z") == []
    stamp = (await gl.show(two["id"]))["created_at"]
    assert "two" in await gl.names(f"?created_at={stamp}&sort=name:asc")
    assert "two" in await gl.names(f"?created_at=lte:{stamp}")
    page = (await gl.get("/v2/images?tag=x86&tag=linux&limit=1")).json()
    assert urllib.parse.parse_qsl(urllib.parse.urlsplit(page["next"]).query)[:3] == [
        ("tag", "x86"),
        ("tag", "linux"),
        ("limit", "1"),
    ]
    assert await gl.names(token=alice.token) == ["alices", "three"]
