"""Story: secrets stored in one step come back byte for byte, in the type they were stored as.

Text, opaque binary, a PEM bundle and a PKCS#12 bundle each round-trip through
``/payload`` with the ``Accept`` that matches; another ``Accept`` is 406. Metadata shows
``content_types`` and never the payload. Deleted secrets are gone.
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import pkcs12

if TYPE_CHECKING:
    from conftest import KeyManagerClient, TlsMaterial

METADATA_KEYS = {
    "secret_ref",
    "name",
    "secret_type",
    "algorithm",
    "bit_length",
    "mode",
    "expiration",
    "status",
    "created",
    "updated",
    "creator_id",
    "content_types",
}


async def test_text_secret_round_trip(km: KeyManagerClient) -> None:
    ref = await km.store(
        name="s1",
        payload="hello",
        payload_content_type="text/plain",
        algorithm="aes",
        bit_length=256,
        mode="cbc",
        secret_type="opaque",
    )
    assert ref.startswith(f"{km.base}/v1/secrets/")
    meta = (await km.get(km.path_of(ref))).json()
    assert set(meta) == METADATA_KEYS
    assert meta["secret_ref"] == ref and meta["name"] == "s1" and meta["status"] == "ACTIVE"
    assert meta["content_types"] == {"default": "text/plain"}
    assert (meta["algorithm"], meta["bit_length"], meta["mode"]) == ("aes", 256, "cbc")
    assert meta["secret_type"] == "opaque" and meta["expiration"] is None
    assert datetime.datetime.fromisoformat(meta["created"])
    assert "hello" not in str(meta)

    for accept in ("text/plain", "text/plain; charset=utf-8", "*/*", "application/json, */*"):
        response = await km.payload(ref, accept)
        assert response.status_code == 200, (accept, response.text)
        assert response.content == b"hello"
        assert response.headers["content-type"].startswith("text/plain")
        assert response.headers["cache-control"] == "no-store"
    no_accept = await km.client.get(
        f"/key-manager{km.path_of(ref)}/payload", headers={"X-Auth-Token": km.token, "Accept": ""}
    )
    assert no_accept.content == b"hello"
    for accept in ("application/octet-stream", "application/json", "text/plain; charset=latin-1"):
        km.error(await km.payload(ref, accept), 406, "not supported")


async def test_binary_secret_round_trip(km: KeyManagerClient) -> None:
    data = os.urandom(64) + b"\x00\xff\n "
    ref = await km.store_binary(data, name="key", secret_type="symmetric")
    meta = (await km.get(km.path_of(ref))).json()
    assert meta["content_types"] == {"default": "application/octet-stream"}
    assert meta["algorithm"] is None and meta["bit_length"] is None
    response = await km.payload(ref, "application/octet-stream")
    assert response.status_code == 200
    assert response.content == data  # binary payloads are not trimmed
    assert response.headers["content-type"] == "application/octet-stream"
    km.error(await km.payload(ref, "text/plain"), 406)


async def test_pem_bundle_round_trip(km: KeyManagerClient, tls: TlsMaterial) -> None:
    bundle = tls.cert_pem + tls.key_pem + tls.chain_pem
    ref = await km.store(
        payload=bundle.decode(),
        payload_content_type="application/x-pem-file",
        secret_type="certificate",
    )
    response = await km.payload(ref, "application/x-pem-file")
    assert response.status_code == 200
    assert response.content == bundle.strip()  # Barbican trims the strings of a JSON body
    assert response.headers["content-type"] == "application/x-pem-file"
    km.error(await km.payload(ref, "text/plain"), 406)


async def test_pkcs12_bundle_round_trip(km: KeyManagerClient, tls: TlsMaterial) -> None:
    ref = await km.store_binary(tls.p12, "application/pkcs12", name="tls")
    assert (await km.get(km.path_of(ref))).json()["content_types"] == {
        "default": "application/pkcs12"
    }
    response = await km.payload(ref, "application/pkcs12")
    assert response.content == tls.p12
    key, cert, chain = pkcs12.load_key_and_certificates(response.content, None)
    assert key is not None and cert is not None and len(chain) == 1
    # Octavia's way: the same bundle stored as opaque octets.
    ref = await km.store_binary(tls.p12)
    assert (await km.payload(ref, "application/octet-stream")).content == tls.p12


async def test_deprecated_payload_read_on_the_secret_itself(km: KeyManagerClient) -> None:
    ref = await km.store_text("legacy")
    response = await km.get(km.path_of(ref), headers={"Accept": "text/plain"})
    assert response.status_code == 200 and response.content == b"legacy"
    assert (await km.get(km.path_of(ref), headers={"Accept": "application/json"})).json()[
        "secret_ref"
    ] == ref
    km.error(await km.get(km.path_of(ref), headers={"Accept": "application/pkcs8"}), 406)


async def test_expiration_in_the_future_is_kept(km: KeyManagerClient) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    ref = await km.store_text(expiration=later.isoformat())
    meta = (await km.get(km.path_of(ref))).json()
    assert meta["expiration"] == later.replace(tzinfo=None).isoformat()


async def test_delete_makes_the_secret_gone(km: KeyManagerClient) -> None:
    ref = await km.store_text("bye")
    assert (await km.delete(km.path_of(ref))).status_code == 204
    km.error(await km.get(km.path_of(ref)), 404, "another castle")
    km.error(await km.payload(ref, "text/plain"), 404)
    km.error(await km.delete(km.path_of(ref)), 404)
    km.error(await km.get("/v1/secrets/not-a-uuid"), 404)
