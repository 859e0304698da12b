"""Octavia's list rules over records: filters, tag filters, sorting, paging links, fields."""

from __future__ import annotations

import datetime

import pytest

from pocketstack.loadbalancer.objects.errors import Invalid
from pocketstack.loadbalancer.objects.listing import paginate

T0 = datetime.datetime(2026, 1, 1)
RECORDS = [
    {"id": f"id-{n}", "name": name, "admin_state_up": n % 2 == 0, "protocol_port": 80 + n,
     "tags": tags, "created_at": T0 + datetime.timedelta(seconds=n)}
    for n, (name, tags) in enumerate([("a", ["x", "y"]), ("b", ["x"]), ("a", []), ("c", ["y"])])
]
URL = "http://h/load-balancer/v2.0/lbaas/listeners"


def ids(query: list[tuple[str, str]]) -> list[str]:
    page = paginate(RECORDS, query, filterable=("name", "admin_state_up", "protocol_port"),
                    url=URL)
    return [r["id"] for r in page.items]


def test_filters_and_tags() -> None:
    assert ids([("name", "a")]) == ["id-0", "id-2"]
    assert ids([("admin_state_up", "True")]) == ["id-0", "id-2"]
    assert ids([("protocol_port", "81")]) == ["id-1"]
    assert ids([("tags", "x"), ("tags", "y")]) == ["id-0"]
    assert ids([("tags", "x,y")]) == ["id-0"]
    assert ids([("tags-any", "y")]) == ["id-0", "id-3"]
    assert ids([("not-tags", "x,y")]) == ["id-1", "id-2", "id-3"]
    assert ids([("not-tags-any", "x")]) == ["id-2", "id-3"]
    with pytest.raises(Invalid, match="duplicate or invalid"):
        ids([("colour", "red")])


def test_sorting() -> None:
    assert ids([("sort", "name:desc")]) == ["id-3", "id-1", "id-0", "id-2"]
    assert ids([("sort_key", "name"), ("sort_dir", "asc")]) == ["id-0", "id-2", "id-1", "id-3"]
    with pytest.raises(Invalid, match="sort_dir"):
        ids([("sort", "name:sideways")])


def test_paging_links() -> None:
    page = paginate(RECORDS, [("limit", "2")], filterable=(), url=URL)
    assert [r["id"] for r in page.items] == ["id-0", "id-1"]
    assert page.links == [{"rel": "next", "href": f"{URL}?limit=2&marker=id-1"}]
    page = paginate(RECORDS, [("limit", "2"), ("marker", "id-1")], filterable=(), url=URL)
    assert [r["id"] for r in page.items] == ["id-2", "id-3"]
    assert [link["rel"] for link in page.links] == ["previous"]
    page = paginate(RECORDS, [("limit", "2"), ("marker", "id-2"), ("page_reverse", "True")],
                    filterable=(), url=URL)
    assert [r["id"] for r in page.items] == ["id-0", "id-1"]
    assert paginate(RECORDS, [("fields", "id,name")], filterable=(), url=URL).fields == (
        "id", "name")
    with pytest.raises(Invalid, match="marker"):
        paginate(RECORDS, [("marker", "gone")], filterable=(), url=URL)
