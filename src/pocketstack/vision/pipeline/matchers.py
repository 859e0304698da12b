"""Matchers: nearest neighbours of a query among one gallery's embeddings.

:class:`ExactMatcher` compares a query with every stored vector by one matrix product: exact,
and about a millisecond at 100,000 faces. :class:`HnswMatcher` (faiss' HNSW graph) looks at
a few hundred candidates instead, then re-ranks them exactly: the answer's distances are
always exact, only the candidate set is approximate. :class:`GalleryMatcher` starts exact and
moves to HNSW when the gallery reaches ``ann_min_size`` faces. Removals from the HNSW graph
are tombstones until the index is next built (at start).

Keys are face ids. Vectors are unit length, so the Euclidean distance is ``sqrt(2 - 2 dot)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import faiss
import numpy as np
import numpy.typing as npt

from pocketstack.vision.pipeline.stages import EMBEDDING_SIZE, Match, Vectors

__all__ = ["ExactMatcher", "GalleryMatcher", "HnswMatcher", "build_graph"]


def _distance(dots: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    found: npt.NDArray[np.float32] = np.sqrt(np.maximum(2.0 - 2.0 * np.clip(dots, -1.0, 1.0), 0.0))
    return found


class ExactMatcher:
    def __init__(self) -> None:
        self._keys: list[str] = []
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, EMBEDDING_SIZE), np.float32)

    def __len__(self) -> int:
        return len(self._keys)

    def vectors(self) -> tuple[list[str], Vectors]:
        return list(self._keys), self._matrix[: len(self._keys)]

    def add(self, keys: Sequence[str], vectors: Vectors) -> None:
        fresh = [(k, v) for k, v in zip(keys, vectors, strict=True) if k not in self._rows]
        if not fresh:
            return
        count, need = len(self._keys), len(self._keys) + len(fresh)
        if need > len(self._matrix):
            grown = np.zeros((max(need, 2 * len(self._matrix), 64), EMBEDDING_SIZE), np.float32)
            grown[:count] = self._matrix[:count]
            self._matrix = grown
        for offset, (key, vector) in enumerate(fresh):
            self._rows[key] = count + offset
            self._keys.append(key)
            self._matrix[count + offset] = vector

    def remove(self, keys: Sequence[str]) -> None:
        for key in keys:
            row = self._rows.pop(key, None)
            if row is None:
                continue
            last = len(self._keys) - 1
            if row != last:  # the last row fills the hole
                moved = self._keys[last]
                self._keys[row], self._matrix[row] = moved, self._matrix[last]
                self._rows[moved] = row
            self._keys.pop()

    def search(self, queries: Vectors, k: int) -> list[list[Match]]:
        count = len(self._keys)
        if count == 0:
            return [[] for _ in queries]
        dots = queries @ self._matrix[:count].T
        k = min(k, count)
        results = []
        for row in dots:
            top = np.argpartition(-row, k - 1)[:k] if k < count else np.arange(count)
            top = top[np.argsort(-row[top])]
            found = _distance(row[top])
            results.append(
                [Match(self._keys[i], float(d)) for i, d in zip(top, found, strict=True)]
            )
        return results


class HnswMatcher:
    """faiss ``IndexHNSWFlat`` on inner product; removals are tombstones until a rebuild."""

    def __init__(self, *, m: int = 32, ef_construction: int = 64, ef_search: int = 128,
                 candidates: int = 32) -> None:
        self._index = faiss.IndexHNSWFlat(EMBEDDING_SIZE, m, faiss.METRIC_INNER_PRODUCT)
        self._index.hnsw.efConstruction = ef_construction
        self._index.hnsw.efSearch = ef_search
        self._candidates = candidates
        self._keys: list[str] = []  # by faiss label
        self._labels: dict[str, int] = {}
        self._removed: set[int] = set()

    def __len__(self) -> int:
        return len(self._labels)

    def add(self, keys: Sequence[str], vectors: Vectors) -> None:
        fresh = [i for i, key in enumerate(keys) if key not in self._labels]
        if not fresh:
            return
        for i in fresh:
            self._labels[keys[i]] = len(self._keys)
            self._keys.append(keys[i])
        self._index.add(np.ascontiguousarray(vectors[fresh], dtype=np.float32))

    def remove(self, keys: Sequence[str]) -> None:
        for key in keys:
            label = self._labels.pop(key, None)
            if label is not None:
                self._removed.add(label)

    def search(self, queries: Vectors, k: int) -> list[list[Match]]:
        if not self._labels:
            return [[] for _ in queries]
        # Tombstones take places among the candidates: ask for more, within bounds.
        wanted = min(max(k, self._candidates) + min(len(self._removed), 1024), len(self._keys))
        _, labels = self._index.search(np.ascontiguousarray(queries, np.float32), wanted)
        results: list[list[Match]] = []
        for query, row in zip(queries, labels, strict=True):
            found = np.array([lb for lb in row if lb >= 0 and lb not in self._removed])
            if len(found) == 0:
                results.append([])
                continue
            exact = self._index.reconstruct_batch(found) @ query  # re-rank exactly
            order = np.argsort(-exact)[:k]
            results.append([
                Match(self._keys[found[i]], float(d))
                for i, d in zip(order, _distance(exact[order]), strict=True)
            ])
        return results


def build_graph(keys: Sequence[str], vectors: Vectors) -> HnswMatcher:
    """An HNSW matcher over these faces (seconds per 100,000: run it off the event loop)."""
    graph = HnswMatcher()
    graph.add(keys, vectors)
    return graph


class GalleryMatcher:
    """Exact below ``ann_min_size`` faces, HNSW with exact re-ranking from there on.

    The move is made by the owner, off the event loop: :meth:`snapshot` the faces, build a
    graph from them elsewhere (:func:`build_graph`), then :meth:`adopt` it, which brings it
    up to date with what was added and removed meanwhile.
    """

    def __init__(self, ann_min_size: int) -> None:
        self._ann_min_size = ann_min_size
        self._inner: ExactMatcher | HnswMatcher = ExactMatcher()

    @property
    def kind(self) -> str:
        return "exact" if isinstance(self._inner, ExactMatcher) else "hnsw"

    def __len__(self) -> int:
        return len(self._inner)

    def wants_graph(self) -> bool:
        return isinstance(self._inner, ExactMatcher) and len(self._inner) >= self._ann_min_size

    def snapshot(self) -> tuple[list[str], Vectors]:
        assert isinstance(self._inner, ExactMatcher)
        keys, vectors = self._inner.vectors()
        return keys, vectors.copy()

    def adopt(self, graph: HnswMatcher, snapshot: Sequence[str]) -> None:
        inner = self._inner
        assert isinstance(inner, ExactMatcher)
        keys, vectors = inner.vectors()
        taken, live = set(snapshot), set(keys)
        fresh = [i for i, key in enumerate(keys) if key not in taken]
        graph.add([keys[i] for i in fresh], vectors[fresh])
        graph.remove([key for key in snapshot if key not in live])
        self._inner = graph

    def add(self, keys: Sequence[str], vectors: Vectors) -> None:
        self._inner.add(keys, vectors)

    def remove(self, keys: Sequence[str]) -> None:
        self._inner.remove(keys)

    def search(self, queries: Vectors, k: int) -> list[list[Match]]:
        return self._inner.search(queries, k)
