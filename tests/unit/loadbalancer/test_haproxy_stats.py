"""Reading HAProxy's CLI answers: ``show stat`` as a HealthReport, ``show proc`` workers."""

from __future__ import annotations

from pocketstack.loadbalancer.amphora import ListenerStats
from pocketstack.loadbalancer.amphora.haproxy_stats import (
    ProcTable,
    member_status,
    parse_show_proc,
    parse_show_stat,
)

# Captured from HAProxy 2.6 (``show stat``), trimmed to the columns read, with a second
# listener (l2) using the same pool: its backend is DOWN and its m3 in maintenance.
SHOW_STAT = """\
# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type
l1,FRONTEND,,,3,5,10,42,1200,3400,0,0,2,,,,,OPEN,,,,,,,,,1,2,0,,,,0
l2,FRONTEND,,,10,10,10,10,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,0,,,,0
p1:l1,m1,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,1,1,,1,3,1,,0,,2
p1:l1,m2,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,,,1,,,1,3,2,,0,,2
p1:l1,m3,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1,0,,,1,,,1,3,3,,0,,2
p1:l1,m4,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP 1/3,1,1,0,,,1,,,1,3,3,,0,,2
p1:l1,m5,0,0,0,0,,0,0,0,,0,,0,0,0,0,NOLB,1,1,0,,,1,,,1,3,3,,0,,2
p1:l1,BACKEND,0,0,0,0,1,0,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,1,0,,1,3,0,,0,,1
p1:l2,m3,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT (via p9:l2/m3),1,1,0,,,1,,,1,4,3,,0,,2
p1:l2,BACKEND,0,0,0,0,1,0,0,0,0,0,,0,0,0,0,DOWN,1,1,0,,0,1,0,,1,4,0,,0,,1
p2:l2,BACKEND,0,0,0,0,1,0,0,0,0,0,,0,0,0,0,DOWN,1,1,0,,0,1,0,,1,5,0,,0,,1
"""  # noqa: E501

SHOW_PROC = """\
#<PID>          <type>          <reloads>       <uptime>        <version>
7318            master          2 [failed: 0]   0d00h10m18s     2.6.12-1+deb12u4
# workers
10500           worker          0               0d00h00m00s     2.6.12-1+deb12u4
# old workers
10427           worker          1               0d00h00m03s     2.6.12-1+deb12u4
# programs

"""


def test_show_stat_becomes_a_health_report() -> None:
    report = parse_show_stat(SHOW_STAT)

    assert report.alive
    assert report.listeners == {"l1": "OPEN", "l2": "FULL"}
    assert report.stats["l1"] == ListenerStats(
        bytes_in=1200, bytes_out=3400, active_connections=3, total_connections=42, request_errors=2
    )
    assert report.pools == {"p1": "UP", "p2": "DOWN"}  # p1 is UP behind l1, DOWN behind l2
    assert report.members == {
        "m1": "DOWN",
        "m2": "MAINT",
        "m3": "MAINT",  # "no check" behind l1, in maintenance behind l2: the worse
        "m4": "UP",
        "m5": "DRAIN",
    }


def test_member_status_words() -> None:
    assert member_status("DOWN 1/2") == "DOWN"  # going up, not there yet
    assert member_status("DRAIN (agent)") == "DRAIN"
    assert member_status("no check") == "no check"


def test_show_proc_lists_current_workers_only() -> None:
    assert parse_show_proc(SHOW_PROC) == ProcTable(
        master=7318, reloads=2, failed=0, workers=(10500,)
    )
    failed = SHOW_PROC.replace("2 [failed: 0]", "3 [failed: 1]")
    assert parse_show_proc(failed).failed == 1
