"""A cloud killed (SIGKILL) in the middle of a bulk enroll resumes it on restart.

At the moment of the kill every item is either enrolled whole (its person and all its faces)
or still pending with its images; after the restart the enroll reconciler finishes the job,
every person exists exactly once, and the gallery's in-memory index (rebuilt at start) holds
exactly the faces of the database and identifies with them.
"""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.vision_data import identities

BIN = Path(sys.executable).parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "POCKETSTACK_"))}
        env["POCKETSTACK_IDENTITY__PASSWORD_HASH_ROUNDS"] = "4"
        env["POCKETSTACK_COMPUTE__HOSTS_PER_CELL"] = "0"
        self.proc = subprocess.Popen(
            [str(BIN / "pocketstack"), "up", "--data-dir", str(self.data_dir),
             "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "server exited during start-up"
            try:
                if httpx.get(self.base + "/face", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError("server did not start within 30 s")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "data")
    try:
        yield running
    finally:
        running.stop()


def _token(server: Server) -> str:
    password = (server.data_dir / "admin-password").read_text().strip()
    issued = httpx.post(server.base + "/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert issued.status_code == 201
    return issued.headers["x-subject-token"]


def _database(server: Server) -> dict[str, Any]:
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


def test_kill_during_bulk_enroll_resumes_whole(server: Server) -> None:
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
