"""``pocketstack face ...`` against a running ``pocketstack up``: the face recognition service
is in the catalog, and the CLI creates a gallery and a person, enrolls, bulk-enrolls a
folder (with its progress bar), identifies and verifies."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.vision_data import faces_dir, identities

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e


def test_catalog_lists_face_recognition(cloud: RunningCloud) -> None:
    services = cloud.cli_json("catalog", "list")
    found = [s for s in services if s["Type"] == "face-recognition"]
    assert [s["Name"] for s in found] == ["vision"]
    assert any(e["url"].endswith("/face") for e in found[0]["Endpoints"])


def test_face_commands(cloud: RunningCloud, tmp_path: Path) -> None:
    name = f"g-{uuid.uuid4().hex[:8]}"
    made = json.loads(cloud.admin("face", "gallery", "create", name).stdout)
    assert made["name"] == name
    assert name in cloud.admin("face", "gallery", "list").stdout
    people = identities()
    obama = people["Barack_Obama"]
    person = json.loads(cloud.admin("face", "person", "create", name, "Obama",
                                    "--meta", "role=president").stdout)
    assert person["metadata"] == {"role": "president"}
    enrolled = json.loads(cloud.admin("face", "enroll", name, person["id"],
                                      str(obama[0]), str(obama[1])).stdout)
    assert len(enrolled) == 2

    folder = tmp_path / "people"
    for who in ("Kim_Clijsters", "Tariq_Aziz"):
        (folder / who).mkdir(parents=True)
        for image in people[who][:2]:
            shutil.copy(image, folder / who / image.name)
    bulk = cloud.admin("face", "bulk-enroll", name, str(folder))
    assert "2 people enrolled, 0 failed" in bulk.stdout

    scene = faces_dir() / "scenes" / "fr_obama_and_biden.jpg"
    shown = json.loads(cloud.admin("face", "identify", name, str(scene), "--json").stdout)
    named = {f["person"]["name"] for f in shown["faces"] if f["person"]}
    assert "Obama" in named
    table = cloud.admin("face", "identify", name, str(people["Tariq_Aziz"][-1])).stdout
    assert "Tariq_Aziz" in table
    same = cloud.admin("face", "verify", str(obama[2]), str(obama[3]))
    assert "same person" in same.stdout
