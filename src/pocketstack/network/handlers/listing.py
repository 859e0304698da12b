"""Collection requests: the query string read into a :class:`ListQuery`, and the answer with
its ``<plural>_links`` (``next`` when a page is full, ``previous`` after a marker)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.common.context import context_of
from pocketstack.network.handlers.base import select_fields
from pocketstack.network.objects.errors import HTTPBadRequest
from pocketstack.network.objects.listing import ListQuery, TagFilters, parse_bool

__all__ = ["list_query", "list_response"]

T = TypeVar("T")

_PAGING = ("limit", "marker", "page_reverse", "sort_key", "sort_dir")
_TAGS = {"tags": "all", "tags-any": "any", "not-tags": "not_all", "not-tags-any": "not_any"}
# Query parameters that are not attribute filters.
_RESERVED = frozenset({*_PAGING, *_TAGS, "fields", "all_tenants", "all_projects"})


def _limit(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        limit = int(text)
    except ValueError:
        limit = -1
    if limit < 0:
        raise HTTPBadRequest(
            f"Bad limit request: Limit must be an integer 0 or greater and not '{text}'"
        )
    return limit or None


def _sort(request: Request) -> list[tuple[str, bool]]:
    keys = request.query_params.getlist("sort_key")
    dirs = request.query_params.getlist("sort_dir")
    if dirs and len(dirs) != len(keys):
        raise HTTPBadRequest("The number of sort_keys and sort_dirs must be same")
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise HTTPBadRequest(
                f"{direction} is invalid value for sort_dirs, valid value is 'asc' and 'desc'"
            )
    return [(key, (dirs[i] if dirs else "asc") == "asc") for i, key in enumerate(keys)]


def _tags(request: Request) -> TagFilters:
    found: dict[str, tuple[str, ...]] = {}
    for param, field in _TAGS.items():
        names = [t for value in request.query_params.getlist(param) for t in value.split(",")]
        found[field] = tuple(t for t in names if t)
    return TagFilters(**found)


def list_query(request: Request) -> ListQuery:
    """Filters (every other parameter; repeated values are alternatives), sort and page."""
    params = request.query_params
    filters: dict[str, list[str]] = defaultdict(list)
    for name, value in params.multi_items():
        if name not in _RESERVED:
            filters[name].append(value)
    reverse = params.get("page_reverse")
    return ListQuery(
        filters=dict(filters),
        sort=_sort(request),
        limit=_limit(params.get("limit")),
        marker=params.get("marker") or None,
        page_reverse=parse_bool(reverse) if reverse is not None else False,
        tags=_tags(request),
    )


def _link(request: Request, plural: str, rel: str, marker: str, reverse: bool) -> dict[str, str]:
    kept = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("marker", "page_reverse")
    ]
    kept.append(("marker", marker))
    if reverse:
        kept.append(("page_reverse", "True"))
    href = f"{context_of(request).base_url}/v2.0/{plural}?{urlencode(kept)}"
    return {"rel": rel, "href": href}


def list_response(
    request: Request,
    plural: str,
    query: ListQuery,
    items: Sequence[T],
    serialize: Callable[[T], dict[str, Any]],
    ids: Callable[[T], str],
) -> Response:
    """``{"<plural>": [...]}`` with paging links when the request paged."""
    body: dict[str, Any] = {plural: [select_fields(request, serialize(i)) for i in items]}
    links: list[dict[str, str]] = []
    if query.limit and items:
        full = len(items) == query.limit
        after, before = (
            (query.marker is not None, full)
            if query.page_reverse
            else (full, query.marker is not None)
        )
        if after:
            links.append(_link(request, plural, "next", ids(items[-1]), False))
        if before:
            links.append(_link(request, plural, "previous", ids(items[0]), True))
    if links:
        body[f"{plural}_links"] = links
    return json_response(body)
