"""Operating statuses from one observation of the data plane (Octavia's health rules)."""

from __future__ import annotations

from typing import Any

from pocketstack.loadbalancer.amphora.base import HealthReport
from pocketstack.loadbalancer.controller.health import derive

LB = {"id": "lb", "admin_state_up": True, "operating_status": "OFFLINE"}


def rows(**member_states: str) -> dict[str, list[dict[str, Any]]]:
    return {
        "listener": [{"id": "l1", "protocol": "HTTP", "admin_state_up": True},
                     {"id": "l2", "protocol": "UDP", "admin_state_up": True},
                     {"id": "l3", "protocol": "SCTP", "admin_state_up": True}],
        "pool": [{"id": "p1", "admin_state_up": True}],
        "member": [{"id": m, "pool_id": "p1", "admin_state_up": True, "operating_status": s}
                   for m, s in member_states.items()],
    }


def test_all_up_is_online() -> None:
    report = HealthReport(alive=True, listeners={"l1": "OPEN", "l2": "OPEN"},
                          pools={"p1": "UP"}, members={"m1": "UP", "m2": "UP"})
    got = derive(report, LB, rows(m1="OFFLINE", m2="OFFLINE"))
    assert got["loadbalancer"] == {"lb": "ONLINE"}
    assert got["listener"] == {"l1": "ONLINE", "l2": "ONLINE", "l3": "OFFLINE"}
    assert got["pool"] == {"p1": "ONLINE"} and set(got["member"].values()) == {"ONLINE"}


def test_a_member_down_degrades_pool_and_lb() -> None:
    report = HealthReport(alive=True, listeners={"l1": "OPEN"}, pools={"p1": "UP"},
                          members={"m1": "UP", "m2": "DOWN"})
    got = derive(report, LB, rows(m1="ONLINE", m2="ONLINE"))
    assert got["member"] == {"m1": "ONLINE", "m2": "ERROR"}
    assert got["pool"] == {"p1": "DEGRADED"} and got["loadbalancer"] == {"lb": "DEGRADED"}


def test_pool_down_full_listener_and_dead_process() -> None:
    report = HealthReport(alive=True, listeners={"l1": "FULL"}, pools={"p1": "DOWN"},
                          members={"m1": "DOWN", "m2": "no check"})
    got = derive(report, LB, rows(m1="ONLINE", m2="NO_MONITOR"))
    assert got["listener"]["l1"] == "DEGRADED" and got["pool"] == {"p1": "ERROR"}
    assert got["loadbalancer"] == {"lb": "ERROR"} and got["member"]["m2"] == "NO_MONITOR"
    dead = derive(HealthReport(alive=False), LB, rows(m1="ONLINE"))
    assert dead["loadbalancer"] == {"lb": "ERROR"} and dead["listener"]["l1"] == "ERROR"
    assert dead["member"] == {"m1": "OFFLINE"}
