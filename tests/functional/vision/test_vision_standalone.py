"""The face service running alone (``pocketstack serve face``): its own database, tokens
validated through identity's API, a gallery made and identified against."""

from __future__ import annotations

from pathlib import Path

import httpx
from tests.conftest import cloud_settings
from tests.vision_data import identities

from pocketstack.allinone import open_cloud
from pocketstack.standalone import open_standalone, service_names

BASE = "http://127.0.0.1:8080"


async def test_face_alone_asks_identity(tmp_path: Path) -> None:
    assert "face" in service_names()
    portrait = next(iter(identities().values()))[0].read_bytes()
    settings = cloud_settings(tmp_path / "cloud",
                              overrides={"identity": {"password_hash_rounds": 4}})
    async with open_cloud(settings) as cloud:
        to_identity = httpx.ASGITransport(app=cloud.dispatch)
        alone = cloud_settings(tmp_path / "alone", overrides={"auth": {
            "identity_url": f"{BASE}/identity", "password": cloud.admin_password,
            "token_cache_time": 0}})
        async with open_standalone(alone, "face", identity_transport=to_identity) as svc, \
                httpx.AsyncClient(base_url=BASE, transport=to_identity) as identity, \
                httpx.AsyncClient(base_url=BASE + "/face", timeout=60,
                                  transport=httpx.ASGITransport(app=svc.dispatch)) as http:
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"},
                "password": cloud.admin_password}}},
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
            token = (await identity.post("/identity/v3/auth/tokens", json=body)
                     ).headers["x-subject-token"]
            headers = {"X-Auth-Token": token}
            made = await http.post("/v1/galleries", headers=headers,
                                   json={"gallery": {"name": "alone"}})
            assert made.status_code == 201, made.text
            gid = made.json()["gallery"]["id"]
            person = (await http.post(f"/v1/galleries/{gid}/persons", headers=headers,
                                      json={"person": {"name": "P"}})).json()["person"]
            enrolled = await http.post(
                f"/v1/galleries/{gid}/persons/{person['id']}/faces", headers=headers,
                content=portrait)
            assert enrolled.status_code == 415  # a raw body needs an image media type
            enrolled = await http.post(
                f"/v1/galleries/{gid}/persons/{person['id']}/faces",
                headers={**headers, "Content-Type": "image/jpeg"}, content=portrait)
            assert enrolled.status_code == 201, enrolled.text
            found = await http.post(f"/v1/galleries/{gid}/identify", content=portrait,
                                    headers={**headers, "Content-Type": "image/jpeg"})
            assert found.json()["faces"][0]["person"]["person_id"] == person["id"]
            bad = await http.get("/v1/galleries", headers={"X-Auth-Token": token[:-4] + "AAAA"})
            assert bad.status_code == 401 and bad.json()["error"]["status"] == 401
    assert (tmp_path / "alone" / "db" / "vision.sqlite").is_file()
