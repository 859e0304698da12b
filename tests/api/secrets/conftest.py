"""Key manager API stories: a fresh all-in-one cloud, driven in process over HTTP.

``km`` is a :class:`KeyManagerClient`: requests go to ``/key-manager`` with the admin's
project-scoped token (``token=`` for another caller, ``""`` for none); ``km.user(...)``
makes a user with a role on a new project and returns their token, for isolation stories.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from tests.api.accounts import new_user
from tests.api.verbs import Verbs
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud

BASE_URL = "http://127.0.0.1:8080"
KEY_MANAGER = f"{BASE_URL}/key-manager"


def path_of(ref: str) -> str:
    """``/v1/secrets/<id>`` from a full ref."""
    assert ref.startswith(KEY_MANAGER + "/v1/"), ref
    return ref[len(KEY_MANAGER) :]


class KeyManagerClient(Verbs):
    def __init__(self, cloud: Cloud, client: httpx.AsyncClient, token: str) -> None:
        self.cloud = cloud
        self.client = client
        self.token = token

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        sent = {**(headers or {})}
        token = self.token if token is None else token
        if token:
            sent["X-Auth-Token"] = token
        return await self.client.request(method, "/key-manager" + path, headers=sent, **kw)

    # -- shortcuts -------------------------------------------------------------------------

    async def store(self, token: str | None = None, **body: Any) -> str:
        """POST /v1/secrets; the new secret's ref."""
        response = await self.post("/v1/secrets", json=body, token=token)
        assert response.status_code == 201, response.text
        ref: str = response.json()["secret_ref"]
        assert response.headers["location"] == ref
        return ref

    async def store_text(self, payload: str = "hello", **body: Any) -> str:
        return await self.store(payload=payload, payload_content_type="text/plain", **body)

    async def store_binary(
        self, data: bytes, content_type: str = "application/octet-stream", **body: Any
    ) -> str:
        return await self.store(
            payload=base64.b64encode(data).decode(),
            payload_content_type=content_type,
            payload_content_encoding="base64",
            **body,
        )

    async def payload(self, ref: str, accept: str, token: str | None = None) -> httpx.Response:
        return await self.get(path_of(ref) + "/payload", headers={"Accept": accept}, token=token)

    base = KEY_MANAGER
    path_of = staticmethod(path_of)

    async def user(self, role: str = "member", project_id: str | None = None) -> str:
        """A new user with ``role`` on ``project_id`` (a new project when None); their token."""
        user_id, project_id = await new_user(self.client, self.token, role, project_id)
        issued = await self.client.post(
            "/identity/v3/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {"user": {"id": user_id, "password": "pw"}},
                    },
                    "scope": {"project": {"id": project_id}},
                }
            },
        )
        assert issued.status_code == 201, issued.text
        return issued.headers["x-subject-token"]

    @staticmethod
    def error(response: httpx.Response, status: int, contains: str = "") -> dict[str, Any]:
        """Barbican's error body ``{"code", "title", "description"}``."""
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        assert body["code"] == status
        assert body["title"] == httpx.codes.get_reason_phrase(status)
        assert contains in body["description"], body
        assert response.headers["x-openstack-request-id"].startswith("req-")
        return body


@dataclasses.dataclass(frozen=True)
class TlsMaterial:
    """A CA, a server certificate it signed, the server key: as PEM and as PKCS#12."""

    cert_pem: bytes
    key_pem: bytes
    chain_pem: bytes
    p12: bytes


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    signer: ec.EllipticCurvePrivateKey,
    ca: bool,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )


@pytest.fixture(scope="session")
def tls() -> TlsMaterial:
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Test CA", ca_key, "Test CA", ca_key, True)
    cert = _certificate("www.example.com", key, "Test CA", ca_key, False)
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"www", key, cert, [ca], serialization.NoEncryption()
    )
    return TlsMaterial(cert.public_bytes(pem), key_pem, ca.public_bytes(pem), p12)


KeyManagerFactory = Callable[..., AbstractAsyncContextManager[KeyManagerClient]]


@pytest.fixture
def open_km(tmp_path: Path) -> KeyManagerFactory:
    """Open the cloud of this test's data dir (again, to restart it); ``api={...}`` overrides."""

    @asynccontextmanager
    async def opened(**api: Any) -> AsyncIterator[KeyManagerClient]:
        settings = cloud_settings(tmp_path, overrides={
            "identity": {"password_hash_rounds": 4},
            "api": {"log_requests": False, **api},
        })
        async with open_cloud(settings) as cloud:
            transport = httpx.ASGITransport(app=cloud.dispatch)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                body = {
                    "auth": {
                        "identity": {
                            "methods": ["password"],
                            "password": {
                                "user": {
                                    "name": "admin",
                                    "domain": {"id": "default"},
                                    "password": cloud.admin_password,
                                }
                            },
                        },
                        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
                    }
                }
                issued = await client.post("/identity/v3/auth/tokens", json=body)
                assert issued.status_code == 201, issued.text
                yield KeyManagerClient(cloud, client, issued.headers["x-subject-token"])

    return opened


@pytest.fixture
async def km(open_km: KeyManagerFactory) -> AsyncIterator[KeyManagerClient]:
    async with open_km() as client:
        yield client
