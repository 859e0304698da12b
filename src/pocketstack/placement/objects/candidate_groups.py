"""One request group of an allocation-candidates search, resolved against the index.

:class:`GroupSearch` works out, once per request, which providers may serve the group
(capacity, units, traits, aggregates, tree) as sets of ids, so that looking at one tree
afterwards is a few set lookups. Upstream's rules are in :mod:`.candidates`.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from pocketstack.placement.objects.provider_index import Fit, ProviderIndex

if TYPE_CHECKING:
    from pocketstack.placement.objects.candidates import Allocations, RequestGroup

__all__ = ["GroupSearch", "fits", "fitting"]


def fits(fit: Fit | None, amount: int) -> bool:
    return (
        fit is not None and fit[0] >= amount and fit[1] <= amount <= fit[2] and amount % fit[3] == 0
    )


def fitting(index: ProviderIndex, name: str, amount: int, among: set[int] | None) -> set[int]:
    """Providers (of ``among``, None: all) whose inventory of ``name`` can take ``amount``."""
    if among is None:
        return index.fitting(name, amount)
    by_provider = index.fits.get(name, {})
    if len(among) < len(by_provider):
        return {p for p in among if fits(by_provider.get(p), amount)}
    return {
        p
        for p, (free, low, high, step) in by_provider.items()
        if p in among and free >= amount and low <= amount <= high and not amount % step
    }


def _union(index: dict[str, set[int]], names: frozenset[str]) -> set[int]:
    return set().union(*(index.get(name, ()) for name in names))


class GroupSearch:
    """Which providers may serve one group; ``possible`` is False when none can."""

    def __init__(self, index: ProviderIndex, spec: RequestGroup) -> None:
        self.index, self.spec = index, spec
        self.granular = bool(spec.suffix)
        self.possible = True
        allowed = self._allowed()
        if self.granular:  # one provider has everything, traits included
            for any_of in spec.required:
                traits = _union(index.by_trait, any_of)
                allowed = traits if allowed is None else allowed & traits
            for name, amount in sorted(
                spec.resources.items(), key=lambda item: len(index.fits.get(item[0], ()))
            ):
                allowed = fitting(index, name, amount, allowed)
            self.by_class = {"": set(index.providers) if allowed is None else allowed}
        else:
            self.by_class = {
                name: fitting(index, name, amount, allowed)
                for name, amount in spec.resources.items()
            }
        # Sharing providers that may serve this group in trees other than their own.
        sharing = index.sharing
        members = [_union(index.by_aggregate, any_of) for any_of in spec.member_of]
        self.lenders: set[int] = (
            set()
            if (spec.in_tree and not self.granular)
            else {
                p
                for ids in self.by_class.values()
                for p in ids & sharing
                if all(p in group for group in members)
            }
        )
        # Upstream: the unsuffixed group is not served in a tree whose root is forbidden.
        self.bad_anchors = (
            set() if self.granular else _union(index.by_aggregate, spec.forbidden_aggregates)
        )

    def _allowed(self) -> set[int] | None:
        """Providers passing the tree, aggregate and forbidden-trait filters (None: all)."""
        index, spec = self.index, self.spec
        allowed: set[int] | None = None
        if spec.in_tree is not None:
            anchor = index.by_uuid.get(spec.in_tree)
            root = index.root_of[anchor] if anchor is not None else None
            allowed = set(index.members.get(root, ())) if root is not None else set()
        for any_of in spec.member_of:
            members = _union(index.by_aggregate, any_of)
            if not self.granular:  # an aggregate on a root spans its tree
                members |= {p for p, root in index.root_of.items() if root in members}
            allowed = members if allowed is None else allowed & members
        bad = _union(index.by_aggregate, spec.forbidden_aggregates)
        if bad and not self.granular:
            bad |= {p for p, root in index.root_of.items() if root in bad}
        bad |= _union(index.by_trait, spec.forbidden)
        if bad:
            allowed = set(index.providers) - bad if allowed is None else allowed - bad
        if allowed is not None and not allowed:
            self.possible = False
        return allowed

    def anchors(self) -> set[int]:
        """Roots of the trees this group can be satisfied in."""
        root_of = self.index.root_of.__getitem__
        found: set[int] | None = None
        for ids in self.by_class.values():
            roots = set(map(root_of, ids))
            for lender in self.lenders & ids:
                roots |= self.index.anchors(lender)
            found = roots if found is None else found & roots
        return (found or set()) - self.bad_anchors

    def options(self, root: int) -> list[tuple[Allocations, list[int]]]:
        """How this group can be served in the tree of ``root``: (allocations, providers)."""
        index = self.index
        pool = index.members.get(root, [])
        lenders = index.sharing_for(root)
        if lenders:
            pool = pool + [p for p in lenders if p in self.lenders]
        if self.granular:
            ids, amounts = self.by_class[""], self.spec.resources
            return [({p: dict(amounts)} if amounts else {}, [p]) for p in pool if p in ids]
        choices = [[p for p in pool if p in ids] for ids in self.by_class.values()]
        if (
            len(pool) > 1
            and all(len(c) == 1 for c in choices)
            and len({c[0] for c in choices}) == 1
            and not self.spec.required
        ):
            return [({choices[0][0]: dict(self.spec.resources)}, [choices[0][0]])]
        found = []
        for combo in itertools.product(*choices):
            used = list(dict.fromkeys(combo))
            if self.spec.required:
                traits = set().union(*(index.providers[p].traits for p in used))
                if not all(any_of & traits for any_of in self.spec.required):
                    continue
            allocations: Allocations = {}
            for provider, (name, amount) in zip(combo, self.spec.resources.items(), strict=True):
                allocations.setdefault(provider, {})[name] = amount
            found.append((allocations, used))
        return found
