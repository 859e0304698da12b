"""The real ``openstack`` CLI against a running ``pocketstack up``: images.

OSC's image commands go through openstacksdk's image proxy: discovery of ``/image`` (300 with
the version list), then ``/image/v2/...``. ``image create --file`` posts the image and PUTs
the file (``Content-Length`` set, ``application/octet-stream``); ``image save`` streams it back
and checks it against ``Content-MD5``; ``image set`` sends a JSON patch; ``image add project``
offers a shared image to another project, whose user accepts it with ``image set --accept``.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e


def _admin_token(cloud: RunningCloud) -> str:
    admin = cloud.openrc_env()
    user = {
        "name": admin["OS_USERNAME"],
        "domain": {"id": "default"},
        "password": admin["OS_PASSWORD"],
    }
    scope = {"project": {"name": admin["OS_PROJECT_NAME"], "domain": {"id": "default"}}}
    issued = httpx.post(
        f"{cloud.identity_url}/v3/auth/tokens",
        timeout=30,
        json={
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": scope,
            }
        },
    )
    assert issued.status_code == 201, issued.text
    return issued.headers["X-Subject-Token"]


def _other_project(cloud: RunningCloud) -> tuple[str, dict[str, str]]:
    """A project with a member user (made through the identity API, to spare CLI calls);
    the project id and the CLI environment of that user."""
    suffix = uuid.uuid4().hex[:8]
    with httpx.Client(base_url=f"{cloud.identity_url}/v3", timeout=30) as identity:
        identity.headers["X-Auth-Token"] = _admin_token(cloud)
        project = identity.post(
            "/projects", json={"project": {"name": f"img-{suffix}", "domain_id": "default"}}
        ).json()["project"]["id"]
        user = identity.post(
            "/users",
            json={"user": {"name": f"u-{suffix}", "password": "pw", "domain_id": "default"}},
        ).json()["user"]
        [role] = identity.get("/roles", params={"name": "member"}).json()["roles"]
        granted = identity.put(f"/projects/{project}/users/{user['id']}/roles/{role['id']}")
        assert granted.status_code == 204, granted.text
    env = cloud.openrc_env(
        OS_USERNAME=f"u-{suffix}", OS_PASSWORD="pw", OS_PROJECT_NAME=f"img-{suffix}"
    )
    return project, env


def test_image_create_list_show_save_set_share_delete(cloud: RunningCloud, tmp_path: Path) -> None:
    name = f"img-{uuid.uuid4().hex[:8]}"
    data = os.urandom(3 * 1024 * 1024 + 17)
    source = tmp_path / "disk.raw"
    source.write_bytes(data)
    made = cloud.cli_json(
        "image",
        "create",
        "--file",
        str(source),
        "--disk-format",
        "raw",
        "--container-format",
        "bare",
        name,
    )
    assert (made["name"], made["status"], made["size"]) == (name, "active", len(data))
    assert made["checksum"] == hashlib.md5(data).hexdigest()
    assert made["properties"]["os_hash_algo"] == "sha512"
    assert made["properties"]["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert made["visibility"] == "shared"

    listed = cloud.cli_json("image", "list")
    assert {"ID": made["id"], "Name": name, "Status": "active"} in listed

    saved = tmp_path / "saved.raw"
    cloud.cli("image", "save", "--file", str(saved), name)
    assert saved.read_bytes() == data

    renamed = f"{name}-v2"
    cloud.cli("image", "set", "--property", "hw_disk_bus=virtio", "--name", renamed, name)
    shown = cloud.cli_json("image", "show", renamed)
    assert shown["id"] == made["id"] and shown["name"] == renamed
    assert shown["properties"]["hw_disk_bus"] == "virtio" and shown["disk_format"] == "raw"

    project, as_member = _other_project(cloud)
    assert made["id"] not in {i["ID"] for i in cloud.cli_json("image", "list", env=as_member)}
    member = cloud.cli_json("image", "add", "project", renamed, project)
    assert (member["image_id"], member["member_id"], member["status"]) == (
        made["id"],
        project,
        "pending",
    )
    cloud.cli("image", "set", "--accept", made["id"], env=as_member)
    assert made["id"] in {i["ID"] for i in cloud.cli_json("image", "list", env=as_member)}
    refused = cloud.cli_fails("image", "delete", made["id"], env=as_member)
    assert "403" in refused

    cloud.cli("image", "delete", renamed)
    gone = cloud.cli_fails("image", "show", made["id"])
    assert "No Image found" in gone or "404" in gone
    assert not (cloud.data_dir / "images" / made["id"]).exists()


def test_a_client_that_hangs_up_mid_upload_leaves_a_killed_image(cloud: RunningCloud) -> None:
    token = _admin_token(cloud)
    images = f"{cloud.base_url}/image/v2/images"
    made = httpx.post(
        images,
        headers={"X-Auth-Token": token},
        timeout=30,
        json={"name": "hang-up", "disk_format": "raw", "container_format": "bare"},
    )
    image_id = made.json()["id"]
    head = (
        f"PUT /image/v2/images/{image_id}/file HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Auth-Token: {token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {10 << 20}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", cloud.port), timeout=30) as sock:
        sock.sendall(head.encode() + b"x" * (1 << 20))
    deadline = time.monotonic() + 15
    while True:
        shown = httpx.get(f"{images}/{image_id}", headers={"X-Auth-Token": token}, timeout=30)
        if shown.json()["status"] == "killed" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert shown.json()["status"] == "killed", shown.json()
    left = [p.name for p in (cloud.data_dir / "images").glob(f"*{image_id}*")]
    assert left == []
