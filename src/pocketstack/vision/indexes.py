"""The in-memory index of every gallery: a cache of the ``faces`` table, rebuilt at start.

Writers change the database first and the index after their transaction commits; a process
that dies between the two loses only the cache, which the next start rebuilds from the
database. Each gallery's index remembers the gallery generation it holds: a write moves it
on only from the generation just before its own (it then holds every change); otherwise,
as when another process wrote, the index is stale and is reloaded before it answers
(:meth:`Vision.fresh_index`). Identification collapses face matches to people (a person's
best face counts).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

import numpy as np

from pocketstack.vision.pipeline.matchers import GalleryMatcher, build_index
from pocketstack.vision.pipeline.stages import Vectors

__all__ = ["GalleryIndexes", "PersonMatch"]

log = logging.getLogger("pocketstack.vision")


@dataclasses.dataclass(frozen=True, slots=True)
class PersonMatch:
    person_id: str
    face_id: str  # the person's nearest face
    distance: float


@dataclasses.dataclass
class _Gallery:
    matcher: GalleryMatcher
    person_of: dict[str, str]  # face id -> person id
    generation: int = -1  # of the gallery's faces it holds; -1: unknown
    building: bool = False  # its approximate index is being built


class GalleryIndexes:
    def __init__(self, ann_min_size: int) -> None:
        self._ann_min_size = ann_min_size
        self._galleries: dict[str, _Gallery] = {}

    def _gallery(self, gallery_id: str) -> _Gallery:
        found = self._galleries.get(gallery_id)
        if found is None:
            found = _Gallery(GalleryMatcher(self._ann_min_size), {})
            self._galleries[gallery_id] = found
        return found

    def size(self, gallery_id: str) -> int:
        found = self._galleries.get(gallery_id)
        return len(found.matcher) if found else 0

    def create(self, gallery_id: str) -> None:
        """A new gallery: empty, at generation 0."""
        self._galleries[gallery_id] = _Gallery(GalleryMatcher(self._ann_min_size), {}, 0)

    def is_fresh(self, gallery_id: str, generation: int) -> bool:
        found = self._galleries.get(gallery_id)
        return found is not None and found.generation == generation

    def _advance(self, gallery: _Gallery, generation: int | None) -> None:
        if generation is not None:
            gallery.generation = generation if gallery.generation == generation - 1 else -1

    def kind(self, gallery_id: str) -> str:
        """How the gallery is searched: ``exact`` or ``ivf``."""
        found = self._galleries.get(gallery_id)
        return found.matcher.kind if found else "exact"

    def face_ids(self, gallery_id: str) -> set[str]:
        found = self._galleries.get(gallery_id)
        return set(found.person_of) if found else set()

    def load(self, gallery_id: str, face_ids: Sequence[str], person_ids: Sequence[str],
             vectors: Vectors, generation: int) -> None:
        """Replace the gallery's index with these faces (the database's, at start; a large
        gallery's approximate index is built here, so call it from a worker thread)."""
        gallery = _Gallery(GalleryMatcher(self._ann_min_size), {}, generation)
        gallery.matcher.add(face_ids, vectors)
        gallery.person_of.update(zip(face_ids, person_ids, strict=True))
        if gallery.matcher.wants_ann():
            keys, snapshot = gallery.matcher.snapshot()
            gallery.matcher.adopt(build_index(keys, snapshot), keys)
        self._galleries[gallery_id] = gallery

    async def add(self, gallery_id: str, face_ids: Sequence[str], person_ids: Sequence[str],
                  vectors: Vectors, generation: int | None = None) -> None:
        """Add faces (just committed); a gallery that grows past ``ann_min_size`` gets its
        approximate index built in a worker thread while exact search goes on answering."""
        gallery = self._gallery(gallery_id)
        gallery.matcher.add(face_ids, vectors)
        gallery.person_of.update(zip(face_ids, person_ids, strict=True))
        self._advance(gallery, generation)
        if gallery.matcher.wants_ann() and not gallery.building:
            gallery.building = True
            try:
                keys, snapshot = gallery.matcher.snapshot()
                ann = await asyncio.to_thread(build_index, keys, snapshot)
                gallery.matcher.adopt(ann, keys)
                log.info("gallery %s: %d faces, now searched by IVF", gallery_id, len(keys))
            finally:
                gallery.building = False

    def remove(self, gallery_id: str, face_ids: Sequence[str],
               generation: int | None = None) -> None:
        gallery = self._galleries.get(gallery_id)
        if gallery is None:
            return
        gallery.matcher.remove(face_ids)
        for face_id in face_ids:
            gallery.person_of.pop(face_id, None)
        self._advance(gallery, generation)

    def drop(self, gallery_id: str) -> None:
        self._galleries.pop(gallery_id, None)

    def identify(self, gallery_id: str, queries: Vectors, people: int) -> list[list[PersonMatch]]:
        """For each query, up to ``people`` nearest people, nearest first."""
        gallery = self._galleries.get(gallery_id)
        if gallery is None or len(gallery.matcher) == 0:
            return [[] for _ in range(len(queries))]
        # Enough faces that ``people`` distinct people are very likely among them.
        found = gallery.matcher.search(np.asarray(queries, np.float32), max(people * 8, 16))
        answers = []
        for matches in found:
            best: dict[str, PersonMatch] = {}
            for match in matches:
                person_id = gallery.person_of.get(match.key)
                if person_id is not None and person_id not in best:
                    best[person_id] = PersonMatch(person_id, match.key, match.distance)
            answers.append(sorted(best.values(), key=lambda p: p.distance)[:people])
        return answers
