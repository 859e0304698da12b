"""Story: a project's secrets listed oldest first, paged by ``offset``/``limit`` with
``total``, ``next`` and ``previous``, filtered by name, type, algorithm, mode and bits.
Payloads are never listed; expired secrets are neither listed nor found."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

if TYPE_CHECKING:
    from conftest import KeyManagerClient


def _query(link: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(link).query)


async def test_paging(km: KeyManagerClient) -> None:
    refs = [await km.store_text(f"payload-{i}", name=f"s{i}") for i in range(5)]
    first = (await km.get("/v1/secrets", params={"limit": 2})).json()
    assert [s["secret_ref"] for s in first["secrets"]] == refs[:2]
    assert first["total"] == 5 and "previous" not in first
    assert first["next"].startswith(f"{km.base}/v1/secrets?")
    assert _query(first["next"]) == {"limit": ["2"], "offset": ["2"]}
    assert "payload-0" not in str(first)

    middle = (await km.get("/v1/secrets", params={"limit": 2, "offset": 2})).json()
    assert [s["secret_ref"] for s in middle["secrets"]] == refs[2:4]
    assert _query(middle["previous"]) == {"limit": ["2"], "offset": ["0"]}
    assert _query(middle["next"]) == {"limit": ["2"], "offset": ["4"]}

    last = (await km.get("/v1/secrets", params={"limit": 2, "offset": 4})).json()
    assert [s["secret_ref"] for s in last["secrets"]] == refs[4:]
    assert "next" not in last

    beyond = (await km.get("/v1/secrets", params={"offset": 50})).json()
    assert beyond == {"secrets": [], "total": 5}

    # Barbican cleans paging values instead of refusing them.
    default = (await km.get("/v1/secrets", params={"limit": "many", "offset": "-3"})).json()
    assert len(default["secrets"]) == 5
    one = (await km.get("/v1/secrets", params={"limit": 0})).json()
    assert len(one["secrets"]) == 1 and one["total"] == 5  # the client's total() call
    capped = (await km.get("/v1/secrets", params={"limit": 1000})).json()
    assert len(capped["secrets"]) == 5


async def test_filters(km: KeyManagerClient) -> None:
    await km.store_text(name="web", secret_type="certificate")
    await km.store_binary(
        b"k" * 32, name="key", secret_type="symmetric", algorithm="aes", bit_length=256, mode="gcm"
    )
    await km.store_binary(
        b"k" * 16, name="key", secret_type="symmetric", algorithm="aes", bit_length=128, mode="cbc"
    )

    async def names(**params: str) -> list[tuple[str, int | None]]:
        body = (await km.get("/v1/secrets", params=params)).json()
        assert body["total"] == len(body["secrets"])
        return [(s["name"], s["bit_length"]) for s in body["secrets"]]

    assert await names(name="key") == [("key", 256), ("key", 128)]
    assert await names(secret_type="certificate") == [("web", None)]
    assert await names(alg="aes", mode="cbc") == [("key", 128)]
    assert await names(bits="256") == [("key", 256)]
    assert len(await names(bits="lots")) == 3  # a bad ``bits`` is no filter, as upstream
    assert await names(name="nothing") == []
    paged = (await km.get("/v1/secrets", params={"name": "key", "limit": 1})).json()
    assert _query(paged["next"]) == {"name": ["key"], "limit": ["1"], "offset": ["1"]}


async def test_expired_secrets_are_gone(km: KeyManagerClient) -> None:
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).isoformat()
    ref = await km.store_text("short-lived", expiration=soon)
    kept = await km.store_text("kept")
    engine = km.cloud.databases.engine("secrets")
    async with engine.begin() as conn:  # an hour passes
        await conn.execute(
            sa.text("UPDATE secrets SET expiration = :past WHERE id = :id"),
            {"past": datetime.datetime(2000, 1, 1), "id": ref.rsplit("/", 1)[1]},
        )
    listed = (await km.get("/v1/secrets")).json()
    assert [s["secret_ref"] for s in listed["secrets"]] == [kept]
    km.error(await km.get(km.path_of(ref)), 404)
    km.error(await km.payload(ref, "text/plain"), 404)
