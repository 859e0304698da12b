"""The scheduler claims the best host in placement, falls to the next on a 409, and hands
over alternates of the chosen host's cell only."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from pocketstack.common.settings import PciSettings
from pocketstack.compute.objects.scheduling import HostState
from pocketstack.compute.scheduler.filters import FilterRequest
from pocketstack.compute.scheduler.manager import NoValidHost, _select_one


class FakePlacement:
    def __init__(self, free: dict[str, int], refuse: set[str]) -> None:
        self.free = free
        self.refuse = refuse
        self.claimed: list[str] = []

    async def allocation_candidates(self, resources: dict[str, int], *, limit: int,
                                    **groups: Any) -> dict[str, Any]:
        return {"allocation_requests": [{"allocations": {rp: {"resources": resources}}}
                                        for rp in self.free],
                "provider_summaries": {rp: {"resources": {"MEMORY_MB": {
                    "capacity": free, "used": 0}}} for rp, free in self.free.items()}}

    async def claim(self, consumer: str, request: dict[str, Any], project_id: str,
                    user_id: str) -> bool:
        [rp] = request["allocations"]
        if rp in self.refuse:
            return False
        self.claimed.append(rp)
        return True


def _svc(placement: FakePlacement) -> Any:
    compute = SimpleNamespace(max_placement_results=10, max_attempts=3,
                              cross_cell_move_weight_multiplier=1000000.0)
    return SimpleNamespace(settings=SimpleNamespace(compute=compute, pci=PciSettings()),
                           clients=SimpleNamespace(placement=placement))


def _hosts() -> list[HostState]:
    return [HostState(name, name, cell, f"rp-{name}", False, True, "nova", 0)
            for name, cell in (("a", "c1"), ("b", "c1"), ("c", "c2"), ("d", "c1"))]


SPEC = {"instance_uuid": "i1", "project_id": "p", "user_id": "u",
        "flavor": {"vcpus": 1, "memory_mb": 512, "root_gb": 1}}


async def test_the_emptiest_host_is_claimed_with_alternates_of_its_cell() -> None:
    placement = FakePlacement({"rp-a": 900, "rp-b": 700, "rp-c": 800, "rp-d": 100}, set())
    chosen = await _select_one(_svc(placement), SPEC, _hosts(), FilterRequest())
    assert [s["host"] for s in chosen] == ["a", "b", "d"]
    assert placement.claimed == ["rp-a"]
    assert {s["cell_uuid"] for s in chosen} == {"c1"}


async def test_a_refused_claim_falls_to_the_next_host() -> None:
    placement = FakePlacement({"rp-a": 900, "rp-b": 700, "rp-c": 800}, {"rp-a"})
    chosen = await _select_one(_svc(placement), SPEC, _hosts(), FilterRequest())
    assert [s["host"] for s in chosen] == ["c"]  # c2 has no other host to offer
    assert placement.claimed == ["rp-c"]


async def test_every_claim_refused_is_no_valid_host() -> None:
    placement = FakePlacement({"rp-a": 900}, {"rp-a"})
    with pytest.raises(NoValidHost):
        await _select_one(_svc(placement), SPEC, _hosts(), FilterRequest())
