"""Two hundred ports made at once on a /24 whose pool holds 150 addresses: no address is
handed out twice, and the 50 ports beyond the pool are refused with Neutron's 409.

The requests go in process over ASGI, all at once (``asyncio.gather``). Afterwards every
answered address is distinct and inside the pool, the database holds exactly the 150
allocations of the 150 ports that were made, and the refused requests left nothing behind.
Each database is a scratch one: a SQLite file, or a uniquely named database on the
PostgreSQL (or MariaDB) server, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from tests.conftest import cloud_settings

from pocketstack.allinone import open_cloud
from pocketstack.common.settings import Settings
from pocketstack.network.db import models as m
from pocketstack.network.service import Network

PORTS = 200
POOL = ("10.0.0.10", "10.0.0.159")  # 150 addresses
POOL_SIZE = 150


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The cloud's settings, with the network service on a fresh database of the kind."""
    return cloud_settings(tmp_path, overrides={
        "database": {"network": database_url},
        "identity": {"password_hash_rounds": 4},
        "api": {"log_requests": False},
    })


async def _admin_token(client: httpx.AsyncClient, password: str) -> str:
    issued = await client.post(
        "/identity/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": "admin", "domain": {"id": "default"}, "password": password}
                    },
                },
                "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
            }
        },
    )
    assert issued.status_code == 201, issued.text
    return issued.headers["x-subject-token"]


async def _created(client: httpx.AsyncClient, plural: str, singular: str, **fields: object) -> str:
    response = await client.post(f"/network/v2.0/{plural}", json={singular: fields})
    assert response.status_code == 201, response.text
    return str(response.json()[singular]["id"])


async def test_no_address_is_handed_out_twice(settings: Settings) -> None:
    async with open_cloud(settings) as cloud:
        transport = httpx.ASGITransport(app=cloud.dispatch)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", timeout=120
        ) as client:
            client.headers["X-Auth-Token"] = await _admin_token(client, cloud.admin_password)
            net = await _created(client, "networks", "network", name="crowded")
            subnet = await _created(
                client,
                "subnets",
                "subnet",
                network_id=net,
                ip_version=4,
                cidr="10.0.0.0/24",
                allocation_pools=[{"start": POOL[0], "end": POOL[1]}],
            )
            # The project's default security group exists before the race.
            assert (await client.get("/network/v2.0/security-groups")).status_code == 200

            answers = await asyncio.gather(
                *(
                    client.post(
                        "/network/v2.0/ports", json={"port": {"network_id": net, "name": f"p{i}"}}
                    )
                    for i in range(PORTS)
                )
            )

            statuses = collections.Counter(a.status_code for a in answers)
            assert statuses == {201: POOL_SIZE, 409: PORTS - POOL_SIZE}, [
                a.text for a in answers if a.status_code not in (201, 409)
            ]
            for answer in answers:
                if answer.status_code == 409:
                    error = answer.json()["NeutronError"]
                    assert error["type"] == "IpAddressGenerationFailure", error
                    assert error["message"] == (f"No more IP addresses available on network {net}.")
            made = [a.json()["port"] for a in answers if a.status_code == 201]
            addresses = [p["fixed_ips"][0]["ip_address"] for p in made]
            assert all(p["fixed_ips"][0]["subnet_id"] == subnet for p in made)
            assert len(set(addresses)) == POOL_SIZE
            first, last = (ipaddress.ip_address(a) for a in POOL)
            assert all(first <= ipaddress.ip_address(a) <= last for a in addresses)
            assert len({p["mac_address"] for p in made}) == POOL_SIZE

        service = cloud.services["/network"]
        assert isinstance(service, Network)
        async with service.reading() as conn:
            held = (
                await conn.execute(
                    sa.select(m.ip_allocations.c.ip_address, m.ip_allocations.c.port_id)
                )
            ).all()
            port_ids = (await conn.execute(sa.select(m.ports.c.id))).scalars().all()
        assert sorted(ip for ip, _ in held) == sorted(addresses)
        assert sorted(port_ids) == sorted(p["id"] for p in made)
        assert sorted(port for _, port in held) == sorted(port_ids)
