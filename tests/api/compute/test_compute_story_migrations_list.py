"""Story: migration records written straight into both cells' databases (a cross-cell move's
copy in each, a hidden one) listed through ``GET /os-migrations`` as Nova lists them: merged
newest first, each uuid once, filtered, paged across cells, by microversion and by who asks;
and ``GET /servers/{id}/migrations``, which lists only live migrations (there are none)."""

from __future__ import annotations

import dataclasses
import datetime
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from tests.api.compute.conftest import BASE_URL, Caller, ComputeClient

from pocketstack.compute.cells import CellHandle
from pocketstack.compute.db.cell_models import migrations
from pocketstack.compute.objects.server_list import locate

T0 = datetime.datetime(2016, 6, 23, 14, 42, 2)
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
BASE_KEYS = {"id", "instance_uuid", "source_compute", "source_node", "dest_compute",
             "dest_node", "dest_host", "old_instance_type_id", "new_instance_type_id",
             "status", "created_at", "updated_at"}
HOST_KEYS = ("source_compute", "source_node", "dest_compute", "dest_node", "dest_host")


@dataclasses.dataclass
class Records:
    """The migrations written, by name; ``visible`` newest first as listed."""

    uuids: dict[str, str]
    instances: dict[str, str]
    mine: Caller  # a project manager; "a", "dup" and "h" are its project's

    def of(self, *names: str) -> list[str]:
        return [self.uuids[name] for name in names]

    @property
    def visible(self) -> list[str]:
        return self.of("m4", "dup", "m2", "m3", "m1")


async def _insert(cell: CellHandle, minutes: int, *, updated: int | None = None,
                  uuid_: str | None = None, **values: Any) -> str:
    made = uuid_ or str(uuid.uuid4())
    row = {"uuid": made, "status": "finished", "migration_type": "resize",
           "step": "requested", "request_id": f"req-{uuid.uuid4()}", "source_cell": cell.uuid,
           "old_instance_type_id": 1, "new_instance_type_id": 2,
           "created_at": T0 + datetime.timedelta(minutes=minutes),
           "updated_at": T0 + datetime.timedelta(minutes=minutes if updated is None
                                                 else updated),
           "deleted": 0, **values}
    async with cell.writing() as conn:
        await conn.execute(sa.insert(migrations).values(**row))
    return made


async def _records(nova: ComputeClient) -> Records:
    cell1, cell2 = nova.service.cells.computes()
    mine = await nova.user("manager")
    other = str(uuid.uuid4()).replace("-", "")
    i1, i2, i3, i4 = (str(uuid.uuid4()) for _ in range(4))
    a = {"project_id": mine.project_id, "user_id": mine.user_id}
    b = {"project_id": other, "user_id": "someone"}
    names: dict[str, str] = {}
    names["m1"] = await _insert(cell1, 1, instance_uuid=i1, source_compute="h1",
                                source_node="n1", dest_compute="h2", dest_node="n2",
                                dest_host="10.0.0.2", **a)
    names["m2"] = await _insert(cell1, 3, instance_uuid=i2, status="confirmed",
                                migration_type="migration", source_compute="h2",
                                dest_compute="h1", **b)
    names["h"] = await _insert(cell1, 5, instance_uuid=i3, hidden=True, **a)
    # A cross-cell move: the same record in both cells, the target's updated last.
    names["dup"] = await _insert(cell1, 4, updated=6, instance_uuid=i3, status="migrating",
                                 cross_cell_move=True, source_compute="h1",
                                 dest_compute="h3", **a)
    names["m3"] = await _insert(cell2, 2, updated=7, instance_uuid=i1, status="error",
                                source_compute="h3", dest_compute="h4", **a)
    await _insert(cell2, 4, updated=8, uuid_=names["dup"], instance_uuid=i3,
                  status="finished", cross_cell_move=True, source_compute="h1",
                  dest_compute="h3", dest_cell=cell2.uuid, **a)
    names["m4"] = await _insert(cell2, 6, instance_uuid=i4, status="reverted",
                                source_compute="h4", dest_compute="h3", **b)
    return Records(names, {"i1": i1, "i2": i2, "i3": i3, "i4": i4}, mine)


async def _list(nova: ComputeClient, version: str = "2.80", token: str | None = None,
                **params: str) -> dict[str, Any]:
    response = await nova.get("/os-migrations", version=version, token=token, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _uuids(body: dict[str, Any]) -> list[str]:
    return [m["uuid"] for m in body["migrations"]]


async def test_listing_by_microversion(nova: ComputeClient) -> None:
    records = await _records(nova)
    old = await _list(nova, "2.1")
    assert "migrations_links" not in old
    assert [set(m) for m in old["migrations"]] == [BASE_KEYS] * 5
    assert [m["instance_uuid"] for m in old["migrations"]] == [
        records.instances[i] for i in ("i4", "i3", "i2", "i1", "i1")]
    typed = (await _list(nova, "2.23"))["migrations"]
    assert [set(m) for m in typed] == [BASE_KEYS | {"migration_type"}] * 5
    assert [m["migration_type"] for m in typed] == [
        "resize", "resize", "migration", "resize", "resize"]
    paged = await _list(nova, "2.59")
    assert [set(m) for m in paged["migrations"]] == [BASE_KEYS | {"migration_type",
                                                                  "uuid"}] * 5
    assert _uuids(paged) == records.visible and "migrations_links" not in paged
    latest = await _list(nova, "2.80")
    assert [set(m) for m in latest["migrations"]] == [
        BASE_KEYS | {"migration_type", "uuid", "user_id", "project_id"}] * 5
    first, dup, m2, m3, m1 = latest["migrations"]
    # The copy updated last wins; hidden records never show.
    assert dup["status"] == "finished" and dup["updated_at"] == "2016-06-23T14:50:02.000000"
    assert dup["created_at"] == "2016-06-23T14:46:02.000000"
    assert records.uuids["h"] not in _uuids(latest)
    assert m1 == {"id": m1["id"], "uuid": records.uuids["m1"],
                  "instance_uuid": records.instances["i1"], "source_compute": "h1",
                  "source_node": "n1", "dest_compute": "h2", "dest_node": "n2",
                  "dest_host": "10.0.0.2", "old_instance_type_id": 1,
                  "new_instance_type_id": 2, "status": "finished",
                  "migration_type": "resize", "created_at": "2016-06-23T14:43:02.000000",
                  "updated_at": "2016-06-23T14:43:02.000000",
                  "user_id": records.mine.user_id, "project_id": records.mine.project_id}
    assert all(STAMP.match(m["created_at"]) and STAMP.match(m["updated_at"])
               for m in latest["migrations"])
    assert (first["status"], m2["status"], m3["status"]) == ("reverted", "confirmed", "error")
    prefixed = await nova.get(f"/{nova.admin.project_id}/os-migrations", version="2.80")
    assert prefixed.status_code == 200 and _uuids(prefixed.json()) == records.visible


async def test_filters(nova: ComputeClient) -> None:
    records = await _records(nova)
    i1 = records.instances["i1"]
    assert _uuids(await _list(nova, instance_uuid=i1)) == records.of("m3", "m1")
    assert _uuids(await _list(nova, host="h2")) == records.of("m2", "m1")
    assert _uuids(await _list(nova, host="h4")) == records.of("m4", "m3")
    assert _uuids(await _list(nova, host="h4", source_compute="h1")) == records.of("m4", "m3")
    assert _uuids(await _list(nova, source_compute="h1")) == records.of("dup", "m1")
    assert _uuids(await _list(nova, status="error")) == records.of("m3")
    assert _uuids(await _list(nova, migration_type="migration")) == records.of("m2")
    assert _uuids(await _list(nova, hidden="1")) == []
    assert _uuids(await _list(nova, hidden="false")) == records.visible
    assert _uuids(await _list(nova, **{"changes-since": "2016-06-23T14:49:02"})) == \
        records.of("dup", "m3")
    assert _uuids(await _list(nova, **{"changes-since": "2016-06-23T14:49:02Z",
                                       "changes-before": "2016-06-23T14:49:02+00:00"})) == \
        records.of("m3")
    assert _uuids(await _list(nova, **{"changes-before": "2016-06-23T14:45:02"})) == \
        records.of("m2", "m1")
    assert _uuids(await _list(nova, user_id="someone")) == records.of("m4", "m2")
    assert _uuids(await _list(nova, project_id=records.mine.project_id)) == \
        records.of("dup", "m3", "m1")
    # Before their microversions these are not filters: ignored below 2.59 (as any unknown
    # parameter), a 400 from 2.59.
    assert len((await _list(nova, "2.58", **{"changes-since": "2030-01-01T00:00:00",
                                             "limit": "1", "foo": "bar"}))["migrations"]) == 5
    assert len((await _list(nova, "2.65", **{"changes-since": "2016-06-23T14:49:02"}))[
        "migrations"]) == 2
    for version, name in (("2.59", "foo"), ("2.65", "changes-before"), ("2.79", "user_id")):
        nova.error(await nova.get("/os-migrations", version=version, params={name: "x"}),
                   400, f"Additional properties are not allowed ('{name}' was unexpected)")
    bad = [("limit", "abc"), ("limit", "-1"), ("limit", ""), ("changes-since", "yesterday"),
           ("changes-before", "2016-13-45")]
    for name, value in bad:
        nova.error(await nova.get("/os-migrations", version="2.80", params={name: value}),
                   400, f"Invalid input for query parameters {name}.")
    nova.error(await nova.get("/os-migrations", version="2.80",
                              params=[("limit", "1"), ("limit", "2")]), 400, "limit")
    nova.error(await nova.get("/os-migrations", version="2.80", params={
        "changes-since": "2016-06-23T14:49:02", "changes-before": "2016-06-23T14:48:02"}),
        400, "The value of changes-since must be less than or equal to changes-before.")


async def test_paging_across_cells(nova: ComputeClient) -> None:
    records = await _records(nova)
    seen: list[str] = []
    pages: list[list[str]] = []
    params: dict[str, Any] = {"limit": "2"}
    while True:
        body = await _list(nova, "2.59", **params)
        pages.append(_uuids(body))
        seen += _uuids(body)
        if "migrations_links" not in body:
            break
        (link,) = body["migrations_links"]
        assert link["rel"] == "next"
        assert link["href"].startswith(f"{BASE_URL}/compute/v2.1/os-migrations?")
        query = parse_qs(urlsplit(link["href"]).query)
        assert query == {"limit": ["2"], "marker": [_uuids(body)[-1]]}
        params = {k: v[0] for k, v in query.items()}
    assert pages == [records.of("m4", "dup"), records.of("m2", "m3"), records.of("m1")]
    assert seen == records.visible
    # The marker may be either copy's record: the other copy never shows after it.
    after_dup = await _list(nova, "2.80", marker=records.uuids["dup"])
    assert _uuids(after_dup) == records.of("m2", "m3", "m1")
    kept = await _list(nova, "2.80", limit="1", status="error")
    assert _uuids(kept) == records.of("m3")
    assert parse_qs(urlsplit(kept["migrations_links"][0]["href"]).query) == {
        "limit": ["1"], "status": ["error"], "marker": [records.uuids["m3"]]}
    full = await _list(nova, "2.80", limit="5")
    assert len(full["migrations"]) == 5 and "migrations_links" in full
    assert (await _list(nova, "2.80", limit="0")) == {"migrations": []}
    assert len((await _list(nova, "2.80", limit="5000"))["migrations"]) == 5
    prefixed = await nova.get(f"/{nova.admin.project_id}/os-migrations", version="2.80",
                              params={"limit": "1"})
    assert prefixed.json()["migrations_links"][0]["href"].startswith(
        f"{BASE_URL}/compute/v2.1/{nova.admin.project_id}/os-migrations?")
    unknown = str(uuid.uuid4())
    nova.error(await nova.get("/os-migrations", version="2.80", params={"marker": unknown}),
               400, f"Marker {unknown} could not be found.")
    # A hidden record still marks a place.
    assert _uuids(await _list(nova, marker=records.uuids["h"])) == records.of(
        "dup", "m2", "m3", "m1")


async def test_who_sees_what(nova: ComputeClient) -> None:
    records = await _records(nova)
    mine = records.mine
    member = await nova.user("member", mine.project_id)
    for caller in (member, await nova.user("reader", mine.project_id)):
        nova.error(await nova.get("/os-migrations", token=caller.token), 403,
                   "Policy doesn't allow os_compute_api:os-migrations:index to be performed.")
    # A project manager names its own project (2.80), else it would list others'.
    all_projects = "os_compute_api:os-migrations:index:all_projects"
    for version, params in (("2.1", {}), ("2.80", {}), ("2.80", {"project_id": "other"}),
                            ("2.59", {})):
        nova.error(await nova.get("/os-migrations", token=mine.token, version=version,
                                  params=params), 403, all_projects)
    own = await _list(nova, token=mine.token, project_id=mine.project_id)
    assert _uuids(own) == records.of("dup", "m3", "m1")
    assert all(m[key] is None for m in own["migrations"] for key in HOST_KEYS)
    assert {m["project_id"] for m in own["migrations"]} == {mine.project_id}
    admin_view = await _list(nova, project_id=mine.project_id)
    assert admin_view["migrations"][0]["source_compute"] == "h1"


async def test_a_down_cell_is_skipped(nova: ComputeClient) -> None:
    records = await _records(nova)
    cell2 = nova.service.cells.computes()[1]
    cell2.health.mark_down("db", "test: cut off")
    try:
        body = await _list(nova)
    finally:
        cell2.health.mark_up("db")
    # cell1's copy of the moved record shows while the target cell is away.
    assert _uuids(body) == records.of("dup", "m2", "m1")
    assert body["migrations"][0]["status"] == "migrating"


async def test_server_migrations_are_live_ones_only(nova: ComputeClient) -> None:
    owner = await nova.user("member")
    server_id = (await nova.boot(token=owner.token, name="mig"))["id"]
    await nova.wait_for(server_id, "ACTIVE", token=owner.token)
    async with nova.service.reading() as api:
        found = await locate(api, nova.service.cells, server_id, timeout=5.0)
    assert found.cell is not None
    await _insert(found.cell, 1, instance_uuid=server_id, status="finished",
                  project_id=owner.project_id, user_id=owner.user_id)

    listed = await nova.get(f"/servers/{server_id}/migrations", version="2.23")
    assert listed.status_code == 200 and listed.json() == {"migrations": []}
    nova.error(await nova.get(f"/servers/{server_id}/migrations", version="2.22"), 404)
    nova.error(await nova.get(f"/servers/{server_id}/migrations", token=owner.token), 403,
               "os_compute_api:servers:migrations:index")
    missing = str(uuid.uuid4())
    nova.error(await nova.get(f"/servers/{missing}/migrations"), 404, missing)
    record_id = (await _list(nova, instance_uuid=server_id))["migrations"][0]["id"]
    nova.error(await nova.get(f"/servers/{server_id}/migrations/{record_id}"), 404,
               f"Migration {record_id} for server {server_id} is not live-migration.")
    for absent in ("99999", "x"):
        nova.error(await nova.get(f"/servers/{server_id}/migrations/{absent}"), 404,
                   f"In-progress live migration {absent} is not found for server "
                   f"{server_id}.")
    nova.error(await nova.get(f"/servers/{server_id}/migrations/1", version="2.22"), 404)
    nova.error(await nova.get(f"/servers/{server_id}/migrations/1", token=owner.token), 403,
               "os_compute_api:servers:migrations:show")

