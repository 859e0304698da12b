"""Allocation candidates: which providers can satisfy a request, searched in memory.

Pure functions over a :class:`ProviderIndex`. The rules are upstream placement's:

* The unsuffixed group's resources may come from several providers of one tree (and from
  sharing providers lending to that tree); its required traits must be found among the
  providers that supply it, none of which may have a forbidden trait. Its ``member_of``
  is met by a provider or by its tree's root (aggregates on a root span the tree).
* A suffixed (granular) group is satisfied by one provider: all its resources, traits
  and aggregates on that provider. With ``group_policy=isolate`` different suffixed
  groups use different providers.
* Every candidate is anchored in one tree: all its providers are in that tree or share
  with it via an aggregate. ``root_required`` filters on that tree's root,
  ``same_subtree`` asks that one provider of the listed groups be an ancestor of the rest.
* Capacity: ``(total - reserved) * ratio - used >= amount``, ``min_unit <= amount <=
  max_unit`` and ``amount % step_size == 0`` per group; the sum over the groups that land
  on one provider must still fit.

Trees are visited in the order of their root's id and the search stops at ``limit``. A
tree of one provider that no sharing provider lends to (most compute nodes) is decided by
set operations over all such trees at once.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence

from pocketstack.placement.objects.candidate_groups import GroupSearch, fits
from pocketstack.placement.objects.provider_index import ProviderIndex

__all__ = ["Candidate", "CandidateRequest", "Found", "RequestGroup", "find_candidates"]

Allocations = dict[int, dict[str, int]]  # provider id -> resource class -> amount


@dataclasses.dataclass(frozen=True)
class RequestGroup:
    suffix: str = ""  # "": the unsuffixed group
    resources: Mapping[str, int] = dataclasses.field(default_factory=dict)
    required: Sequence[frozenset[str]] = ()  # AND of any-of sets
    forbidden: frozenset[str] = frozenset()
    member_of: Sequence[frozenset[str]] = ()  # AND of any-of sets of aggregate uuids
    forbidden_aggregates: frozenset[str] = frozenset()
    in_tree: str | None = None  # a provider uuid: only its tree


@dataclasses.dataclass(frozen=True)
class CandidateRequest:
    groups: Sequence[RequestGroup]
    limit: int | None = None
    isolate: bool = False
    root_required: frozenset[str] = frozenset()
    root_forbidden: frozenset[str] = frozenset()
    same_subtrees: Sequence[frozenset[str]] = ()
    nested_aware: bool = True  # 1.29: several providers of one tree in a candidate

    @property
    def resource_classes(self) -> set[str]:
        return {name for group in self.groups for name in group.resources}

    @property
    def traits(self) -> set[str]:
        names = set(self.root_required | self.root_forbidden)
        for group in self.groups:
            names |= group.forbidden.union(*group.required)
        return names


@dataclasses.dataclass(frozen=True, slots=True)
class Candidate:
    allocations: Allocations
    mappings: dict[str, list[int]]  # group suffix -> provider ids


@dataclasses.dataclass(frozen=True)
class Found:
    """The candidates (an ``int``: the whole request from that one provider) and the
    providers to summarize, in order."""

    candidates: list[Candidate | int]
    summaries: list[int]
    totals: dict[str, int]  # what a whole-request candidate takes
    suffixes: list[str]

    def candidate(self, item: Candidate | int) -> Candidate:
        if isinstance(item, Candidate):
            return item
        return _whole(item, self.totals, self.suffixes)


def _whole(provider: int, totals: dict[str, int], suffixes: list[str]) -> Candidate:
    return Candidate(
        {provider: dict(totals)} if totals else {}, {suffix: [provider] for suffix in suffixes}
    )


def _is_ancestor(index: ProviderIndex, top: int, provider: int | None) -> bool:
    while provider is not None:
        if provider == top:
            return True
        found = index.providers.get(provider)
        provider = found.parent_id if found is not None else None
    return False


def _same_subtrees(
    index: ProviderIndex, same_subtrees: Sequence[frozenset[str]], mappings: Mapping[str, list[int]]
) -> bool:
    """Each listed set of groups has a provider that is an ancestor of all the others."""
    for suffixes in same_subtrees:
        ids = {p for suffix in suffixes for p in mappings.get(suffix, ())}
        if len(ids) > 1 and not any(all(_is_ancestor(index, top, p) for p in ids) for top in ids):
            return False
    return True


class _Search:
    def __init__(self, index: ProviderIndex, request: CandidateRequest) -> None:
        self.index, self.request = index, request
        self.groups = [GroupSearch(index, spec) for spec in request.groups]
        self.suffixes = [group.spec.suffix for group in self.groups]
        self.granular = [i for i, group in enumerate(self.groups) if group.granular]
        self.totals: dict[str, int] = {}
        for spec in request.groups:
            for name, amount in spec.resources.items():
                self.totals[name] = self.totals.get(name, 0) + amount
        counted = [name for spec in request.groups for name in spec.resources]
        self.summed_classes = sorted({n for n in counted if counted.count(n) > 1})

    def roots(self) -> set[int]:
        """Roots of the trees that may hold a candidate."""
        if not self.groups or not all(group.possible for group in self.groups):
            return set()
        found = set.intersection(*(group.anchors() for group in self.groups))
        request, by_trait = self.request, self.index.by_trait
        for trait in request.root_required:
            found &= by_trait.get(trait, set())
        for trait in request.root_forbidden:
            found -= by_trait.get(trait, set())
        return found

    def whole(self, roots: set[int]) -> set[int]:
        """Of ``roots``, the lone providers (nobody lends to them) that take the whole request.

        Every group's sets hold such a root when it is an anchor; what is left to check is
        the unsuffixed group's traits, isolation and sums over groups.
        """
        alone = roots & self.index.singletons
        alone -= self.index.borrowers
        if self.request.isolate and len(self.granular) > 1:
            return set()
        for group in self.groups:
            for any_of in group.spec.required if not group.granular else ():
                alone &= set().union(*(self.index.by_trait.get(t, ()) for t in any_of))
        for name in self.summed_classes:
            by_provider = self.index.fits[name]
            alone = {p for p in alone if fits(by_provider.get(p), self.totals[name])}
        return alone

    def in_tree(self, root: int) -> Iterator[Candidate]:
        options = []
        for group in self.groups:
            found = group.options(root)
            if not found:
                return
            options.append(found)
        for combo in itertools.product(*options):
            if self.request.isolate and len({combo[i][1][0] for i in self.granular}) < len(
                self.granular
            ):
                continue
            mappings = {
                s: providers for s, (_, providers) in zip(self.suffixes, combo, strict=True)
            }
            if self.request.same_subtrees and not _same_subtrees(
                self.index, self.request.same_subtrees, mappings
            ):
                continue
            allocations = self._merge([allocations for allocations, _ in combo])
            if allocations is not None:
                yield Candidate(allocations, mappings)

    def _merge(self, parts: list[Allocations]) -> Allocations | None:
        """The groups' allocations summed per provider and class; None if a sum won't fit."""
        if len(parts) == 1:
            return parts[0]
        merged: Allocations = {}
        summed = False
        for part in parts:
            for provider, amounts in part.items():
                mine = merged.setdefault(provider, {})
                for name, amount in amounts.items():
                    summed |= name in mine
                    mine[name] = mine.get(name, 0) + amount
        if summed:
            for provider, amounts in merged.items():
                for name, amount in amounts.items():
                    fit = self.index.fits[name][provider]
                    if amount > fit[0] or amount > fit[2]:
                        return None
        return merged


def _key(candidate: Candidate) -> tuple[object, ...]:
    return (
        tuple(sorted((p, tuple(sorted(a.items()))) for p, a in candidate.allocations.items())),
        tuple(sorted((s, tuple(sorted(ps))) for s, ps in candidate.mappings.items())),
    )


def find_candidates(index: ProviderIndex, request: CandidateRequest) -> Found:
    """The candidates for ``request`` (at most ``limit``) and the providers to summarize."""
    search = _Search(index, request)
    roots = search.roots()
    whole = search.whole(roots)
    skip = roots & (index.singletons - index.borrowers - whole)  # alone, cannot serve
    flat = not request.nested_aware and index.has_trees
    seen: set[tuple[object, ...]] | None = set() if index.sharing else None
    limit = request.limit
    found: list[Candidate | int] = []
    used: dict[int, None] = {}  # providers in the candidates, in order
    for root in sorted(roots - skip):
        if root in whole:
            if seen is not None:
                key = _key(_whole(root, search.totals, search.suffixes))
                if key in seen:
                    continue
                seen.add(key)
            found.append(root)
            used[root] = None
        else:
            for candidate in search.in_tree(root):
                if flat and len({index.root_of[p] for p in candidate.allocations}) < len(
                    candidate.allocations
                ):
                    continue  # before 1.29: one provider per tree
                if seen is not None:
                    key = _key(candidate)
                    if key in seen:
                        continue
                    seen.add(key)
                found.append(candidate)
                used.update(dict.fromkeys(candidate.allocations))
                if limit is not None and len(found) >= limit:
                    break
        if limit is not None and len(found) >= limit:
            break
    return Found(found, _summarized(index, request, used), search.totals, search.suffixes)


def _summarized(
    index: ProviderIndex, request: CandidateRequest, used: dict[int, None]
) -> list[int]:
    """Providers in the candidates; from 1.29 every provider of their trees."""
    if not request.nested_aware:
        return list(used)
    root_of, members = index.root_of, index.members
    roots = dict.fromkeys(map(root_of.__getitem__, used))
    return [p for root in roots for p in members.get(root, ())]
