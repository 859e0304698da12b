"""The enroll reconciler: carries a bulk enroll job to COMPLETE, one person at a time.

Keyed by job id and level-triggered: each pass reads the job's pending items and, for each,
decodes its stored images, embeds the subject (main face) of each (in a worker thread), then in
one transaction creates the person, stores the faces and marks the item enrolled (or
failed, with the reason, when no image shows a face). Only after that commit do the faces
join the gallery's index. A process killed anywhere leaves items either settled with all
their faces or still pending with their images: the start-up resync finishes the job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from pocketstack.common.reconcile import Done, Outcome
from pocketstack.vision.objects import jobs
from pocketstack.vision.objects.errors import NotFound
from pocketstack.vision.objects.jobs import Item, Job
from pocketstack.vision.pipeline import BadImage, ImageTooLarge, Pipeline, decode_image
from pocketstack.vision.service import Vision

__all__ = ["EnrollReconciler"]

log = logging.getLogger("pocketstack.vision")


def _faces(pipeline: Pipeline, images: list[bytes], max_bytes: int, max_pixels: int
           ) -> tuple[list[Any], list[str]]:
    """The subject of each image and why the others gave none."""
    found, skipped = [], []
    for k, data in enumerate(images):
        try:
            image = decode_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
        except (BadImage, ImageTooLarge) as error:
            skipped.append(f"image {k}: {error}")
            continue
        subject = pipeline.subject(image)
        if subject is None:
            skipped.append(f"image {k}: no face found")
            continue
        found.append((subject[0], subject[1][0]))
    return found, skipped


class EnrollReconciler:
    name = "enroll-jobs"

    def __init__(self, svc: Vision) -> None:
        self.svc = svc

    async def reconcile(self, key: str) -> Outcome:
        async with self.svc.reading() as conn:
            try:
                job = await jobs.get(conn, key)
            except NotFound:
                return Done()  # its gallery was deleted
        if job.status not in jobs.UNSETTLED:
            return Done()
        for item in [i for i in job.items if i.status == "pending"]:
            await self._enroll(job, item)
        async with self.svc.writing() as conn:
            await jobs.finish(conn, key, "COMPLETE")
        return Done()

    async def _enroll(self, job: Job, item: Item) -> None:
        async with self.svc.reading() as conn:
            images = await jobs.item_images(conn, job.id, item.position)
        config = self.svc.settings.vision
        found, skipped = await self.svc.run(
            lambda p: _faces(p, images, config.max_image_bytes, config.max_image_pixels))
        async with self.svc.writing() as conn:
            if not found:
                await jobs.fail_item(conn, job.id, item.position,
                                     "; ".join(skipped) or "no image")
                return
            try:
                made = await jobs.enroll_item(conn, job, item, found,
                                              "; ".join(skipped) or None)
            except NotFound as error:  # the named person was deleted meanwhile
                await jobs.fail_item(conn, job.id, item.position, str(error))
                return
        if made:
            enrolled, generation = made
            vectors = np.stack([vector for _, vector in found]).astype(np.float32)
            await self.svc.indexes.add(job.gallery_id, [f.id for f in enrolled],
                                       [f.person_id for f in enrolled], vectors, generation)

    async def list_unsettled(self) -> Sequence[str]:
        async with self.svc.reading() as conn:
            return await jobs.list_unsettled(conn)

    async def on_permanent_error(self, key: str, reason: str) -> None:
        async with self.svc.writing() as conn:
            await jobs.finish(conn, key, "ERROR", reason[:255])
