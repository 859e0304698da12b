"""Story: every bad request answers Barbican's status in its error shape and writes nothing.

Each refused ``POST`` is followed by the proof that no secret or container was stored.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import KeyManagerClient

_PAST = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)).isoformat()
_TEXT = {"payload_content_type": "text/plain"}
_B64 = {"payload_content_type": "application/octet-stream", "payload_content_encoding": "base64"}

BAD_SECRETS: list[tuple[Any, int, str]] = [
    ([], 400, "does not match schema 'Secret'"),
    ("just a string", 400, "does not match schema"),
    ({"name": 7}, 400, "does not match schema"),
    ({"name": "n" * 256}, 400, "does not match schema"),
    ({"bit_length": 0}, 400, "does not match schema"),
    ({"bit_length": "256"}, 400, "does not match schema"),
    ({"bit_length": 40000}, 400, "does not match schema"),
    ({"secret_type": "password"}, 400, "does not match schema"),
    ({"payload": 12, **_TEXT}, 400, "does not match schema"),
    (
        {"payload": "x", "payload_content_type": "text/plain", "payload_content_encoding": "gzip"},
        400,
        "does not match schema",
    ),
    ({"payload": "x"}, 400, "'payload_content_type' must also be supplied"),
    (
        {"payload": "x", "payload_content_type": "text/html"},
        400,
        "payload_content_type is not one of",
    ),
    (
        {"payload": "x", "payload_content_type": "text/plain; charset=latin-1"},
        400,
        "payload_content_type is not one of",
    ),
    (
        {
            "payload": "x",
            "payload_content_type": "text/plain",
            "payload_content_encoding": "base64",
        },
        400,
        "payload_content_encoding is not one of",
    ),
    (
        {"payload": "AAAA", "payload_content_type": "application/octet-stream"},
        400,
        "payload_content_encoding is not one of",
    ),
    ({"payload": "   ", **_TEXT}, 400, "must be non empty"),
    ({"payload": "not base64!", **_B64}, 400, "Invalid payload for payload_content_encoding"),
    ({"payload": "x" * 20001, **_TEXT}, 413, "Request Entity Too Large"),
    ({"payload_content_type": "text/plain"}, 400, "payload must be provided"),
    ({"expiration": "next tuesday"}, 400, "Invalid date for 'expiration'"),
    ({"expiration": _PAST}, 400, "'expiration' is before current time"),
    ({"transport_key_needed": "true"}, 400, "Transport keys are not supported"),
]


async def test_bad_secrets_are_refused(km: KeyManagerClient) -> None:
    for body, status, words in BAD_SECRETS:
        response = await km.post("/v1/secrets", json=body)
        assert response.status_code == status, (body, response.text)
        km.error(response, status, words)
        assert (await km.get("/v1/secrets")).json() == {"secrets": [], "total": 0}, body


async def test_bodies_that_are_not_json(km: KeyManagerClient) -> None:
    km.error(
        await km.post(
            "/v1/secrets", content=b"{nope", headers={"Content-Type": "application/json"}
        ),
        400,
        "Malformed JSON",
    )
    km.error(await km.post("/v1/secrets", content=b""), 400, "Malformed JSON")
    km.error(
        await km.post(
            "/v1/secrets",
            content=b"payload=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
        "Expected content types are: ['application/json']",
    )
    km.error(
        await km.post("/v1/containers", content=b"{}", headers={"Content-Type": "text/plain"}), 415
    )
    big = b'{"payload": "' + b"x" * 200000 + b'"}'
    km.error(
        await km.post("/v1/secrets", content=big, headers={"Content-Type": "application/json"}), 413
    )
    assert (await km.get("/v1/secrets")).json()["total"] == 0


BAD_CONTAINERS: list[tuple[Any, int, str]] = [
    ({}, 400, "does not match schema 'Container'"),
    ({"type": "bundle"}, 400, "does not match schema"),
    ({"type": "generic", "name": ["x"]}, 400, "does not match schema"),
    ({"type": "generic", "secret_refs": {"a": "b"}}, 400, "does not match schema"),
    ({"type": "generic", "secret_refs": [{"name": "a"}]}, 400, "does not match schema"),
    ({"type": "generic", "secret_refs": [{"secret_ref": ""}]}, 400, "does not match schema"),
    (
        {"type": "generic", "secret_refs": [{"secret_ref": "/v1/secrets/x"}]},
        400,
        "configured hostname",
    ),
    (
        {
            "type": "generic",
            "secret_refs": [
                {
                    "secret_ref": "http://127.0.0.1:8080/key-manager/v1/secrets/"
                    "00000000-0000-0000-0000-000000000000"
                }
            ],
        },
        404,
        "doesn't exist",
    ),
]


async def test_bad_containers_are_refused(km: KeyManagerClient) -> None:
    for body, status, words in BAD_CONTAINERS:
        response = await km.post("/v1/containers", json=body)
        assert response.status_code == status, (body, response.text)
        km.error(response, status, words)
        assert (await km.get("/v1/containers")).json() == {"containers": [], "total": 0}, body


async def test_unknown_ids(km: KeyManagerClient) -> None:
    for path in (
        "/v1/secrets/00000000-0000-0000-0000-000000000000",
        "/v1/secrets/00000000-0000-0000-0000-000000000000/payload",
        "/v1/containers/00000000-0000-0000-0000-000000000000",
        "/v1/containers/x",
    ):
        km.error(await km.get(path), 404, "another castle")
        if not path.endswith("payload"):
            km.error(await km.delete(path), 404)
