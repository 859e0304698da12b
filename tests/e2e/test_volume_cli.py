"""The real ``openstack`` CLI against a running ``pocketstack up``: volumes.

OSC's volume commands go through openstacksdk's block-storage proxy: discovery of
``/volume/v3`` from the catalog, then microversion 3.71 on every volume call. A new volume
answers ``creating``; the reconciler makes its sparse file and it turns ``available``, which
the test waits for by polling ``volume show`` as an operator would.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import RunningCloud

pytestmark = pytest.mark.e2e

WAIT_S = 20.0
GIB = 1024**3


def _wait_for(cloud: RunningCloud, name: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while True:
        shown: dict[str, Any] = cloud.cli_json("volume", "show", name)
        if shown["status"] == status or time.monotonic() > deadline:
            assert shown["status"] == status, shown
            return shown
        time.sleep(0.2)


def _wait_gone(cloud: RunningCloud, name: str) -> str:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        proc = cloud.cli("volume", "show", name, check=False)
        if proc.returncode != 0:
            return proc.stderr
        time.sleep(0.2)
    raise AssertionError(f"volume {name} was never deleted")


def test_volume_create_list_show_set_delete(cloud: RunningCloud) -> None:
    name = f"vol-{uuid.uuid4().hex[:8]}"
    made = cloud.cli_json(
        "volume", "create", "--size", "1", "--description", "e2e", "--property", "tier=gold", name
    )
    assert (made["name"], made["size"], made["type"]) == (name, 1, "__DEFAULT__")
    assert made["status"] in ("creating", "available")

    shown = _wait_for(cloud, name, "available")
    assert shown["id"] == made["id"] and shown["properties"] == {"tier": "gold"}
    assert shown["availability_zone"] == "nova" and shown["bootable"] is False
    backing = Path(cloud.data_dir) / "volumes" / f"{made['id']}.img"
    assert backing.stat().st_size == GIB

    listed = {v["ID"]: v for v in cloud.cli_json("volume", "list", "--long")}
    row = listed[made["id"]]
    assert (row["Name"], row["Status"], row["Size"], row["Type"]) == (
        name,
        "available",
        1,
        "__DEFAULT__",
    )

    cloud.cli("volume", "set", "--name", f"{name}-renamed", "--property", "k=v", name)
    renamed = cloud.cli_json("volume", "show", f"{name}-renamed")
    assert renamed["id"] == made["id"] and renamed["properties"] == {"tier": "gold", "k": "v"}

    cloud.cli("volume", "delete", f"{name}-renamed")
    stderr = _wait_gone(cloud, made["id"])
    assert "No Volume found" in stderr or "could not be found" in stderr, stderr
    assert not backing.exists()


def test_volume_type_list(cloud: RunningCloud) -> None:
    types = cloud.cli_json("volume", "type", "list")
    assert "__DEFAULT__" in [t["Name"] for t in types]


def test_volume_show_of_unknown_name_fails(cloud: RunningCloud) -> None:
    stderr = cloud.cli_fails("volume", "show", f"missing-{uuid.uuid4().hex[:8]}")
    assert "No Volume found" in stderr or "could not be found" in stderr, stderr
