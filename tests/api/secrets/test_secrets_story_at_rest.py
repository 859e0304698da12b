"""Story: payloads are encrypted at rest with a key of the data dir, and never leak.

The key-encryption key is created on the first start (0600 in a 0700 directory) and
reused by the next; the database holds no plaintext; a payload sealed for one secret does
not open as another's; another key opens nothing (a 500 that says nothing of the payload);
no log line carries a payload.
"""

from __future__ import annotations

import base64
import logging
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

if TYPE_CHECKING:
    from conftest import KeyManagerClient, KeyManagerFactory

TEXT = "plaintext-4f1c9a-never-on-disk"
BINARY = b"\x00binary-8d2e77-never-on-disk\xff"


async def test_key_file_and_database_hold_no_plaintext(km: KeyManagerClient) -> None:
    kek = km.cloud.settings.data_dir / "secrets" / "kek"
    assert stat.S_IMODE(kek.stat().st_mode) == 0o600
    assert stat.S_IMODE(kek.parent.stat().st_mode) == 0o700
    assert len(base64.urlsafe_b64decode(kek.read_text().strip())) == 32

    text_ref = await km.store_text(TEXT)
    binary_ref = await km.store_binary(BINARY)
    engine = km.cloud.databases.engine("secrets")
    async with engine.connect() as conn:
        rows = [
            tuple(row)
            for table in ("secrets", "secret_payloads")
            for row in await conn.execute(sa.text(f"SELECT * FROM {table}"))
        ]
    dump = repr(rows).encode()
    assert len(rows) == 4
    for needle in (TEXT.encode(), BINARY, base64.b64encode(BINARY)):
        assert needle not in dump
        for path in (km.cloud.settings.data_dir / "db").iterdir():
            assert needle not in path.read_bytes(), path
    assert (await km.payload(text_ref, "text/plain")).text == TEXT
    assert (await km.payload(binary_ref, "application/octet-stream")).content == BINARY


async def test_the_key_survives_a_restart(open_km: KeyManagerFactory, tmp_path: Path) -> None:
    async with open_km() as km:
        ref = await km.store_text(TEXT)
    key = (tmp_path / "secrets" / "kek").read_bytes()
    async with open_km() as km:
        assert (tmp_path / "secrets" / "kek").read_bytes() == key
        assert (await km.payload(ref, "text/plain")).text == TEXT


async def test_sealed_payloads_are_bound_to_their_secret(km: KeyManagerClient) -> None:
    first, second = await km.store_text("first"), await km.store_text("second")
    engine = km.cloud.databases.engine("secrets")
    async with engine.begin() as conn:  # someone with the database swaps two payloads
        await conn.execute(
            sa.text(
                "UPDATE secret_payloads SET ciphertext = (SELECT ciphertext FROM secret_payloads "
                "WHERE secret_id = :other), wrapped_key = (SELECT wrapped_key FROM "
                "secret_payloads WHERE secret_id = :other) WHERE secret_id = :id"
            ),
            {"id": first.rsplit("/", 1)[1], "other": second.rsplit("/", 1)[1]},
        )
    response = await km.payload(first, "text/plain")
    km.error(response, 500, "please contact site administrator")
    assert "second" not in response.text


async def test_another_key_opens_nothing(open_km: KeyManagerFactory, tmp_path: Path) -> None:
    async with open_km() as km:
        ref = await km.store_text(TEXT)
    (tmp_path / "secrets" / "kek").write_text(base64.urlsafe_b64encode(b"k" * 32).decode())
    async with open_km() as km:
        response = await km.payload(ref, "text/plain")
        km.error(response, 500)
        assert TEXT not in response.text


async def test_no_log_line_carries_a_payload(
    open_km: KeyManagerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with open_km(log_requests=True) as km:
        ref = await km.store_text(TEXT)
        await km.store_binary(BINARY)
        await km.payload(ref, "text/plain")
        await km.payload(ref, "application/pkcs12")  # a refused read
        await km.post("/v1/secrets", json={"payload": TEXT})  # a refused store
        later = await km.store(name="later")
        await km.put(
            km.path_of(later), content=TEXT.encode(), headers={"Content-Type": "text/plain"}
        )
    assert "/key-manager/v1/secrets" in caplog.text  # the access log did run
    for needle in (TEXT, base64.b64encode(BINARY).decode()):
        assert needle not in caplog.text
