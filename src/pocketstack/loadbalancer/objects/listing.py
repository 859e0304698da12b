"""Octavia's list query rules as a pure function over records: attribute filters, the four tag
filters, ``sort``/``sort_key``+``sort_dir``, ``limit``/``marker``/``page_reverse`` paging
with ``next``/``previous`` links, and ``fields``.

Collections are per project (a few thousand objects at most), so they are filtered here,
over what the SQL selected by project and parent, which keeps one set of rules for every
resource.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from pocketstack.loadbalancer.objects.errors import Invalid
from pocketstack.loadbalancer.objects.graph import Record

__all__ = ["DEFAULT_LIMIT", "RESERVED", "Page", "paginate"]

DEFAULT_LIMIT = 1000
TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
RESERVED = frozenset({"limit", "marker", "sort", "sort_key", "sort_dir", "fields",
                      "page_reverse", "project_id", *TAG_FILTERS})
_ALWAYS_SORTABLE = ("created_at", "updated_at", "id")


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[Record]
    links: list[dict[str, str]]
    fields: tuple[str, ...]  # empty: every field


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _matches(record: Record, name: str, wanted: list[str]) -> bool:
    have = _text(record.get(name)).lower() if isinstance(record.get(name), bool) else \
        _text(record.get(name))
    return any((w.lower() if isinstance(record.get(name), bool) else w) == have for w in wanted)


def _tag_set(values: list[str]) -> set[str]:
    return {tag for value in values for tag in value.split(",") if tag}


def _tagged(record: Record, params: dict[str, list[str]]) -> bool:
    tags = set(record.get("tags") or [])
    if "tags" in params and not _tag_set(params["tags"]) <= tags:
        return False
    if "tags-any" in params and not _tag_set(params["tags-any"]) & tags:
        return False
    if "not-tags" in params and _tag_set(params["not-tags"]) <= tags:
        return False
    return not ("not-tags-any" in params and _tag_set(params["not-tags-any"]) & tags)


def _sort_keys(params: dict[str, list[str]], sortable: set[str]) -> list[tuple[str, bool]]:
    """[(key, descending)], with created_at and id appended as tie-breakers."""
    pairs: list[tuple[str, str]] = []
    if "sort" in params:
        for item in ",".join(params["sort"]).split(","):
            if item:
                key, _, direction = item.partition(":")
                pairs.append((key.strip(), (direction or "asc").strip().lower()))
    elif "sort_key" in params:
        keys = ",".join(params["sort_key"]).split(",")
        dirs = ",".join(params.get("sort_dir", [])).split(",") if "sort_dir" in params else []
        pairs = [(k, (dirs[i] if i < len(dirs) else "asc").lower()) for i, k in enumerate(keys)]
    result: list[tuple[str, bool]] = []
    for key, direction in pairs:
        if key not in sortable and key not in _ALWAYS_SORTABLE:
            raise Invalid(f"Invalid input for field/attribute sort_key. Value: '{key}'.")
        if direction not in ("asc", "desc"):
            raise Invalid(f"Invalid input for field/attribute sort_dir. Value: '{direction}'.")
        result.append((key, direction == "desc"))
    for tie in ("created_at", "id"):
        if tie not in (k for k, _ in result):
            result.append((tie, False))
    return result


def _ordered(records: list[Record], keys: list[tuple[str, bool]]) -> list[Record]:
    ordered = list(records)
    for key, descending in reversed(keys):
        ordered.sort(key=functools.partial(_sort_value, key), reverse=descending)
    return ordered


def _sort_value(key: str, record: Record) -> tuple[bool, Any]:
    value = record.get(key)
    return value is not None, _sortable(value)


def _sortable(value: Any) -> Any:
    return value if isinstance(value, (int, float, str)) else _text(value)


def _limit(params: dict[str, list[str]]) -> int | None:
    raw = params.get("limit", [None])[-1]
    if raw is None:
        return DEFAULT_LIMIT
    if raw == "infinite":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"Invalid input for field/attribute limit. Value: '{raw}'.") from None
    return None if value < 1 else min(value, DEFAULT_LIMIT)


def paginate(records: Iterable[Record], query: Sequence[tuple[str, str]], *,
             filterable: Iterable[str], url: str,
             extra_filter: Callable[[Record], bool] | None = None) -> Page:
    """The page of ``records`` a list request with ``query`` asks for."""
    params: dict[str, list[str]] = {}
    for key, value in query:
        params.setdefault(key, []).append(value)
    allowed = set(filterable)
    unknown = [k for k in params if k not in RESERVED and k not in allowed]
    if unknown:
        raise Invalid("One or more arguments are either duplicate or invalid")
    chosen = [r for r in records
              if all(_matches(r, k, v) for k, v in params.items() if k in allowed)
              and _tagged(r, params) and (extra_filter is None or extra_filter(r))]
    ordered = _ordered(chosen, _sort_keys(params, allowed))
    limit = _limit(params)
    marker = params.get("marker", [None])[-1]
    reverse = _text(params.get("page_reverse", ["false"])[-1]).lower() == "true"
    start, end = 0, len(ordered)
    if marker is not None:
        index = next((i for i, r in enumerate(ordered) if r["id"] == marker), None)
        if index is None:
            raise Invalid(f"Invalid input for field/attribute marker. Value: '{marker}'.")
        if reverse:
            end = index
        else:
            start = index + 1
    if limit is not None:
        if reverse:
            start = max(start, end - limit)
        else:
            end = min(end, start + limit)
    items = ordered[start:end]
    links: list[dict[str, str]] = []
    keep = [(k, v) for k, v in query if k not in ("marker", "page_reverse", "limit")]
    base = [("limit", str(limit))] if limit is not None else []
    if items and end < len(ordered):
        href = f"{url}?{urlencode(base + keep + [('marker', items[-1]['id'])])}"
        links.append({"rel": "next", "href": href})
    if items and start > 0:
        back = [("marker", items[0]["id"]), ("page_reverse", "True")]
        href = f"{url}?{urlencode(base + keep + back)}"
        links.append({"rel": "previous", "href": href})
    fields = tuple(params.get("fields", []))
    return Page(items, links, tuple(f for v in fields for f in v.split(",") if f))
