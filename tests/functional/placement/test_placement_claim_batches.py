"""Claims settled in batches (group commit): each request still gets its own answer.

The claim writer settles whatever requests wait in one transaction. Here: many concurrent
claims with room all succeed and usage is exact; one batch mixing requests that fit, that
do not, that name an unknown provider and that lose a consumer-generation check answers
each as it would alone, in order, the rejected ones taking nothing; requests naming the same
consumer go to separate batches, in arrival order; a request that breaks its batch's
transaction fails alone while the others succeed and the writer goes on. On SQLite, and on
PostgreSQL and MariaDB where they run (scratch databases, dropped afterwards).
"""

from __future__ import annotations

import asyncio
import collections
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.conftest import cloud_settings

from pocketstack.allinone import Cloud, open_cloud
from pocketstack.placement.db import models as m
from pocketstack.placement.objects import claim_writer
from pocketstack.placement.objects.allocations import Claim
from pocketstack.placement.objects.claims import Outcome, apply_batch
from pocketstack.placement.objects.errors import BadRequest, ConcurrentUpdate, Conflict

VERSION = {"OpenStack-API-Version": "placement 1.39"}


@pytest.fixture
async def cloud(database_url: str, tmp_path: Path) -> AsyncIterator[Cloud]:
    """An all-in-one cloud with placement on a fresh database of each kind in turn."""
    settings = cloud_settings(tmp_path, overrides={
        "database": {"placement": database_url},
        "identity": {"password_hash_rounds": 4},
        "api": {"log_requests": False},
    })
    async with open_cloud(settings) as opened:
        yield opened


@pytest.fixture
async def client(cloud: Cloud) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=cloud.dispatch)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
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
        issued = await c.post("/identity/v3/auth/tokens", json=body)
        assert issued.status_code == 201, issued.text
        c.headers.update({"X-Auth-Token": issued.headers["x-subject-token"], **VERSION})
        yield c


async def _provider(client: httpx.AsyncClient, name: str, **vcpu: int) -> str:
    created = await client.post("/placement/resource_providers", json={"name": name})
    assert created.status_code == 200, created.text
    rp = str(created.json()["uuid"])
    stocked = await client.put(
        f"/placement/resource_providers/{rp}/inventories",
        json={"resource_provider_generation": 0, "inventories": {"VCPU": vcpu}},
    )
    assert stocked.status_code == 200, stocked.text
    return rp


def _claim(on: str, vcpus: int, generation: int | None = None) -> dict[str, Any]:
    return {
        "allocations": {on: {"resources": {"VCPU": vcpus}}},
        "project_id": "p",
        "user_id": "u",
        "consumer_generation": generation,
        "consumer_type": "INSTANCE",
    }


async def _state(cloud: Cloud) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(provider uuid -> VCPU used, consumer uuid -> generation, provider -> generation)."""
    a, c, rp = m.allocations, m.consumers, m.resource_providers
    async with cloud.placement.reading() as conn:
        used = await conn.execute(
            sa.select(rp.c.uuid, sa.func.sum(a.c.used))
            .join(a, a.c.resource_provider_id == rp.c.id)
            .group_by(rp.c.uuid)
        )
        consumers = await conn.execute(sa.select(c.c.uuid, c.c.generation))
        generations = await conn.execute(sa.select(rp.c.uuid, rp.c.generation))
        return (
            {u: int(n) for u, n in used},
            {u: int(g) for u, g in consumers},
            {u: int(g) for u, g in generations},
        )


async def test_concurrent_claims_with_room_all_succeed(
    cloud: Cloud, client: httpx.AsyncClient
) -> None:
    providers = [await _provider(client, f"cn{i}", total=1000) for i in range(4)]
    before = cloud.placement.claims.batches
    consumers = [str(uuid.uuid4()) for _ in range(120)]
    answers = await asyncio.gather(
        *(
            client.put(f"/placement/allocations/{c}", json=_claim(providers[i % 4], 1 + i % 3))
            for i, c in enumerate(consumers)
        )
    )
    assert collections.Counter(a.status_code for a in answers) == {204: 120}
    assert cloud.placement.claims.batches - before < 120  # some requests shared a batch
    used, generations, rp_generations = await _state(cloud)
    for k, rp in enumerate(providers):
        mine = [i for i in range(120) if i % 4 == k]
        assert used[rp] == sum(1 + i % 3 for i in mine)
        assert 1 < rp_generations[rp] <= 1 + len(mine)  # bumped once per batch it was in
        usages = await client.get(f"/placement/resource_providers/{rp}/usages")
        assert usages.json()["usages"] == {"VCPU": used[rp]}
    assert {generations[c] for c in consumers} == {1}


async def test_one_batch_answers_each_request_in_order(
    cloud: Cloud, client: httpx.AsyncClient
) -> None:
    a = await _provider(client, "a", total=4)
    b = await _provider(client, "b", total=2, max_unit=2)
    x, y = str(uuid.uuid4()), str(uuid.uuid4())
    for consumer in (x, y):
        held = await client.put(f"/placement/allocations/{consumer}", json=_claim(a, 1))
        assert held.status_code == 204, held.text
    c = [str(uuid.uuid4()) for _ in range(7)]

    def claim(consumer: str, on: str, vcpus: int, generation: int | None = None) -> Claim:
        wanted = {on: {"VCPU": vcpus}}
        return Claim(consumer, wanted, "p", "u", generation, check_generation=True)

    requests: list[Sequence[Claim]] = [
        [claim(c[0], a, 1)],  # fits: 2 + 1 <= 4
        [claim(c[1], a, 2)],  # 3 + 2 > 4: 409
        [claim(y, a, 1, generation=7)],  # y is at generation 1: 409
        [claim(x, b, 1, generation=1)],  # x moves to b: a has 2 used now
        [claim(c[2], a, 2)],  # fits only after x left: 2 + 2 <= 4
        [claim(c[3], str(uuid.uuid4()), 1)],  # no such provider: 400
        [claim(c[4], b, 1), claim(c[5], b, 1)],  # together 3 > 2 on b: 409, neither
        [claim(c[6], b, 3)],  # max_unit 2: 409
        [Claim(str(uuid.uuid4()), {b: {"VCPU": 1}}, "p", "u")],  # fits: 1 + 1 <= 2
    ]
    _, _, rp_before = await _state(cloud)
    outcomes = await cloud.placement.write_sync(lambda conn: apply_batch(conn, requests))

    def detail(outcome: Outcome) -> str:
        return "" if outcome is None else f"{type(outcome).__name__}: {outcome}"

    assert [None if o is None else type(o) for o in outcomes] == [
        None,
        Conflict,
        ConcurrentUpdate,
        None,
        None,
        BadRequest,
        Conflict,
        Conflict,
        None,
    ], [detail(o) for o in outcomes]
    assert detail(outcomes[1]).endswith("would exceed the capacity.")
    assert "consumer generation conflict - expected 1 but got 7" in detail(outcomes[2])
    assert "that does not exist" in detail(outcomes[5])
    assert detail(outcomes[6]).endswith("would exceed the capacity.")
    assert detail(outcomes[7]).endswith("would violate inventory constraints.")

    used, generations, rp_after = await _state(cloud)
    assert used == {a: 4, b: 2}  # y 1 + c0 1 + c2 2; x 1 + the last 1
    assert generations[x] == 2 and generations[y] == 1
    assert {c[0], c[2]} <= set(generations)
    assert not {c[1], c[3], c[4], c[5], c[6]} & set(generations)
    assert rp_after == {a: rp_before[a] + 1, b: rp_before[b] + 1}  # one bump for the batch
    moved = await client.get(f"/placement/allocations/{x}")
    assert moved.json()["allocations"] == {b: {"generation": rp_after[b], "resources": {"VCPU": 1}}}


async def test_claims_on_one_consumer_go_in_arrival_order(
    cloud: Cloud, client: httpx.AsyncClient
) -> None:
    rp = await _provider(client, "cn", total=8)
    x = str(uuid.uuid4())
    writer = cloud.placement.claims
    before = writer.batches
    # submitted at once: the second needs the consumer the first creates (generation 1)
    await asyncio.gather(
        writer.submit([Claim(x, {rp: {"VCPU": 1}}, "p", "u", None, check_generation=True)]),
        writer.submit([Claim(x, {rp: {"VCPU": 3}}, "p", "u", 1, check_generation=True)]),
        writer.submit([Claim(str(uuid.uuid4()), {rp: {"VCPU": 1}}, "p", "u")]),
    )
    assert writer.batches - before == 2
    used, generations, _ = await _state(cloud)
    assert used == {rp: 4} and generations[x] == 2


async def test_a_broken_request_fails_alone(
    cloud: Cloud, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rp = await _provider(client, "cn", total=100)
    poison = str(uuid.uuid4())

    def breaking(conn: sa.Connection, requests: Sequence[Sequence[Claim]]) -> list[Outcome]:
        if any(c.consumer == poison for request in requests for c in request):
            raise RuntimeError("this request breaks any transaction it is in")
        return apply_batch(conn, requests)

    monkeypatch.setattr(claim_writer, "apply_batch", breaking)
    consumers = [str(uuid.uuid4()) for _ in range(9)]
    answers = await asyncio.gather(
        *(client.put(f"/placement/allocations/{c}", json=_claim(rp, 1)) for c in consumers[:4]),
        client.put(f"/placement/allocations/{poison}", json=_claim(rp, 1)),
        *(client.put(f"/placement/allocations/{c}", json=_claim(rp, 1)) for c in consumers[4:]),
    )
    statuses = [a.status_code for a in answers]
    assert statuses == [204] * 4 + [500] + [204] * 5, [a.text for a in answers]
    after = await client.put(f"/placement/allocations/{uuid.uuid4()}", json=_claim(rp, 1))
    assert after.status_code == 204, after.text  # the writer goes on
    used, generations, _ = await _state(cloud)
    assert used == {rp: 10} and poison not in generations


async def test_claims_after_stop_are_made_by_their_caller(
    cloud: Cloud, client: httpx.AsyncClient
) -> None:
    rp = await _provider(client, "cn", total=2)
    await cloud.placement.claims.stop()
    answers = await asyncio.gather(
        *(
            client.put(f"/placement/allocations/{uuid.uuid4()}", json=_claim(rp, 1))
            for _ in range(3)
        )
    )
    assert sorted(a.status_code for a in answers) == [204, 204, 409]
    used, _, _ = await _state(cloud)
    assert used == {rp: 2}
