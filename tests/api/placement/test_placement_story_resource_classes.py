"""Story: an operator defines custom resource classes next to the standard ones, renames one
the old way (before 1.7), ensures one the new way (1.7), and deletes what is unused."""

from __future__ import annotations

import datetime
from typing import Any

import os_resource_classes
import sqlalchemy as sa

from pocketstack.placement.db import models as m


async def _names(pl: Any) -> list[str]:
    response = await pl.get("/resource_classes")
    assert response.status_code == 200, response.text
    return [rc["name"] for rc in response.json()["resource_classes"]]


async def test_not_there_before_1_2(pl: Any) -> None:
    pl.error(await pl.get("/resource_classes", version="1.1"), 404)
    pl.error(await pl.post("/resource_classes", json={"name": "CUSTOM_X"}, version="1.1"), 404)
    pl.error(await pl.get("/resource_classes/VCPU", version="1.1"), 404)


async def test_create_list_show(pl: Any) -> None:
    standard = list(os_resource_classes.STANDARDS)
    assert await _names(pl) == standard
    created = await pl.post("/resource_classes", json={"name": "CUSTOM_FPGA"}, version="1.2")
    assert created.status_code == 201 and created.content == b""
    assert created.headers["location"] == (
        "http://127.0.0.1:8080/placement/resource_classes/CUSTOM_FPGA"
    )
    await pl.post("/resource_classes", json={"name": "CUSTOM_BAREMETAL_GOLD"})
    assert await _names(pl) == [*standard, "CUSTOM_FPGA", "CUSTOM_BAREMETAL_GOLD"]
    pl.error(await pl.post("/resource_classes", json={"name": "CUSTOM_FPGA"}), 409)
    for bad in (
        {"name": "FPGA"},
        {"name": "CUSTOM_lower"},
        {"name": "VCPU"},
        {},
        {"name": "CUSTOM_X", "extra": 1},
    ):
        pl.error(await pl.post("/resource_classes", json=bad), 400)
    shown = await pl.get("/resource_classes/CUSTOM_FPGA")
    assert shown.json() == {
        "name": "CUSTOM_FPGA",
        "links": [{"rel": "self", "href": "/placement/resource_classes/CUSTOM_FPGA"}],
    }
    assert shown.headers["last-modified"]
    assert (await pl.get("/resource_classes/VCPU")).json()["name"] == "VCPU"
    pl.error(await pl.get("/resource_classes/CUSTOM_NOPE"), 404)


async def test_rename_before_1_7(pl: Any) -> None:
    await pl.post("/resource_classes", json={"name": "CUSTOM_OLD"})
    await pl.post("/resource_classes", json={"name": "CUSTOM_TAKEN"})
    renamed = await pl.put(
        "/resource_classes/CUSTOM_OLD", json={"name": "CUSTOM_NEW"}, version="1.6"
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "CUSTOM_NEW"
    pl.error(await pl.get("/resource_classes/CUSTOM_OLD"), 404)
    pl.error(
        await pl.put("/resource_classes/CUSTOM_NEW", json={"name": "CUSTOM_TAKEN"}, version="1.6"),
        409,
    )
    pl.error(
        await pl.put("/resource_classes/VCPU", json={"name": "CUSTOM_VCPU"}, version="1.6"), 400
    )
    pl.error(await pl.put("/resource_classes/CUSTOM_NEW", json={"name": "NEW"}, version="1.6"), 400)
    pl.error(
        await pl.put("/resource_classes/CUSTOM_NOPE", json={"name": "CUSTOM_Y"}, version="1.6"), 404
    )


async def test_put_ensures_from_1_7(pl: Any) -> None:
    created = await pl.put("/resource_classes/CUSTOM_GPU", version="1.7")
    assert created.status_code == 201 and created.content == b""
    assert created.headers["location"].endswith("/placement/resource_classes/CUSTOM_GPU")
    again = await pl.put("/resource_classes/CUSTOM_GPU")
    assert again.status_code == 204
    pl.error(await pl.put("/resource_classes/VCPU"), 400)
    pl.error(await pl.put("/resource_classes/gpu"), 400)
    assert (await _names(pl))[-1] == "CUSTOM_GPU"


async def test_delete_custom_unused_only(pl: Any) -> None:
    await pl.put("/resource_classes/CUSTOM_FREE")
    await pl.put("/resource_classes/CUSTOM_USED")
    rp = (await pl.post("/resource_providers", json={"name": "cn1"})).json()
    stamp = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    async with pl.cloud.placement.writing() as conn:
        rp_id = await conn.scalar(
            sa.select(m.resource_providers.c.id).where(m.resource_providers.c.uuid == rp["uuid"])
        )
        rc_id = await conn.scalar(
            sa.select(m.resource_classes.c.id).where(m.resource_classes.c.name == "CUSTOM_USED")
        )
        await conn.execute(
            m.inventories.insert().values(
                resource_provider_id=rp_id,
                resource_class_id=rc_id,
                total=1,
                reserved=0,
                min_unit=1,
                max_unit=1,
                step_size=1,
                allocation_ratio=1.0,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    pl.error(await pl.delete("/resource_classes/CUSTOM_USED"), 409)
    pl.error(await pl.delete("/resource_classes/VCPU"), 400)
    pl.error(await pl.delete("/resource_classes/CUSTOM_NOPE"), 404)
    assert (await pl.delete("/resource_classes/CUSTOM_FREE")).status_code == 204
    pl.error(await pl.get("/resource_classes/CUSTOM_FREE"), 404)
    assert "CUSTOM_USED" in await _names(pl)
