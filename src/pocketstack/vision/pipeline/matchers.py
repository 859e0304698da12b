"""Matchers: nearest neighbours of a query among one gallery's embeddings.

:class:`ExactMatcher` compares a query with every stored vector by one matrix product: exact,
and about a millisecond at 100,000 faces. :class:`IvfMatcher` (faiss' inverted file over
k-means cells, full vectors kept) compares the query exactly with the faces of the quarter of
cells nearest to it: distances are exact, only the candidate set is approximate (recall@1
0.99+ at a million random vectors, see docs/performance.md). :class:`HnswMatcher` (faiss'
HNSW graph, candidates re-ranked exactly) is the measured alternative: faster per query but
far below that recall on hard data, slower to build and larger. :class:`GalleryMatcher`
starts exact and moves to IVF when the gallery reaches ``ann_min_size`` faces.

Keys are face ids. Vectors are unit length, so the Euclidean distance is ``sqrt(2 - 2 dot)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from pocketstack.vision.pipeline.stages import EMBEDDING_SIZE, Match, Vectors

__all__ = ["ExactMatcher", "GalleryMatcher", "HnswMatcher", "IvfMatcher", "build_index"]


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
        import faiss  # deferred: the service starts without it until a gallery needs it

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


class IvfMatcher:
    """faiss ``IndexIVFFlat`` on inner product, its cells trained on the faces it starts with
    (about 4 sqrt(n) of them); a query scans the nearest quarter of the cells exactly, the
    cells shared among the threads (one query is the usual call)."""

    PROBED = 1 / 4

    def __init__(self, keys: Sequence[str], vectors: Vectors) -> None:
        import faiss  # deferred: the service starts without it until a gallery needs it

        if not keys:
            raise ValueError("an IVF matcher is trained on the faces it starts with")
        # ~4 sqrt(n) cells, with the 39 training points a cell that k-means asks for
        cells = int(min(4096, 4 * np.sqrt(len(keys)), max(1, len(keys) // 39)))
        self._quantizer = faiss.IndexFlatIP(EMBEDDING_SIZE)
        self._index = faiss.IndexIVFFlat(self._quantizer, EMBEDDING_SIZE, cells,
                                         faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).permutation(len(keys))[: cells * 64]
        self._index.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
        self._index.nprobe = max(1, round(cells * self.PROBED))
        self._index.parallel_mode = 1  # split a query's cells among threads, not queries
        self._keys: dict[int, str] = {}
        self._labels: dict[str, int] = {}
        self._next = 0
        self.add(keys, vectors)

    def __len__(self) -> int:
        return len(self._labels)

    def add(self, keys: Sequence[str], vectors: Vectors) -> None:
        fresh = [i for i, key in enumerate(keys) if key not in self._labels]
        if not fresh:
            return
        labels = np.arange(self._next, self._next + len(fresh), dtype=np.int64)
        self._next += len(fresh)
        for label, i in zip(labels, fresh, strict=True):
            self._keys[int(label)] = keys[i]
            self._labels[keys[i]] = int(label)
        self._index.add_with_ids(np.ascontiguousarray(vectors[fresh], dtype=np.float32), labels)

    def remove(self, keys: Sequence[str]) -> None:
        labels = [self._labels.pop(key) for key in keys if key in self._labels]
        if labels:
            # faiss' Python layer takes an id array here (its stubs name only IDSelector)
            self._index.remove_ids(np.array(labels, dtype=np.int64))  # type: ignore[arg-type]
            for label in labels:
                del self._keys[label]

    def search(self, queries: Vectors, k: int) -> list[list[Match]]:
        if not self._labels:
            return [[] for _ in queries]
        dots, labels = self._index.search(np.ascontiguousarray(queries, np.float32),
                                          min(k, len(self._labels)))
        return [
            [Match(self._keys[int(label)], float(d))
             for label, d in zip(row, _distance(found), strict=True) if label >= 0]
            for row, found in zip(labels, dots, strict=True)
        ]


def build_index(keys: Sequence[str], vectors: Vectors) -> IvfMatcher:
    """The approximate matcher over these faces (seconds per 100,000 faces: run it off the
    event loop)."""
    return IvfMatcher(keys, vectors)


class GalleryMatcher:
    """Exact below ``ann_min_size`` faces, IVF (exact within the cells it scans) from there.

    The move is made by the owner, off the event loop: :meth:`snapshot` the faces, build the
    index from them elsewhere (:func:`build_index`), then :meth:`adopt` it, which brings it
    up to date with what was added and removed meanwhile.
    """

    def __init__(self, ann_min_size: int) -> None:
        self._ann_min_size = ann_min_size
        self._inner: ExactMatcher | IvfMatcher = ExactMatcher()

    @property
    def kind(self) -> str:
        return "exact" if isinstance(self._inner, ExactMatcher) else "ivf"

    def __len__(self) -> int:
        return len(self._inner)

    def wants_ann(self) -> bool:
        return isinstance(self._inner, ExactMatcher) and len(self._inner) >= self._ann_min_size

    def snapshot(self) -> tuple[list[str], Vectors]:
        assert isinstance(self._inner, ExactMatcher)
        keys, vectors = self._inner.vectors()
        return keys, vectors.copy()

    def adopt(self, ann: IvfMatcher, snapshot: Sequence[str]) -> None:
        inner = self._inner
        assert isinstance(inner, ExactMatcher)
        keys, vectors = inner.vectors()
        taken, live = set(snapshot), set(keys)
        fresh = [i for i, key in enumerate(keys) if key not in taken]
        ann.add([keys[i] for i in fresh], vectors[fresh])
        ann.remove([key for key in snapshot if key not in live])
        self._inner = ann

    def add(self, keys: Sequence[str], vectors: Vectors) -> None:
        self._inner.add(keys, vectors)

    def remove(self, keys: Sequence[str]) -> None:
        self._inner.remove(keys)

    def search(self, queries: Vectors, k: int) -> list[list[Match]]:
        return self._inner.search(queries, k)
