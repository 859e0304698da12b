"""Story: secrets stay secret — never in logs, never in responses, files mode 0600."""

from __future__ import annotations

import logging
import stat
from typing import Any

import pytest


async def test_passwords_and_secrets_are_never_logged_nor_returned(
    ks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = await ks.user("carol", password="carol-s3cret-pw")
    assert "password" not in user and "password_hash" not in user
    project = await ks.project("vault")
    await ks.grant(project["id"], user["id"])
    token = await ks.token_for(
        "carol-s3cret-pw", name="carol", scope={"project": {"id": project["id"]}}
    )
    created = await ks.post(
        f"/v3/users/{user['id']}/application_credentials",
        token=token,
        json={"application_credential": {"name": "c1", "secret": "app-s3cret"}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["application_credential"]["secret"] == "app-s3cret"
    listed = await ks.get(f"/v3/users/{user['id']}/application_credentials", token=token)
    assert "secret" not in listed.json()["application_credentials"][0]
    assert "secret_hash" not in listed.json()["application_credentials"][0]
    bad = await ks.issue(ks.password_auth("wrong-pw-value", name="carol"))
    assert bad.status_code == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the request log did run
    for secret in (
        "carol-s3cret-pw",
        "app-s3cret",
        "wrong-pw-value",
        token,
        ks.cloud.admin_password,
    ):
        assert secret not in logged


async def test_keys_and_client_files_are_private(ks: Any) -> None:
    data = ks.cloud.settings.data_dir
    keys = ks.cloud.settings.keys_dir
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    key_files = [p for p in keys.iterdir() if p.name.isdigit()]
    assert len(key_files) >= 2
    for path in [*key_files, data / "clouds.yaml", data / "openrc", data / "admin-password"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
