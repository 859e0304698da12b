"""Service up/down from the heartbeat, the services view, and hypervisor statistics."""

from __future__ import annotations

import datetime
from typing import Any

from pocketstack.compute.handlers.services import view_service
from pocketstack.compute.objects.hypervisors import statistics
from pocketstack.compute.objects.keypairs import fingerprint
from pocketstack.compute.objects.services import is_up

MOMENT = datetime.datetime(2026, 1, 1, 12, 0, 0)


def _service(**changes: Any) -> dict[str, Any]:
    return {"id": 3, "uuid": "u-1", "host": "h1", "binary": "nova-compute", "disabled": False,
            "disabled_reason": None, "forced_down": False, "created_at": MOMENT,
            "updated_at": MOMENT, "last_seen_up": MOMENT, **changes}


def test_up_until_silent_past_service_down_time() -> None:
    assert is_up(_service(last_seen_up=MOMENT - datetime.timedelta(seconds=60)), MOMENT, 60)
    assert not is_up(_service(last_seen_up=MOMENT - datetime.timedelta(seconds=61)), MOMENT, 60)
    assert not is_up(_service(forced_down=True), MOMENT, 60)


def test_service_view_zone_and_ids() -> None:
    new = view_service(_service(), {"h1": "az1"}, up=True, ver=(2, 53))
    assert (new["id"], new["zone"], new["state"], new["forced_down"]) == ("u-1", "az1", "up", False)
    old = view_service(_service(binary="nova-conductor"), {}, up=False, ver=(2, 1))
    assert (old["id"], old["zone"], old["state"]) == (3, "internal", "down")
    assert "forced_down" not in old


def test_statistics_sum_the_nodes() -> None:
    node = {"vcpus": 4, "memory_mb": 1000, "local_gb": 50, "vcpus_used": 1,
            "memory_mb_used": 200, "local_gb_used": 5, "running_vms": 1}
    totals = statistics([node, node])
    assert totals["count"] == 2 and totals["vcpus"] == 8
    assert totals["free_ram_mb"] == 1600 and totals["free_disk_gb"] == 90


def test_fingerprint_matches_ssh_keygen() -> None:
    key = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKp8mkeNYsF1bNtdWtsrwiIllNQ+de8pPQ5grBGT6ZnO"
           " me@host")
    # ssh-keygen -l -E md5 of the same key
    assert fingerprint(key) == "cf:6a:8d:91:e3:e8:b7:cd:df:5f:6e:73:2d:e9:7f:d1"
