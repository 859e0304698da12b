"""A cloud that dies in the middle of an image upload settles it on restart: the image is
``killed`` (as a truncated upload), with no data and no partial file left behind."""

from __future__ import annotations

from pathlib import Path

import httpx
import sqlalchemy as sa
from tests.conftest import cloud_settings

from pocketstack.allinone import open_cloud

BASE = "http://127.0.0.1:8080"


async def _token(http: httpx.AsyncClient, password: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    return (await http.post("/identity/v3/auth/tokens", json=body)).headers["x-subject-token"]


async def test_upload_interrupted_by_a_crash_ends_killed(tmp_path: Path) -> None:
    settings = cloud_settings(tmp_path, overrides={"identity": {"password_hash_rounds": 4}})
    images = tmp_path / "images"
    async with open_cloud(settings) as cloud:
        async with httpx.AsyncClient(
            base_url=BASE, transport=httpx.ASGITransport(app=cloud.dispatch)
        ) as http:
            headers = {"X-Auth-Token": await _token(http, cloud.admin_password)}
            created = await http.post(
                "/image/v2/images",
                headers=headers,
                json={"name": "half", "disk_format": "raw", "container_format": "bare"},
            )
            assert created.status_code == 201, created.text
            image_id = created.json()["id"]
        # What a crash mid-upload leaves: the row 'saving', a partial file, maybe a final one.
        engine = cloud.databases.engine("image")
        async with engine.begin() as conn:
            await conn.execute(
                sa.text("UPDATE images SET status = 'saving' WHERE id = :id"), {"id": image_id}
            )
    images.mkdir(exist_ok=True)
    (images / f".{image_id}.0123.partial").write_bytes(b"x" * 1000)
    (images / image_id).write_bytes(b"y" * 10)

    async with (
        open_cloud(settings) as cloud,
        httpx.AsyncClient(base_url=BASE, transport=httpx.ASGITransport(app=cloud.dispatch)) as http,
    ):
        headers = {"X-Auth-Token": await _token(http, cloud.admin_password)}
        shown = (await http.get(f"/image/v2/images/{image_id}", headers=headers)).json()
        assert shown["status"] == "killed"
        assert shown["size"] is None and shown["checksum"] is None
        data = await http.get(f"/image/v2/images/{image_id}/file", headers=headers)
        assert data.status_code == 204  # nothing half-visible
    assert list(images.iterdir()) == []
