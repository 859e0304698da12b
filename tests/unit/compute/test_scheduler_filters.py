"""The scheduler's filters and weighers are pure functions of a host and a request."""

from __future__ import annotations

from pocketstack.compute.objects.scheduling import HostState
from pocketstack.compute.scheduler.filters import (
    FilterRequest,
    affinity_filter,
    anti_affinity_filter,
    availability_zone_filter,
    compute_filter,
    run_filters,
)
from pocketstack.compute.scheduler.manager import resources_of
from pocketstack.compute.scheduler.weighers import (
    DEFAULT_WEIGHERS,
    cross_cell_weight,
    sort_hosts,
)


def host(name: str, *, az: str = "nova", ram: int = 1000, disabled: bool = False,
         up: bool = True) -> HostState:
    return HostState(name, name, "cell", f"rp-{name}", disabled, up, az, ram)


def test_compute_filter_drops_disabled_and_down_hosts() -> None:
    request = FilterRequest()
    assert compute_filter(host("a"), request)
    assert not compute_filter(host("b", disabled=True), request)
    assert not compute_filter(host("c", up=False), request)


def test_availability_zone_filter_matches_the_requested_zone_only() -> None:
    assert availability_zone_filter(host("a", az="az1"), FilterRequest())
    assert availability_zone_filter(host("a", az="az1"), FilterRequest(availability_zone="az1"))
    assert not availability_zone_filter(host("a"), FilterRequest(availability_zone="az1"))


def test_hard_affinity_sticks_to_the_members_hosts() -> None:
    request = FilterRequest(group_policy="affinity", group_hosts={"a"})
    assert affinity_filter(host("a"), request)
    assert not affinity_filter(host("b"), request)
    assert affinity_filter(host("b"), FilterRequest(group_policy="affinity"))


def test_hard_anti_affinity_honours_max_server_per_host() -> None:
    request = FilterRequest(group_policy="anti-affinity", group_host_counts={"a": 1})
    assert not anti_affinity_filter(host("a"), request)
    assert anti_affinity_filter(host("b"), request)
    request.max_server_per_host = 2
    assert anti_affinity_filter(host("a"), request)


def test_run_filters_applies_them_all() -> None:
    hosts = [host("a"), host("b", disabled=True), host("c", az="other")]
    assert [h.host for h in run_filters(hosts, FilterRequest(availability_zone="nova"))] == [
        "a"]


def test_ram_weigher_spreads_and_soft_anti_affinity_outweighs_it() -> None:
    hosts = [host("a", ram=100), host("b", ram=900), host("c", ram=500)]
    assert [h.host for h in sort_hosts(hosts, FilterRequest())] == ["b", "c", "a"]
    soft = FilterRequest(group_policy="soft-anti-affinity", group_host_counts={"b": 1})
    assert sort_hosts(hosts, soft)[0].host == "c"
    together = FilterRequest(group_policy="soft-affinity", group_host_counts={"a": 2})
    assert sort_hosts(hosts, together)[0].host == "a"


def test_resources_of_counts_swap_in_whole_gigabytes_and_no_disk_from_volume() -> None:
    flavor = {"vcpus": 2, "memory_mb": 2048, "root_gb": 20, "ephemeral_gb": 5, "swap": 1500}
    assert resources_of({"flavor": flavor}) == {"VCPU": 2, "MEMORY_MB": 2048, "DISK_GB": 27}
    assert resources_of({"flavor": flavor, "is_bfv": True})["DISK_GB"] == 0


def test_cross_cell_weigher_keeps_a_move_in_its_cell_unless_told_otherwise() -> None:
    def in_cell(name: str, cell: str, ram: int) -> HostState:
        return HostState(name, name, cell, f"rp-{name}", False, True, "nova", ram)

    hosts = [in_cell("far", "c2", 900), in_cell("near", "c1", 100)]
    move = FilterRequest(preferred_cell="c1")
    stay = (*DEFAULT_WEIGHERS, (cross_cell_weight, 1000000.0))
    assert [h.host for h in sort_hosts(hosts, move, stay)] == ["near", "far"]
    drain = (*DEFAULT_WEIGHERS, (cross_cell_weight, -1000000.0))
    assert [h.host for h in sort_hosts(hosts, move, drain)] == ["far", "near"]
    assert [h.host for h in sort_hosts(hosts, FilterRequest(), stay)] == ["far", "near"]
