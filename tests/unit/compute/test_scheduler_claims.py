"""The scheduler claims the best host in placement, falls to the next on a 409, and hands
over alternates of the chosen host's cell only; calls in flight together share placement's
answer and count each other's claims in it."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest

from pocketstack.common.settings import PciSettings
from pocketstack.compute.objects.scheduling import HostState
from pocketstack.compute.scheduler.candidates import SharedCandidates
from pocketstack.compute.scheduler.filters import FilterRequest
from pocketstack.compute.scheduler.manager import NoValidHost, _select_one, resources_of
from pocketstack.compute.scheduler.request_groups import placement_request


class FakePlacement:
    def __init__(self, free: dict[str, int], refuse: set[str]) -> None:
        self.free = free
        self.refuse = refuse
        self.claimed: list[str] = []
        self.asked = 0

    async def allocation_candidates(self, resources: dict[str, int], *, limit: int,
                                    **groups: Any) -> dict[str, Any]:
        self.asked += 1
        return {"allocation_requests": [{"allocations": {rp: {"resources": resources}}}
                                        for rp in self.free],
                "provider_summaries": {rp: {"resources": {"MEMORY_MB": {
                    "capacity": free, "used": self._used(rp)}}}
                    for rp, free in self.free.items()}}

    def _used(self, rp: str) -> int:
        return 512 * self.claimed.count(rp)

    async def claim(self, consumer: str, request: dict[str, Any], project_id: str,
                    user_id: str) -> bool:
        await asyncio.sleep(0)  # in flight: the calls beside this one go on meanwhile
        [(rp, held)] = request["allocations"].items()
        if rp in self.refuse or self.free[rp] - self._used(rp) < held["resources"]["MEMORY_MB"]:
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
    chosen = await _select_one(_svc(placement), SPEC, _hosts(), FilterRequest(),
                               SharedCandidates())
    assert [s["host"] for s in chosen] == ["a", "b", "d"]
    assert placement.claimed == ["rp-a"]
    assert {s["cell_uuid"] for s in chosen} == {"c1"}


async def test_a_refused_claim_falls_to_the_next_host() -> None:
    placement = FakePlacement({"rp-a": 900, "rp-b": 700, "rp-c": 800}, {"rp-a"})
    chosen = await _select_one(_svc(placement), SPEC, _hosts(), FilterRequest(),
                               SharedCandidates())
    assert [s["host"] for s in chosen] == ["c"]  # c2 has no other host to offer
    assert placement.claimed == ["rp-c"]


async def test_every_claim_refused_is_no_valid_host() -> None:
    placement = FakePlacement({"rp-a": 900}, {"rp-a"})
    with pytest.raises(NoValidHost):
        await _select_one(_svc(placement), SPEC, _hosts(), FilterRequest(),
                          SharedCandidates())


async def test_calls_together_share_one_answer_and_count_each_others_claims() -> None:
    placement = FakePlacement({"rp-a": 2100, "rp-b": 1600}, set())
    shared, svc = SharedCandidates(fresh_s=60), _svc(placement)
    chosen = [(await _select_one(svc, {**SPEC, "instance_uuid": f"i{n}"}, _hosts(),
                                 FilterRequest(), shared))[0]["host"] for n in range(4)]
    assert placement.asked == 1
    # 512 MB each, spread by the free RAM left: a (2100), b (1600 vs 1588), a (1588 vs
    # 1088), b (1088 vs 1076)
    assert chosen == ["a", "b", "a", "b"]


async def test_a_shared_answer_that_ran_out_is_asked_again() -> None:
    placement = FakePlacement({"rp-a": 600}, set())
    shared, svc = SharedCandidates(fresh_s=60), _svc(placement)
    await _select_one(svc, SPEC, _hosts(), FilterRequest(), shared)
    assert placement.asked == 1
    placement.free["rp-b"] = 600  # room elsewhere that the shared answer does not know
    chosen = await _select_one(svc, {**SPEC, "instance_uuid": "i2"}, _hosts(),
                               FilterRequest(), shared)
    assert chosen[0]["host"] == "b"
    assert placement.asked == 2


async def test_an_old_answer_is_not_shared() -> None:
    placement = FakePlacement({"rp-a": 5000}, set())
    shared, svc = SharedCandidates(fresh_s=0), _svc(placement)
    for n in range(2):
        await _select_one(svc, {**SPEC, "instance_uuid": f"i{n}"}, _hosts(), FilterRequest(),
                          shared)
    assert placement.asked == 2


async def test_calls_in_flight_together_weigh_each_others_claims() -> None:
    placement = FakePlacement({"rp-a": 2100, "rp-b": 1600}, set())
    shared, svc = SharedCandidates(fresh_s=60), _svc(placement)
    chosen = await asyncio.gather(*(
        _select_one(svc, {**SPEC, "instance_uuid": f"i{n}"}, _hosts(), FilterRequest(), shared)
        for n in range(4)))
    assert placement.asked == 1
    assert Counter(c[0]["host"] for c in chosen) == {"a": 2, "b": 2}


async def test_a_refused_claim_is_taken_back_out_of_the_shared_answer() -> None:
    placement = FakePlacement({"rp-a": 900, "rp-b": 700}, {"rp-a"})
    shared, svc = SharedCandidates(fresh_s=60), _svc(placement)
    chosen = await _select_one(svc, SPEC, _hosts(), FilterRequest(), shared)
    assert chosen[0]["host"] == "b"
    candidates, asked = await shared.get(_wanted(), placement_answer_never_asked)
    assert not asked
    assert candidates["provider_summaries"]["rp-a"]["resources"]["MEMORY_MB"]["used"] == 0
    assert candidates["provider_summaries"]["rp-b"]["resources"]["MEMORY_MB"]["used"] == 512


def _wanted() -> Any:
    return placement_request(resources_of(SPEC), {}, PciSettings().alias)


async def placement_answer_never_asked() -> dict[str, Any]:
    raise AssertionError("the shared answer was not used")
