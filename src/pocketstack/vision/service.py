"""The face recognition service's parts, built once in the lifespan and handed to handlers.

The pipeline (the models) is loaded on first use, in a thread, once per process and
configuration (:func:`load_pipeline`); every model call runs in a thread too, so the event
loop keeps serving while faces are detected and embedded.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from pocketstack.common.db import ReadWrite, create_engine_for
from pocketstack.common.policy import Enforcer
from pocketstack.common.settings import Settings
from pocketstack.vision.indexes import GalleryIndexes
from pocketstack.vision.objects import faces, galleries
from pocketstack.vision.pipeline import Pipeline
from pocketstack.vision.policies import RULES

__all__ = ["Vision"]

_T = TypeVar("_T")


@dataclasses.dataclass
class Vision(ReadWrite):
    settings: Settings
    engine: AsyncEngine
    writer: AsyncEngine
    enforcer: Enforcer
    indexes: GalleryIndexes
    nudge: Callable[[str], None] = lambda job_id: None  # the enroll reconciler's, once started
    _pipeline: Pipeline | None = None
    _loading: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    _reloading: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Vision:
        return cls(
            settings=settings,
            engine=engine,
            writer=create_engine_for(settings.database_url("vision"), immediate=True),
            enforcer=Enforcer(RULES),
            indexes=GalleryIndexes(settings.vision.ann_min_size),
        )

    async def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            async with self._loading:
                if self._pipeline is None:
                    # the model runtimes are imported here, on first use, not at start
                    from pocketstack.vision.pipeline.loader import load_pipeline

                    self._pipeline = await asyncio.to_thread(load_pipeline, self.settings.vision)
        return self._pipeline

    async def run(self, work: Callable[[Pipeline], _T]) -> _T:
        """``work(pipeline)`` in a worker thread."""
        pipeline = await self.pipeline()
        return await asyncio.to_thread(work, pipeline)

    async def rebuild_indexes(self) -> int:
        """Every gallery's index from the database (at start); the number of faces loaded."""
        loaded = 0
        async with self.reading() as conn:
            gallery_ids = await galleries.list_ids(conn)
        for gallery_id in gallery_ids:
            loaded += await self._reload(gallery_id)
        return loaded

    async def _reload(self, gallery_id: str) -> int:
        async with self.reading() as conn, conn.begin():  # one snapshot: generation + faces
            generation = await galleries.generation(conn, gallery_id)
            stored = await faces.load_gallery(conn, gallery_id)
        await asyncio.to_thread(self.indexes.load, gallery_id, stored.face_ids,
                                stored.person_ids, stored.vectors, generation)
        return len(stored.face_ids)

    async def fresh_index(self, gallery_id: str, generation: int) -> None:
        """Reload the gallery's index unless it holds ``generation`` (the gallery's, as just
        read): faces written by another process, or a write this one missed."""
        if self.indexes.is_fresh(gallery_id, generation):
            return
        async with self._reloading:
            if not self.indexes.is_fresh(gallery_id, generation):
                await self._reload(gallery_id)
