"""Story: a metadata-only secret, then its payload with ``PUT`` (Barbican's two-step upload).

Until the payload arrives the secret has no ``content_types`` and no payload (404). The
``PUT`` is typed by ``Content-Type`` (``Content-Encoding: base64`` for encoded binary) and
succeeds once: a second one is 409. Bad uploads change nothing.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import KeyManagerClient, TlsMaterial


async def test_text_in_two_steps(km: KeyManagerClient) -> None:
    ref = await km.store(name="later", secret_type="passphrase")
    path = km.path_of(ref)
    meta = (await km.get(path)).json()
    assert "content_types" not in meta and meta["status"] == "ACTIVE"
    km.error(await km.payload(ref, "text/plain"), 404, "payload is in another castle")

    put = await km.put(path, content=b"s3cret words", headers={"Content-Type": "text/plain"})
    assert put.status_code == 204, put.text
    assert (await km.get(path)).json()["content_types"] == {"default": "text/plain"}
    assert (await km.payload(ref, "text/plain")).content == b"s3cret words"

    again = await km.put(path, content=b"other", headers={"Content-Type": "text/plain"})
    km.error(again, 409, "already has data")
    assert (await km.payload(ref, "text/plain")).content == b"s3cret words"


async def test_binary_in_two_steps_raw_and_base64(km: KeyManagerClient, tls: TlsMaterial) -> None:
    raw = os.urandom(48)
    ref = await km.store(name="raw")
    put = await km.put(
        km.path_of(ref), content=raw, headers={"Content-Type": "application/octet-stream"}
    )
    assert put.status_code == 204
    assert (await km.payload(ref, "application/octet-stream")).content == raw

    ref = await km.store(name="p12")
    put = await km.put(
        km.path_of(ref),
        content=base64.b64encode(tls.p12),
        headers={"Content-Type": "application/pkcs12", "Content-Encoding": "base64"},
    )
    assert put.status_code == 204
    assert (await km.payload(ref, "application/pkcs12")).content == tls.p12


async def test_bad_uploads_change_nothing(km: KeyManagerClient) -> None:
    ref = await km.store(name="empty")
    path = km.path_of(ref)
    for headers in ({"Content-Type": "application/json"}, {"Content-Type": "image/png"}, {}):
        km.error(await km.put(path, content=b"x", headers=headers), 415, "not supported")
    km.error(
        await km.put(path, content=b"", headers={"Content-Type": "text/plain"}),
        400,
        "No data supplied",
    )
    km.error(
        await km.put(path, content=b"\xff\xfe", headers={"Content-Type": "text/plain"}),
        400,
        "UTF-8",
    )
    km.error(
        await km.put(
            path,
            content=b"!!not base64!!",
            headers={"Content-Type": "application/octet-stream", "Content-Encoding": "base64"},
        ),
        400,
        "Invalid payload",
    )
    km.error(
        await km.put(path, content=b"a" * 20001, headers={"Content-Type": "text/plain"}),
        413,
        "Too Large",
    )
    assert "content_types" not in (await km.get(path)).json()
    km.error(await km.payload(ref, "text/plain"), 404)
    put = await km.put(
        "/v1/secrets/00000000-0000-0000-0000-000000000000",
        content=b"x",
        headers={"Content-Type": "text/plain"},
    )
    km.error(put, 404, "secret is in another castle")
