"""The UDP balancer's member choice (``udp_schedule``): pure, no sockets."""

from __future__ import annotations

import collections

from pocketstack.loadbalancer.amphora.udp_schedule import Member, Pool, pool_from


def pool(algorithm: str, *members: Member, timeout: float | None = None) -> Pool:
    return Pool("p", algorithm, {m.id: m for m in members}, persistence_timeout=timeout)


def picks(p: Pool, count: int, client: str = "10.0.0.1") -> collections.Counter[str]:
    chosen = collections.Counter[str]()
    for _ in range(count):
        member = p.pick(client, 0.0)
        assert member is not None
        chosen[member.id] += 1
    return chosen


def test_round_robin_follows_weights_and_skips_drained_disabled_and_down() -> None:
    p = pool(
        "ROUND_ROBIN", Member("a", "x", 1, weight=3), Member("b", "x", 2),
        Member("drained", "x", 3, weight=0), Member("off", "x", 4, enabled=False),
        Member("down", "x", 5, state="DOWN"),
    )  # fmt: skip
    assert picks(p, 8) == {"a": 6, "b": 2}


def test_backups_serve_only_when_no_other_member_can() -> None:
    primary, backup = Member("a", "x", 1), Member("backup", "x", 2, backup=True)
    p = pool("ROUND_ROBIN", primary, backup)
    assert picks(p, 3) == {"a": 3}
    primary.state = "DOWN"
    assert picks(p, 3) == {"backup": 3}
    backup.state = "DOWN"
    assert p.pick("10.0.0.1", 0.0) is None and p.status() == "DOWN"


def test_least_connections_takes_the_fewest_live_sessions() -> None:
    busy, idle = Member("busy", "x", 1, sessions=5), Member("idle", "x", 2, sessions=1)
    assert picks(pool("LEAST_CONNECTIONS", busy, idle), 2) == {"idle": 2}


def test_source_ip_is_stable_per_client_and_spreads_clients() -> None:
    p = pool("SOURCE_IP", *(Member(f"m{i}", "x", i) for i in range(3)))
    assert len(picks(p, 5, "10.0.0.7")) == 1
    assert len({p.pick(f"10.0.{i}.1", 0.0).id for i in range(60)}) == 3  # type: ignore[union-attr]


def test_persistence_keeps_a_network_until_it_times_out() -> None:
    a, b = Member("a", "x", 1), Member("b", "x", 2)
    p = pool("ROUND_ROBIN", a, b, timeout=10)
    p.granularity = "255.255.255.0"
    p.remember("10.0.0.1", b, now=0.0)
    assert p.pick("10.0.0.99", 5.0) is b  # same /24
    p.forget_expired(11.0)
    assert not p.persist


def test_a_reload_keeps_the_state_of_members_that_stay() -> None:
    doc = {"id": "p", "lb_algorithm": "ROUND_ROBIN", "monitor": {"type": "UDP-CONNECT"},
           "members": [{"id": "a", "address": "127.0.0.1", "port": 1}]}  # fmt: skip
    old = pool_from(doc, None)
    old.members["a"].state, old.members["a"].sessions = "DOWN", 4
    new = pool_from({**doc, "members": [*doc["members"], {"id": "b", "address": "127.0.0.1",
                                                         "port": 2}]}, old)  # fmt: skip
    assert new.members["a"] is old.members["a"] and new.members["b"].state == "UP"
    moved = pool_from({**doc, "members": [{"id": "a", "address": "127.0.0.2", "port": 1}]}, old)
    assert moved.members["a"] is not old.members["a"]
