"""The cross-cell k-way merge: records already sorted per cell become one sorted page.

Sort keys are ``(field, direction)`` pairs ending with ``("uuid", ...)`` (see
:func:`with_tiebreaker`), so no two records compare equal and paging by marker is stable.
``None`` sorts before any value, as SQL's ``NULLS FIRST`` ascending.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = ["SortKeys", "compare", "is_after", "merge_sorted", "sort_records",
           "with_tiebreaker"]

SortKeys = Sequence[tuple[str, str]]


def with_tiebreaker(keys: SortKeys) -> list[tuple[str, str]]:
    """``keys`` with ``uuid`` appended (ascending) unless already there."""
    found = list(keys)
    if not any(name == "uuid" for name, _ in found):
        found.append(("uuid", "asc"))
    return found


def _cmp_values(a: Any, b: Any) -> int:
    if a == b:
        return 0
    if a is None:
        return -1
    if b is None:
        return 1
    return -1 if a < b else 1


def compare(a: Mapping[str, Any], b: Mapping[str, Any], keys: SortKeys) -> int:
    """Negative when ``a`` comes first under ``keys``, positive when ``b`` does."""
    for name, direction in keys:
        found = _cmp_values(a.get(name), b.get(name))
        if found:
            return found if direction == "asc" else -found
    return 0


def _by(keys: SortKeys) -> Any:
    def cmp(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
        return compare(a, b, keys)
    return cmp


def is_after(record: Mapping[str, Any], marker: Mapping[str, Any], keys: SortKeys) -> bool:
    """True when ``record`` sorts strictly after the marker's values."""
    return compare(record, marker, keys) > 0


def merge_sorted(streams: Iterable[Iterable[Mapping[str, Any]]], keys: SortKeys,
                 limit: int) -> list[Mapping[str, Any]]:
    """At most ``limit`` records of the sorted ``streams``, merged, first occurrence of each
    uuid kept."""
    order = functools.cmp_to_key(_by(keys))
    merged: Iterator[Mapping[str, Any]] = heapq.merge(*streams, key=order)
    seen: set[str] = set()
    page: list[Mapping[str, Any]] = []
    for record in merged:
        if len(page) >= limit:
            break
        uuid = record["uuid"]
        if uuid in seen:
            continue
        seen.add(uuid)
        page.append(record)
    return page


def sort_records(records: Iterable[Mapping[str, Any]], keys: SortKeys,
                 limit: int | None = None) -> list[Mapping[str, Any]]:
    """``records`` in order (the first ``limit`` of them: a partial sort, for a page)."""
    order = functools.cmp_to_key(_by(keys))
    if limit is not None:
        return heapq.nsmallest(limit, records, key=order)
    return sorted(records, key=order)
