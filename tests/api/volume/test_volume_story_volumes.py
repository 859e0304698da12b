"""Story: a volume's life: created (202, ``creating``), made ``available`` by the reconciler
over a sparse backing file, shown, listed, renamed, deleted with its file."""

from __future__ import annotations

from typing import Any

GIB = 1024**3


async def test_create_becomes_available_over_a_sparse_file(vol: Any) -> None:
    made = await vol.create(name="data", description="disk", metadata={"k": "v"})
    assert made["size"] == 1 and made["name"] == "data" and made["volume_type"] == "__DEFAULT__"

    found = await vol.wait_for(made["id"], "available")

    backing = vol.backing_file(made["id"])
    assert backing.stat().st_size == GIB
    assert backing.stat().st_blocks * 512 < GIB // 100, "sparse: nothing written yet"
    assert found["metadata"] == {"k": "v"} and found["updated_at"] is not None


async def test_show_has_cinder_fields(vol: Any) -> None:
    volume = await vol.available(name="shown")
    for key, value in {
        "availability_zone": "nova",
        "bootable": "false",
        "encrypted": False,
        "multiattach": False,
        "attachments": [],
        "snapshot_id": None,
        "source_volid": None,
        "user_id": vol.admin.user_id,
        "os-vol-tenant-attr:tenant_id": vol.admin.project_id,
        "consumes_quota": True,
        "shared_targets": False,
    }.items():
        assert volume[key] == value, key
    [self_link, bookmark] = volume["links"]
    assert self_link["href"] == (
        f"http://127.0.0.1:8080/volume/v3/{vol.admin.project_id}/volumes/{volume['id']}"
    )
    assert bookmark["rel"] == "bookmark"
    assert len(volume["created_at"]) == len("2018-11-29T06:50:07.770785")


async def test_fields_follow_the_microversion(vol: Any) -> None:
    made = await vol.available()
    old = (await vol.get(f"/v3/volumes/{made['id']}", version=None)).json()["volume"]
    assert "volume_type_id" not in old and "group_id" not in old
    new = (await vol.get(f"/v3/volumes/{made['id']}", version="3.63")).json()["volume"]
    assert new["volume_type_id"] and "consumes_quota" not in new


async def test_project_in_the_url_is_optional_and_must_be_the_tokens(vol: Any) -> None:
    made = await vol.available()
    with_project = await vol.get(f"/v3/{vol.admin.project_id}/volumes/{made['id']}")
    assert with_project.json()["volume"]["id"] == made["id"]
    vol.error(await vol.get(f"/v3/{'0' * 32}/volumes/{made['id']}"), 400, "Malformed")


async def test_list_and_detail(vol: Any) -> None:
    first = await vol.available(name="one", metadata={"tier": "gold"})
    second = await vol.available(name="two")

    listed = (await vol.get("/v3/volumes")).json()["volumes"]
    assert [v["id"] for v in listed] == [second["id"], first["id"]], "newest first"
    assert set(listed[0]) == {"id", "name", "links"}

    detail = (await vol.get("/v3/volumes/detail")).json()["volumes"]
    assert {v["status"] for v in detail} == {"available"}

    named = (await vol.get("/v3/volumes/detail", params={"name": "one"})).json()["volumes"]
    assert [v["id"] for v in named] == [first["id"]]
    gold = (await vol.get("/v3/volumes/detail", params={"metadata": "{'tier': 'gold'}"})).json()[
        "volumes"
    ]
    assert [v["id"] for v in gold] == [first["id"]]
    counted = (await vol.get("/v3/volumes", params={"with_count": "true"})).json()
    assert counted["count"] == 2


async def test_list_pages_with_limit_and_marker(vol: Any) -> None:
    ids = [(await vol.available(name=f"v{n}"))["id"] for n in range(3)]
    page = (await vol.get("/v3/volumes", params={"limit": 2})).json()
    assert [v["id"] for v in page["volumes"]] == ids[:0:-1]
    [link] = page["volumes_links"]
    assert link["rel"] == "next" and f"marker={ids[1]}" in link["href"]
    rest = (await vol.get("/v3/volumes", params={"limit": 2, "marker": ids[1]})).json()
    assert [v["id"] for v in rest["volumes"]] == [ids[0]]


async def test_update_name_description_metadata(vol: Any) -> None:
    made = await vol.available(name="old", metadata={"a": "1"})
    response = await vol.put(
        f"/v3/volumes/{made['id']}",
        json={"volume": {"name": " new ", "description": "d", "metadata": {"b": "2"}}},
    )
    assert response.status_code == 200, response.text
    updated = response.json()["volume"]
    assert (updated["name"], updated["description"], updated["metadata"]) == (
        "new",
        "d",
        {"b": "2"},
    )


async def test_metadata_merge_and_delete_key(vol: Any) -> None:
    made = await vol.available(metadata={"a": "1"})
    path = f"/v3/volumes/{made['id']}/metadata"
    merged = await vol.post(path, json={"metadata": {"b": "2"}})
    assert merged.json() == {"metadata": {"a": "1", "b": "2"}}
    assert (await vol.delete(f"{path}/a")).status_code == 200
    assert (await vol.get(path)).json() == {"metadata": {"b": "2"}}
    vol.error(await vol.delete(f"{path}/a"), 404)


async def test_delete_removes_the_volume_and_its_file(vol: Any) -> None:
    made = await vol.available()
    backing = vol.backing_file(made["id"])
    assert backing.exists()

    response = await vol.delete(
        f"/v3/volumes/{made['id']}", params={"cascade": "False", "force": "False"}
    )
    assert response.status_code == 202 and response.content == b""

    assert await vol.wait_for(made["id"], None) is None
    assert not backing.exists()
    assert (await vol.get("/v3/volumes")).json()["volumes"] == []


async def test_extend_grows_the_file(vol: Any) -> None:
    made = await vol.available()
    response = await vol.post(
        f"/v3/volumes/{made['id']}/action", json={"os-extend": {"new_size": 2}}
    )
    assert response.status_code == 202, response.text
    grown = await vol.wait_for(made["id"], "available")
    assert grown is not None and grown["size"] == 2
    assert vol.backing_file(made["id"]).stat().st_size == 2 * GIB
    vol.error(
        await vol.post(f"/v3/volumes/{made['id']}/action", json={"os-extend": {"new_size": 2}}),
        400,
        "greater than",
    )
