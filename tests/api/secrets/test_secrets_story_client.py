"""Story: another service reads TLS material through ``secrets.client`` by reference, with
its service token across projects; a user's token reaches only that user's project."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from pocketstack.common.client import ServiceError, StaticToken
from pocketstack.secrets.client import KeyManagerClient as Client
from pocketstack.secrets.client import ref_id

if TYPE_CHECKING:
    from conftest import KeyManagerClient, TlsMaterial


def _client(km: KeyManagerClient, token: str) -> Client:
    return Client(
        km.base, tokens=StaticToken(token), transport=httpx.ASGITransport(app=km.cloud.dispatch)
    )


async def test_the_load_balancer_reads_a_users_certificate(
    km: KeyManagerClient, tls: TlsMaterial
) -> None:
    owner = await km.user("member")
    p12 = await km.store_binary(tls.p12, "application/pkcs12", token=owner)
    cert = await km.store(
        token=owner, payload=tls.cert_pem.decode(), payload_content_type="application/x-pem-file"
    )
    made = await km.post(
        "/v1/containers",
        token=owner,
        json={"type": "certificate", "secret_refs": [{"name": "certificate", "secret_ref": cert}]},
    )
    container = made.json()["container_ref"]

    async with _client(km, await km.user("service")) as service:
        assert await service.payload(p12) == (tls.p12, "application/pkcs12")
        refs = await service.container(container)
        assert refs.type == "certificate" and refs.secrets == {"certificate": cert}
        data, media = await service.payload(refs.secrets["certificate"])
        assert (data, media) == (tls.cert_pem.strip(), "application/x-pem-file")
    async with _client(km, await km.user("member")) as stranger:
        with pytest.raises(ServiceError) as refused:
            await stranger.payload(p12)
        assert refused.value.status == 404


def test_refs_name_their_kind() -> None:
    sid = "0f3c2a4e-8f57-4a36-9d61-3a1d4b8b6a10"
    assert ref_id(f"https://km:9311/v1/secrets/{sid}", "secrets") == sid
    assert ref_id(sid, "secrets") == sid
    for bad in (f"https://km/v1/containers/{sid}", "https://km/v1/secrets/nope"):
        with pytest.raises(ValueError):
            ref_id(bad, "secrets")
