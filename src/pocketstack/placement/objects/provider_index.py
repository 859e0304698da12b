"""Every resource provider in memory, indexed for the allocation-candidates search.

A :class:`ProviderIndex` is plain data: :meth:`ProviderIndex.put` and
:meth:`ProviderIndex.remove` keep its indexes (trees, capacity by resource class, providers
by trait and by aggregate, what sharing providers serve which tree, who fits recently
asked amounts) in step with the providers. :mod:`.provider_cache` fills one from the
database and follows the change log; tests build one by hand.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Mapping

__all__ = ["SHARES_VIA_AGGREGATE", "Fit", "Inventory", "Provider", "ProviderIndex"]

SHARES_VIA_AGGREGATE = "MISC_SHARES_VIA_AGGREGATE"
FITTING_MEMO = 64  # (class, amount) pairs whose fitting providers are kept up to date

# What a capacity check reads, as a tuple because it is read in hot loops:
# (free = capacity - used, min_unit, max_unit, step_size).
Fit = tuple[int, int, int, int]


@dataclasses.dataclass(frozen=True, slots=True)
class Inventory:
    total: int
    reserved: int = 0
    min_unit: int = 1
    max_unit: int = 2**31 - 1
    step_size: int = 1
    allocation_ratio: float = 1.0
    used: int = 0

    @property
    def capacity(self) -> int:
        return int((self.total - self.reserved) * self.allocation_ratio)

    @property
    def fit(self) -> Fit:
        return (self.capacity - self.used, self.min_unit, self.max_unit, self.step_size)


@dataclasses.dataclass(slots=True, eq=False)
class Provider:
    """One provider as the search sees it; replaced whole (never edited) when it changes."""

    id: int
    uuid: str
    name: str = ""
    generation: int = 0
    parent_id: int | None = None
    root_id: int = 0  # 0: the provider is its own root
    parent_uuid: str | None = None
    root_uuid: str = ""
    inventories: Mapping[str, Inventory] = dataclasses.field(default_factory=dict)
    traits: frozenset[str] = frozenset()
    aggregates: frozenset[str] = frozenset()
    # Serializations of this provider (e.g. its provider summary), memoized by their
    # users; they go away with the object when the provider changes.
    memo: dict[object, bytes] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.root_id:
            self.root_id = self.id
        if not self.root_uuid:
            self.root_uuid = self.uuid


class ProviderIndex:
    """Providers by id plus the indexes the search reads. Mutate only via put/remove."""

    def __init__(self, providers: Iterable[Provider] = ()) -> None:
        self.providers: dict[int, Provider] = {}
        self.by_uuid: dict[str, int] = {}
        self.root_of: dict[int, int] = {}  # provider id -> its root's id
        self.members: dict[int, list[int]] = {}  # root id -> ids of its tree, ascending
        self.singletons: set[int] = set()  # roots of trees of one provider
        self.fits: dict[str, dict[int, Fit]] = {}  # resource class -> provider id -> fit
        self.by_trait: dict[str, set[int]] = {}
        self.by_aggregate: dict[str, set[int]] = {}
        self._nested = 0  # providers that have a parent
        self._fitting: dict[tuple[str, int], set[int]] = {}  # in least recently used order
        self._sharing_for: dict[int, tuple[int, ...]] | None = {}
        self._anchors: dict[int, frozenset[int]] = {}
        for provider in providers:
            self.put(provider)

    @property
    def has_trees(self) -> bool:
        return self._nested > 0

    def get(self, provider_id: int) -> Provider | None:
        return self.providers.get(provider_id)

    def put(self, provider: Provider) -> None:
        """Add ``provider`` or replace the provider with its id."""
        old = self.providers.get(provider.id)
        if old is not None:
            self._unindex(old)
        self.providers[provider.id] = provider
        self.by_uuid[provider.uuid] = provider.id
        self.root_of[provider.id] = provider.root_id
        tree = self.members.setdefault(provider.root_id, [])
        bisect.insort(tree, provider.id)
        self._count(provider.root_id, tree)
        for name, inventory in provider.inventories.items():
            self.fits.setdefault(name, {})[provider.id] = inventory.fit
        for trait in provider.traits:
            self.by_trait.setdefault(trait, set()).add(provider.id)
        for aggregate in provider.aggregates:
            self.by_aggregate.setdefault(aggregate, set()).add(provider.id)
        self._nested += provider.parent_id is not None
        for (name, amount), ids in self._fitting.items():
            held = provider.inventories.get(name)
            if held is not None and _fits(held.fit, amount):
                ids.add(provider.id)
        if old is None or _sharing_shape(old) != _sharing_shape(provider):
            self._sharing_for = None

    def remove(self, provider_id: int) -> None:
        old = self.providers.pop(provider_id, None)
        if old is not None:
            self._unindex(old)
            self._sharing_for = None

    def _unindex(self, old: Provider) -> None:
        self.by_uuid.pop(old.uuid, None)
        self.root_of.pop(old.id, None)
        tree = self.members.get(old.root_id, [])
        if old.id in tree:
            tree.remove(old.id)
        if not tree:
            self.members.pop(old.root_id, None)
        self._count(old.root_id, tree)
        for name in old.inventories:
            self.fits.get(name, {}).pop(old.id, None)
        for trait in old.traits:
            self.by_trait.get(trait, set()).discard(old.id)
        for aggregate in old.aggregates:
            self.by_aggregate.get(aggregate, set()).discard(old.id)
        self._nested -= old.parent_id is not None
        for ids in self._fitting.values():
            ids.discard(old.id)

    def fitting(self, name: str, amount: int) -> set[int]:
        """Providers whose inventory of ``name`` can take ``amount`` (do not modify).

        Kept up to date by put/remove for the most recently asked pairs.
        """
        key = (name, amount)
        found = self._fitting.pop(key, None)
        if found is None:
            found = {
                p
                for p, (free, low, high, step) in self.fits.get(name, {}).items()
                if free >= amount and low <= amount <= high and not amount % step
            }
            if len(self._fitting) >= FITTING_MEMO:
                del self._fitting[next(iter(self._fitting))]
        self._fitting[key] = found
        return found

    def _count(self, root: int, tree: list[int]) -> None:
        if len(tree) == 1 and tree[0] == root:
            self.singletons.add(root)
        else:
            self.singletons.discard(root)

    # Sharing providers (trait MISC_SHARES_VIA_AGGREGATE) lend their inventory to every
    # tree that has a provider in one of their aggregates: those trees' roots are the
    # sharing provider's "anchors" (its own root is one too).

    def anchors(self, sharing_id: int) -> frozenset[int]:
        self._sharing_index()
        return self._anchors.get(sharing_id, frozenset())

    def sharing_for(self, root_id: int) -> tuple[int, ...]:
        """Sharing providers of other trees that lend to the tree of ``root_id``."""
        return self._sharing_index().get(root_id, ())

    @property
    def borrowers(self) -> set[int]:
        """Roots of the trees some other tree's sharing provider lends to."""
        return set(self._sharing_index())

    @property
    def sharing(self) -> frozenset[int]:
        self._sharing_index()
        return frozenset(self._anchors)

    def _sharing_index(self) -> dict[int, tuple[int, ...]]:
        if self._sharing_for is not None:
            return self._sharing_for
        anchors: dict[int, frozenset[int]] = {}
        lenders: dict[int, list[int]] = {}
        for sharing_id in sorted(self.by_trait.get(SHARES_VIA_AGGREGATE, ())):
            lender = self.providers[sharing_id]
            roots = {lender.root_id}
            for aggregate in lender.aggregates:
                roots.update(self.providers[p].root_id for p in self.by_aggregate[aggregate])
            anchors[sharing_id] = frozenset(roots)
            for root in roots - {lender.root_id}:
                lenders.setdefault(root, []).append(sharing_id)
        self._anchors = anchors
        self._sharing_for = {root: tuple(ids) for root, ids in lenders.items()}
        return self._sharing_for


def _fits(fit: Fit, amount: int) -> bool:
    return fit[0] >= amount and fit[1] <= amount <= fit[2] and amount % fit[3] == 0


def _sharing_shape(provider: Provider) -> tuple[object, ...]:
    """What the sharing index depends on: a change elsewhere leaves it valid."""
    return (provider.root_id, provider.aggregates, SHARES_VIA_AGGREGATE in provider.traits)
