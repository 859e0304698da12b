"""Story: two projects and their images. A private image of one project does not exist for
the other (404); a shared one is offered to a member project, shows up in its list once it
accepts and leaves again when it rejects or is removed; public images need an admin;
community images are reachable by everyone but listed only when asked for."""

from __future__ import annotations

from typing import Any


async def test_private_images_are_invisible_to_other_projects(gl: Any) -> None:
    alice, bob = await gl.tenant(), await gl.tenant()
    private = await gl.create(alice.token, name="alice-private", visibility="private")
    gl.error(await gl.get(f"/v2/images/{private['id']}", token=bob.token), 404)
    for method in ("PATCH", "DELETE"):
        gl.error(
            await gl.request(
                method,
                f"/v2/images/{private['id']}",
                token=bob.token,
                json=[],
                headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
            ),
            404,
        )
    gl.error(await gl.upload(private["id"], b"x", token=bob.token), 404)
    gl.error(await gl.get(f"/v2/images/{private['id']}/file", token=bob.token), 404)
    gl.error(await gl.put(f"/v2/images/{private['id']}/tags/x", token=bob.token), 404)
    gl.error(await gl.get(f"/v2/images/{private['id']}/members", token=bob.token), 404)
    assert await gl.names(token=bob.token) == []
    assert await gl.names("?visibility=all", token=bob.token) == []
    assert await gl.names(token=alice.token) == ["alice-private"]
    assert await gl.names() == ["alice-private"]  # an admin sees every project's images
    assert (await gl.show(private["id"], token=alice.token))["owner"] == alice.project_id


async def test_a_shared_image_is_offered_accepted_rejected_and_withdrawn(gl: Any) -> None:
    alice, bob, carol = await gl.tenant(), await gl.tenant(), await gl.tenant()
    image = await gl.create(alice.token, name="golden")
    assert image["visibility"] == "shared"
    members = f"/v2/images/{image['id']}/members"
    gl.error(await gl.get(f"/v2/images/{image['id']}", token=bob.token), 404)

    offered = await gl.post(members, json={"member": bob.project_id}, token=alice.token)
    assert offered.status_code == 200, offered.text
    member = offered.json()
    assert member == {
        "image_id": image["id"],
        "member_id": bob.project_id,
        "status": "pending",
        "schema": "/v2/schemas/member",
        "created_at": member["created_at"],
        "updated_at": member["updated_at"],
    }
    await gl.post(members, json={"member": carol.project_id}, token=alice.token)
    # A pending member can look at the image but does not list it (member_status=accepted).
    assert (await gl.show(image["id"], token=bob.token))["name"] == "golden"
    assert await gl.names(token=bob.token) == []
    assert await gl.names("?member_status=pending", token=bob.token) == ["golden"]
    # The owner sees every member; a member sees only itself.
    listed = (await gl.get(members, token=alice.token)).json()
    assert listed["schema"] == "/v2/schemas/members"
    assert [m["member_id"] for m in listed["members"]] == [bob.project_id, carol.project_id]
    mine = (await gl.get(members, token=bob.token)).json()["members"]
    assert [m["member_id"] for m in mine] == [bob.project_id]
    assert (await gl.get(f"{members}/{bob.project_id}", token=bob.token)).status_code == 200
    gl.error(await gl.get(f"{members}/{carol.project_id}", token=bob.token), 404)
    # Only the member answers for itself.
    gl.error(
        await gl.put(f"{members}/{bob.project_id}", json={"status": "accepted"}, token=alice.token),
        403,
    )
    gl.error(
        await gl.put(f"{members}/{carol.project_id}", json={"status": "accepted"}, token=bob.token),
        403,
    )
    accepted = await gl.put(
        f"{members}/{bob.project_id}", json={"status": "accepted"}, token=bob.token
    )
    assert accepted.json()["status"] == "accepted"
    assert await gl.names(token=bob.token) == ["golden"]
    assert await gl.names("?visibility=shared", token=bob.token) == ["golden"]
    # Seeing is not owning: a member cannot change, share or delete the image.
    gl.error(
        await gl.patch(
            image["id"], [{"op": "replace", "path": "/name", "value": "x"}], token=bob.token
        ),
        403,
        "modify_image",
    )
    gl.error(await gl.delete(f"/v2/images/{image['id']}", token=bob.token), 403)
    gl.error(await gl.post(members, json={"member": "someone"}, token=bob.token), 403)
    gl.error(await gl.delete(f"{members}/{carol.project_id}", token=bob.token), 403)

    await gl.put(f"{members}/{bob.project_id}", json={"status": "rejected"}, token=bob.token)
    assert await gl.names(token=bob.token) == []
    assert await gl.names("?member_status=rejected", token=bob.token) == ["golden"]
    removed = await gl.delete(f"{members}/{bob.project_id}", token=alice.token)
    assert removed.status_code == 204
    gl.error(await gl.get(f"/v2/images/{image['id']}", token=bob.token), 404)
    assert await gl.names("?member_status=all", token=bob.token) == []


async def test_only_shared_images_have_members(gl: Any) -> None:
    alice, bob = await gl.tenant(), await gl.tenant()
    image = await gl.create(alice.token, name="p", visibility="private")
    members = f"/v2/images/{image['id']}/members"
    gl.error(
        await gl.post(members, json={"member": bob.project_id}, token=alice.token),
        403,
        "Not allowed to create members",
    )
    gl.error(await gl.get(members, token=alice.token), 403, "Only shared images have members")
    await gl.patch(
        image["id"],
        [{"op": "replace", "path": "/visibility", "value": "shared"}],
        token=alice.token,
    )
    await gl.post(members, json={"member": bob.project_id}, token=alice.token)
    await gl.put(f"{members}/{bob.project_id}", json={"status": "accepted"}, token=bob.token)
    assert await gl.names(token=bob.token) == ["p"]
    # Making it private again takes it away from its members, who keep their membership.
    await gl.patch(
        image["id"],
        [{"op": "replace", "path": "/visibility", "value": "private"}],
        token=alice.token,
    )
    gl.error(await gl.get(f"/v2/images/{image['id']}", token=bob.token), 404)
    gl.error(await gl.get(f"{members}/{bob.project_id}", token=alice.token), 404)


async def test_public_needs_an_admin_and_community_is_opt_in(gl: Any) -> None:
    alice, bob = await gl.tenant(), await gl.tenant()
    gl.error(
        await gl.post("/v2/images", json={"name": "x", "visibility": "public"}, token=alice.token),
        403,
        "publicize_image",
    )
    public = await gl.create(name="cirros", visibility="public")
    community = await gl.create(alice.token, name="alice-community", visibility="community")
    assert await gl.names(token=bob.token) == ["cirros"]
    assert await gl.names("?visibility=community", token=bob.token) == ["alice-community"]
    assert sorted(await gl.names("?visibility=all", token=bob.token)) == [
        "alice-community",
        "cirros",
    ]
    assert (await gl.show(community["id"], token=bob.token))["owner"] == alice.project_id
    gl.error(await gl.delete(f"/v2/images/{public['id']}", token=bob.token), 403)
    gl.error(
        await gl.patch(
            community["id"], [{"op": "add", "path": "/x", "value": "y"}], token=bob.token
        ),
        403,
    )
    assert sorted(await gl.names(token=alice.token)) == ["alice-community", "cirros"]


async def test_readers_read_and_members_write(gl: Any) -> None:
    alice = await gl.tenant()
    reader = await gl.tenant(role="reader")
    gl.error(await gl.post("/v2/images", json={"name": "x"}, token=reader.token), 403, "add_image")
    public = await gl.create(name="cirros", visibility="public")
    await gl.upload(public["id"], b"bits")
    assert await gl.names(token=reader.token) == ["cirros"]
    gl.error(
        await gl.get(f"/v2/images/{public['id']}/file", token=reader.token), 403, "download_image"
    )
    downloaded = await gl.get(f"/v2/images/{public['id']}/file", token=alice.token)
    assert downloaded.content == b"bits"
