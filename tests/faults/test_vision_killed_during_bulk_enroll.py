"""A cloud killed (SIGKILL) in the middle of a bulk enroll resumes it on restart.

At the moment of the kill every item is either enrolled whole (its person and all its faces)
or still pending with its images; after the restart the enroll reconciler finishes the job,
every person exists exactly once, and the gallery's in-memory index (rebuilt at start) holds
exactly the faces of the database and identifies with them.
"""

from __future__ import annotations

import base64
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.cloud_process import CloudProcess
from tests.vision_data import identities

pytestmark = pytest.mark.process  # a cloud of its own, as a process


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CloudProcess]:
    running = CloudProcess(tmp_path / "data", ready="/face",
                           env={"POCKETSTACK_COMPUTE__HOSTS_PER_CELL": "0"})
    try:
        yield running
    finally:
        running.stop()


def _token(server: CloudProcess) -> str:
    password = server.admin_password()
    issued = httpx.post(server.base + "/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert issued.status_code == 201
    return issued.headers["x-subject-token"]


def _database(server: CloudProcess) -> dict[str, Any]:
    """What the vision database holds, read directly."""
    with sqlite3.connect(server.data_dir / "db" / "vision.sqlite") as db:
        items = db.execute("SELECT position, status, person_id, faces FROM enroll_items"
                           " ORDER BY position").fetchall()
        faces = dict(db.execute("SELECT person_id, count(*) FROM faces GROUP BY person_id")
                     .fetchall())
        images = {row[0] for row in db.execute("SELECT DISTINCT item FROM enroll_images")}
        persons = db.execute("SELECT id, name FROM persons").fetchall()
    return {"items": items, "faces": faces, "images": images, "persons": persons}


def _all_or_nothing(state: dict[str, Any]) -> None:
    enrolled = {person: n for _, status, person, n in state["items"] if status == "enrolled"}
    assert state["faces"] == enrolled  # every enrolled person has all its faces, no others
    assert {p for p, _ in state["persons"]} == set(enrolled)  # no person half-made
    for position, status, _, _ in state["items"]:
        assert (position in state["images"]) == (status == "pending")


def test_kill_during_bulk_enroll_resumes_whole(server: CloudProcess) -> None:
    people = [(name, paths) for name, paths in identities().items() if len(paths) >= 4][:24]
    server.start()
    headers = {"X-Auth-Token": _token(server)}
    face = httpx.Client(base_url=server.base + "/face", headers=headers, timeout=30)
    gid = face.post("/v1/galleries", json={"gallery": {"name": "bulk"}}).json()["gallery"]["id"]
    items = [{"name": name, "images": [base64.b64encode(p.read_bytes()).decode()
                                        for p in paths[:4]]} for name, paths in people]
    started = face.post(f"/v1/galleries/{gid}/enroll-jobs", json={"items": items})
    assert started.status_code == 202, started.text
    job_path = f"/v1/galleries/{gid}/enroll-jobs/{started.json()['enroll_job']['id']}"
    deadline = time.monotonic() + 60
    while True:  # kill once some people are enrolled and others are not
        job = face.get(job_path).json()["enroll_job"]
        if job["enrolled"] >= 2:
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
    server.kill()
    face.close()
    at_kill = _database(server)
    assert 0 < sum(s == "enrolled" for _, s, _, _ in at_kill["items"]) < len(items)
    _all_or_nothing(at_kill)

    server.start()
    face = httpx.Client(base_url=server.base + "/face", headers=headers, timeout=30)
    deadline = time.monotonic() + 60
    while (job := face.get(job_path).json()["enroll_job"])["status"] != "COMPLETE":
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    after = _database(server)
    _all_or_nothing(after)
    assert [s for _, s, _, _ in after["items"]] == ["enrolled"] * len(items)
    assert sorted(n for _, n in after["persons"]) == sorted(name for name, _ in people)
    gallery = face.get(f"/v1/galleries/{gid}").json()["gallery"]
    assert gallery["faces"] == sum(after["faces"].values())  # the index is the database's
    name, paths = people[0]
    probe = paths[4] if len(paths) > 4 else paths[0]
    found = face.post(f"/v1/galleries/{gid}/identify", content=probe.read_bytes(),
                      headers={"Content-Type": "image/jpeg"}).json()["faces"]
    assert max(found, key=lambda f: f["box"]["width"])["person"]["name"] == name
    face.close()
