"""Which member a new UDP session goes to: the balancer's pure scheduling state.

A ``Pool`` holds its ``Member`` objects (health state and live session counts included) and
picks one for a client: ROUND_ROBIN is a smooth weighted round robin, LEAST_CONNECTIONS the
fewest live sessions per weight, SOURCE_IP a weighted rendezvous hash of the client address
(stable when other members come and go). SOURCE_IP persistence keeps a client network
(the address masked by ``persistence_granularity``) on its member for ``persistence_timeout``
seconds after it was last seen. Backup members serve only when no other member can; weight 0
(drain) and disabled members get no new sessions; DOWN members none.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import ipaddress
import math
from typing import Any

__all__ = ["MAX_PERSISTENCE", "Member", "Pool", "member_from", "pool_from"]

MAX_PERSISTENCE = 65536  # client networks remembered per pool; the oldest is forgotten


@dataclasses.dataclass(eq=False)
class Member:
    id: str
    address: str
    port: int
    weight: int = 1
    backup: bool = False
    enabled: bool = True
    check_address: str = ""
    check_port: int = 0
    state: str = "no check"  # UP DOWN "no check"
    sessions: int = 0  # live sessions
    current: int = 0  # smooth weighted round robin
    successes: int = 0
    failures: int = 0

    def status(self) -> str:
        return "MAINT" if not self.enabled else self.state

    def usable(self) -> bool:
        return self.enabled and self.weight > 0 and self.state != "DOWN"

    def record(self, ok: bool, rise: int, fall: int) -> None:
        """One health check's result: DOWN after ``fall`` failures, UP after ``rise``."""
        if ok:
            self.failures, self.successes = 0, self.successes + 1
            if self.state != "UP" and self.successes >= rise:
                self.state = "UP"
        else:
            self.successes, self.failures = 0, self.failures + 1
            if self.state != "DOWN" and self.failures >= fall:
                self.state = "DOWN"


@dataclasses.dataclass(eq=False)
class Pool:
    id: str
    algorithm: str  # ROUND_ROBIN LEAST_CONNECTIONS SOURCE_IP
    members: dict[str, Member] = dataclasses.field(default_factory=dict)
    persistence_timeout: float | None = None  # None: no persistence
    granularity: str = "255.255.255.255"
    monitor: dict[str, Any] | None = None
    persist: collections.OrderedDict[str, tuple[str, float]] = dataclasses.field(
        default_factory=collections.OrderedDict
    )

    def status(self) -> str:
        alive = any(m.enabled and m.state != "DOWN" for m in self.members.values())
        return "UP" if alive else "DOWN"

    def candidates(self) -> list[Member]:
        usable = [m for m in self.members.values() if m.usable()]
        primary = [m for m in usable if not m.backup]
        return primary or usable

    def pick(self, client_ip: str, now: float) -> Member | None:
        """The member for a new session of ``client_ip`` (None when none can take one)."""
        members = self.candidates()
        if not members:
            return None
        key = self._network(client_ip)
        if key is not None and key in self.persist:
            member_id, expires = self.persist[key]
            kept = self.members.get(member_id)
            if expires > now and kept is not None and kept in members:
                return kept
        if self.algorithm == "SOURCE_IP":
            chosen = max(members, key=lambda m: _score(client_ip, m))
        elif self.algorithm == "LEAST_CONNECTIONS":
            fewest = min(m.sessions / m.weight for m in members)
            chosen = _round_robin([m for m in members if m.sessions / m.weight == fewest])
        else:
            chosen = _round_robin(members)
        return chosen

    def remember(self, client_ip: str, member: Member, now: float) -> None:
        """Keep ``client_ip``'s network on ``member`` (persistence only)."""
        key = self._network(client_ip)
        if key is None or self.persistence_timeout is None:
            return
        self.persist[key] = (member.id, now + self.persistence_timeout)
        self.persist.move_to_end(key)
        while len(self.persist) > MAX_PERSISTENCE:
            self.persist.popitem(last=False)

    def forget_expired(self, now: float) -> None:
        for key in [k for k, (_, expires) in self.persist.items() if expires <= now]:
            del self.persist[key]

    def _network(self, client_ip: str) -> str | None:
        if self.persistence_timeout is None:
            return None
        try:
            return str(ipaddress.ip_network(f"{client_ip}/{self.granularity}", strict=False))
        except ValueError:
            return client_ip


def _round_robin(members: list[Member]) -> Member:
    """Smooth weighted round robin (each pick: add weights, take the largest, subtract
    the total), so weights interleave instead of bursting."""
    total = sum(m.weight for m in members)
    for m in members:
        m.current += m.weight
    chosen = max(members, key=lambda m: m.current)
    chosen.current -= total
    return chosen


def _score(client_ip: str, member: Member) -> float:
    digest = hashlib.blake2b(f"{client_ip}|{member.id}".encode(), digest_size=8).digest()
    unit = (int.from_bytes(digest, "big") + 1) / (2**64 + 2)  # in (0, 1)
    return -member.weight / math.log(unit)


def member_from(doc: dict[str, Any]) -> Member:
    return Member(
        id=doc["id"], address=doc["address"], port=int(doc["port"]),
        weight=int(doc.get("weight", 1)), backup=bool(doc.get("backup")),
        enabled=bool(doc.get("enabled", True)),
        check_address=doc.get("monitor_address") or doc["address"],
        check_port=int(doc.get("monitor_port") or doc["port"]),
    )  # fmt: skip


def pool_from(doc: dict[str, Any], old: Pool | None) -> Pool:
    """The pool ``doc`` describes, keeping from ``old`` the members that stay (same address
    and port: their health state and sessions) and the persistence table."""
    pool = Pool(
        id=doc["id"], algorithm=doc.get("lb_algorithm", "ROUND_ROBIN"),
        persistence_timeout=doc.get("persistence_timeout"),
        granularity=doc.get("persistence_granularity") or "255.255.255.255",
        monitor=doc.get("monitor"),
    )  # fmt: skip
    if old is not None:
        pool.persist = old.persist
    for member_doc in doc.get("members", []):
        fresh = member_from(member_doc)
        kept = old.members.get(fresh.id) if old is not None else None
        if kept is not None and (kept.address, kept.port) == (fresh.address, fresh.port):
            kept.weight, kept.backup, kept.enabled = fresh.weight, fresh.backup, fresh.enabled
            kept.check_address, kept.check_port = fresh.check_address, fresh.check_port
            fresh = kept
        if pool.monitor is None:
            fresh.state = "no check"
        elif fresh.state == "no check":
            fresh.state = "UP"  # checked from now on; UP until it fails ``fall`` times
        pool.members[fresh.id] = fresh
    return pool
