"""Matchers: exact search, IVF and HNSW (exact distances over approximate candidates), and
the switch from exact to IVF as a gallery grows."""

from __future__ import annotations

import numpy as np
import pytest

from pocketstack.vision.pipeline.matchers import (
    ExactMatcher,
    GalleryMatcher,
    HnswMatcher,
    IvfMatcher,
    build_index,
)
from pocketstack.vision.pipeline.stages import Vectors


def _unit(rows: int, seed: int = 1) -> Vectors:
    vectors = np.random.default_rng(seed).standard_normal((rows, 128)).astype(np.float32)
    unit: Vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return unit


@pytest.mark.parametrize("make", [ExactMatcher, HnswMatcher])
def test_nearest_is_itself_and_removed_keys_are_gone(make: type[ExactMatcher]) -> None:
    vectors = _unit(400)
    keys = [f"f{i}" for i in range(400)]
    matcher = make()
    matcher.add(keys, vectors)
    matcher.add(keys[:3], vectors[:3])  # adding a known key again changes nothing
    assert len(matcher) == 400
    found = matcher.search(vectors[[7, 8]], 2)
    assert [m[0].key for m in found] == ["f7", "f8"]
    assert found[0][0].distance == pytest.approx(0.0, abs=1e-3)
    assert found[0][0].distance <= found[0][1].distance
    matcher.remove(["f7", "f999"])
    assert len(matcher) == 399
    again = matcher.search(vectors[[7]], 5)[0]
    assert "f7" not in [m.key for m in again]
    exact = ExactMatcher()
    exact.add([k for k in keys if k != "f7"], np.delete(vectors, 7, axis=0))
    assert again[0].key == exact.search(vectors[[7]], 1)[0][0].key


def test_distances_are_euclidean_between_unit_vectors() -> None:
    vectors = _unit(2)
    matcher = ExactMatcher()
    matcher.add(["a"], vectors[:1])
    [[match]] = matcher.search(vectors[1:], 1)
    assert match.distance == pytest.approx(float(np.linalg.norm(vectors[0] - vectors[1])),
                                           abs=1e-4)


def test_a_gallery_moves_to_ivf_at_its_size_keeping_what_changed_meanwhile() -> None:
    vectors = _unit(130, seed=3)
    gallery = GalleryMatcher(ann_min_size=100)
    gallery.add([f"k{i}" for i in range(99)], vectors[:99])
    assert not gallery.wants_ann()
    gallery.add([f"k{i}" for i in range(99, 120)], vectors[99:120])
    assert gallery.wants_ann() and gallery.kind == "exact"
    keys, snapshot = gallery.snapshot()
    ann = build_index(keys, snapshot)  # elsewhere, while the gallery changes:
    gallery.add([f"k{i}" for i in range(120, 130)], vectors[120:])
    gallery.remove(["k5"])
    gallery.adopt(ann, keys)
    assert gallery.kind == "ivf" and len(gallery) == 129
    found = [m[0].key for m in gallery.search(vectors[[5, 110, 125]], 1)]
    assert found[1:] == ["k110", "k125"] and found[0] != "k5"


def test_ivf_finds_what_exact_search_finds_among_clustered_faces() -> None:
    rng = np.random.default_rng(5)
    people = _unit(300, seed=9)  # 300 people, 10 photos each around their centre
    photos = people.repeat(10, axis=0) + rng.standard_normal((3000, 128)).astype(np.float32) * 0.05
    photos /= np.linalg.norm(photos, axis=1, keepdims=True)
    keys = [f"p{i}" for i in range(3000)]
    ivf, exact = IvfMatcher(keys, photos), ExactMatcher()
    exact.add(keys, photos)
    probes = people + rng.standard_normal((300, 128)).astype(np.float32) * 0.05
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    found = [m[0].key for m in ivf.search(probes, 1)]
    assert found == [m[0].key for m in exact.search(probes, 1)]
    assert [int(key[1:]) // 10 for key in found] == list(range(300))  # each person's photo
    ivf.remove(found[:10])
    again = ivf.search(probes[:10], 1)
    assert len(ivf) == 2990 and all(m[0].key not in found for m in again)


def test_an_empty_matcher_answers_nothing() -> None:
    for matcher in (ExactMatcher(), HnswMatcher()):
        assert matcher.search(_unit(2), 3) == [[], []]
