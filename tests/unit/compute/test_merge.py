"""The cross-cell k-way merge: order by mixed directions, uuid tie-breaker, None first,
limit, de-duplication, and the marker comparison."""

from __future__ import annotations

import random

from pocketstack.compute.cells.merge import (
    compare,
    is_after,
    merge_sorted,
    sort_records,
    with_tiebreaker,
)


def _rec(uuid: str, created: int | None, name: str = "") -> dict[str, object]:
    return {"uuid": uuid, "created_at": created, "display_name": name}


def test_tiebreaker_appended_once() -> None:
    assert with_tiebreaker([("created_at", "desc")]) == [("created_at", "desc"),
                                                         ("uuid", "asc")]
    assert with_tiebreaker([("uuid", "desc")]) == [("uuid", "desc")]


def test_merge_of_sorted_cells_equals_global_sort() -> None:
    keys = with_tiebreaker([("created_at", "desc")])
    rng = random.Random(7)
    records = [_rec(f"u{i:03d}", rng.randint(0, 20)) for i in range(90)]
    cells = [sort_records(records[i::3], keys) for i in range(3)]
    merged = merge_sorted(cells, keys, limit=1000)
    assert merged == sort_records(records, keys)
    assert [r["uuid"] for r in merge_sorted(cells, keys, limit=10)] == [
        r["uuid"] for r in sort_records(records, keys)[:10]]


def test_a_partial_sort_is_the_head_of_the_whole_one() -> None:
    keys = with_tiebreaker([("created_at", "desc")])
    rng = random.Random(11)
    records = [_rec(f"u{i:03d}", rng.choice([None, *range(5)])) for i in range(200)]
    for limit in (0, 1, 7, 200, 500):
        assert sort_records(records, keys, limit) == sort_records(records, keys)[:limit]


def test_equal_sort_values_ordered_by_uuid() -> None:
    keys = with_tiebreaker([("created_at", "desc")])
    merged = merge_sorted([[_rec("b", 1)], [_rec("a", 1)], [_rec("c", 2)]], keys, 10)
    assert [r["uuid"] for r in merged] == ["c", "a", "b"]


def test_none_sorts_first_ascending() -> None:
    keys = with_tiebreaker([("created_at", "asc")])
    ordered = sort_records([_rec("a", 3), _rec("b", None), _rec("c", 1)], keys)
    assert [r["uuid"] for r in ordered] == ["b", "c", "a"]


def test_duplicates_keep_first() -> None:
    keys = with_tiebreaker([("display_name", "asc")])
    merged = merge_sorted([[_rec("a", 1, "x")], [_rec("a", 1, "x"), _rec("b", 1, "y")]],
                          keys, 10)
    assert [r["uuid"] for r in merged] == ["a", "b"]


def test_is_after_marker() -> None:
    keys = with_tiebreaker([("created_at", "desc")])
    marker = _rec("m", 5)
    assert is_after(_rec("z", 4), marker, keys)
    assert is_after(_rec("n", 5), marker, keys)
    assert not is_after(_rec("a", 5), marker, keys)
    assert not is_after(marker, marker, keys)
    assert compare(_rec("a", 6), marker, keys) < 0
