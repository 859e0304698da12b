"""Deciding a batch of claims from what it read: pure Python, no SQL (:mod:`.claims` reads).

:class:`Found` is what the batch's first query read; its :meth:`~Found.check` is a request's
consumer-generation and name checks. :class:`Tally` then decides the requests in order: each
must fit the inventory with what consumers outside the batch use (read after the provider
locks) plus what the batch's own consumers hold as the requests before it left them.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from pocketstack.placement.objects import consumers
from pocketstack.placement.objects.errors import BadRequest, Conflict, PlacementError

__all__ = ["Claim", "Found", "Key", "Outcome", "Tally"]

Outcome = PlacementError | None  # a request's answer: None when its claims were made
Key = tuple[int, int]  # (provider id, resource class id)


@dataclasses.dataclass(frozen=True, slots=True)
class Claim:
    """One consumer's wanted allocations (empty: remove them all)."""

    consumer: str
    allocations: Mapping[str, Mapping[str, int]]  # provider uuid -> class -> amount
    project_id: str
    user_id: str
    generation: int | None = None
    check_generation: bool = False  # 1.28: ``generation`` must match (None: a new consumer)
    consumer_type: str | None = None  # 1.38


@dataclasses.dataclass
class Found:
    """What a batch's first query read: ids by kind and name, the consumers, what each holds."""

    ids: dict[str, dict[str, int]]
    consumers: dict[str, consumers.Consumer]
    held: dict[str, dict[Key, int]]  # consumer uuid -> (provider, class) -> used

    def check(self, request: Sequence[Claim]) -> Outcome:
        """A request's generation and name checks (in that order, as one claim made them)."""
        try:
            for claim in request:
                if claim.check_generation:
                    current = self.consumers.get(claim.consumer)
                    consumers.check_generation(claim.consumer, current, claim.generation)
            for claim in request:
                for rp, resources in claim.allocations.items():
                    if rp not in self.ids["provider"]:
                        raise BadRequest(
                            f"Allocation for resource provider '{rp}' that does not exist."
                        )
                    for name in resources:
                        if name not in self.ids["class"]:
                            raise BadRequest(
                                f"Unable to allocate inventory for consumer {claim.consumer}: "
                                f"No such resource class {name}."
                            )
        except PlacementError as error:
            return error
        return None

    def wanted(self, claim: Claim) -> dict[Key, int]:
        providers, classes = self.ids["provider"], self.ids["class"]
        return {
            (providers[rp], classes[name]): amount
            for rp, resources in claim.allocations.items()
            for name, amount in resources.items()
        }

    def touched(self, claims: Sequence[Claim]) -> tuple[set[int], set[int]]:
        """(providers whose generation the claims bump, providers that merely lose some):
        the first are those that gain allocations or lose a consumer's last ones."""
        bumped = {self.ids["provider"][rp] for c in claims for rp in c.allocations}
        losing: set[int] = set()
        for claim in claims:
            held = {rp for rp, _ in self.held.get(claim.consumer, {})}
            (losing if claim.allocations else bumped).update(held)
        return bumped, losing - bumped


class Tally:
    """What the batch's consumers hold, as the requests decided so far left it."""

    def __init__(self, found: Found, inventory: Mapping[Key, Any]) -> None:
        self.found = found
        self.inventory = inventory
        self.held = {uuid: dict(amounts) for uuid, amounts in found.held.items()}
        self.total: dict[Key, int] = defaultdict(int)  # held by the batch's consumers
        for amounts in found.held.values():
            for key, used in amounts.items():
                self.total[key] += used

    def take(self, request: Sequence[Claim]) -> Outcome:
        """Give the request its claims if they all fit (else its 409, and nothing changes)."""
        wanted = {c.consumer: self.found.wanted(c) for c in request}
        summed: dict[Key, int] = defaultdict(int)
        for amounts in wanted.values():
            for key, amount in amounts.items():
                summed[key] += amount
        providers, classes = self.found.ids["provider"], self.found.ids["class"]
        for claim in request:
            for rp, resources in claim.allocations.items():
                for name, amount in resources.items():
                    key = (providers[rp], classes[name])
                    mine = sum(self.held.get(c.consumer, {}).get(key, 0) for c in request)
                    others = self.total[key] - mine
                    error = _misfit(self.inventory.get(key), others, amount, summed[key], rp, name)
                    if error is not None:
                        return error
        for uuid, amounts in wanted.items():
            for key, used in self.held.pop(uuid, {}).items():
                self.total[key] -= used
            self.held[uuid] = amounts
            for key, amount in amounts.items():
                self.total[key] += amount
        return None


def _misfit(inv: Any, batch: int, amount: int, total_wanted: int, rp: str, name: str) -> Outcome:
    """Why ``amount`` (of ``total_wanted`` by the request) does not fit ``inv``, or None;
    ``batch``: what other consumers of the batch hold of it now."""
    prefix = "Unable to allocate inventory: "
    if inv is None:
        return Conflict(f"{prefix}Inventory for '{name}' on resource provider '{rp}' invalid.")
    where = f"Unable to create allocation for '{name}' on resource provider '{rp}'."
    if not inv.min_unit <= amount <= inv.max_unit or amount % inv.step_size:
        return Conflict(
            f"{prefix}{where} The requested amount would violate inventory constraints."
        )
    used = (inv.used or 0) + batch
    if used + total_wanted > (inv.total - inv.reserved) * inv.allocation_ratio:
        return Conflict(f"{prefix}{where} The requested amount would exceed the capacity.")
    return None
