"""Allocation candidates shared by the scheduling calls that want the same ones at once.

Nova asks placement once per request and places each of its instances from that one answer,
counting what it has placed against the hosts as it goes. Here the calls in flight together
share the answer in the same way: a call that wants the candidates another asked for less
than :data:`FRESH_S` ago takes that answer instead of asking again, and every claim made
from it is counted in its provider summaries as it is sent (so the weighers of the calls
beside it see the RAM it takes, and a host it fills is skipped; a refused claim is taken
back out). The claim in placement stays the judge: one refused
because another process took the room sends the call to the next host, and a call that ran
out of hosts asks placement again for itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pocketstack.compute.scheduler.request_groups import PlacementRequest

__all__ = ["FRESH_S", "SharedCandidates", "consume", "fits"]

FRESH_S = 0.1  # how old an answer another call may still take

Fetch = Callable[[], Awaitable[dict[str, Any]]]


def _key(wanted: PlacementRequest) -> str:
    return json.dumps(dataclasses.asdict(wanted), sort_keys=True)


def fits(candidates: dict[str, Any], allocation_request: dict[str, Any]) -> bool:
    """The summaries (with what was claimed from them since) still hold the request."""
    summaries = candidates.get("provider_summaries", {})
    for rp, held in (allocation_request.get("allocations") or {}).items():
        resources = (summaries.get(rp) or {}).get("resources", {})
        for rc, amount in (held.get("resources") or {}).items():
            room = resources.get(rc)
            if room is not None and int(room["capacity"]) - int(room["used"]) < int(amount):
                return False
    return True


def consume(candidates: dict[str, Any], allocation_request: dict[str, Any],
            count: int = 1) -> None:
    """Count a claim made from ``candidates`` as used in their summaries (``count`` -1: a
    claim counted before placement answered, and refused)."""
    summaries = candidates.get("provider_summaries", {})
    for rp, held in (allocation_request.get("allocations") or {}).items():
        resources = (summaries.get(rp) or {}).get("resources", {})
        for rc, amount in (held.get("resources") or {}).items():
            if rc in resources:
                resources[rc]["used"] = int(resources[rc]["used"]) + count * int(amount)


@dataclasses.dataclass
class _Answer:
    asked_at: float
    task: asyncio.Future[dict[str, Any]]


class SharedCandidates:
    """The answers to ``GET /allocation_candidates`` of the last :data:`FRESH_S`, by
    request; one per scheduler."""

    def __init__(self, fresh_s: float = FRESH_S) -> None:
        self.fresh_s = fresh_s
        self._answers: dict[str, _Answer] = {}
        self.asked = 0  # queries sent to placement (for tests and the curious)

    async def get(self, wanted: PlacementRequest, fetch: Fetch, *,
                  fresh: bool = False) -> tuple[dict[str, Any], bool]:
        """The candidates for ``wanted``, and whether this call asked for them: a recent
        answer, or a new one (``fresh``: always a new one). A failed query is not kept."""
        key = _key(wanted)
        now = time.monotonic()
        for old in [k for k, a in self._answers.items() if now - a.asked_at > self.fresh_s]:
            del self._answers[old]
        answer = None if fresh else self._answers.get(key)
        asked = answer is None
        if answer is None:
            self.asked += 1
            answer = _Answer(now, asyncio.ensure_future(fetch()))
            answer.task.add_done_callback(_retrieve)
            self._answers[key] = answer
        try:
            return await asyncio.shield(answer.task), asked
        except Exception:
            if self._answers.get(key) is answer:
                del self._answers[key]
            raise


def _retrieve(task: asyncio.Future[dict[str, Any]]) -> None:
    """A failed query whose callers all gave up is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()
