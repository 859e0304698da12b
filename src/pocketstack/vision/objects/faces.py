"""Enrolled faces: one row per face with its embedding, the truth every index is built from."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.vision.db import models as m
from pocketstack.vision.objects.errors import NotFound
from pocketstack.vision.objects.paging import now
from pocketstack.vision.pipeline.stages import EMBEDDING_SIZE, Face, Vectors

__all__ = ["EnrolledFace", "GalleryVectors", "add", "delete", "list_for_person", "load_gallery"]

_f = m.faces


@dataclasses.dataclass(frozen=True, slots=True)
class EnrolledFace:
    id: str
    person_id: str
    gallery_id: str
    box: list[float]
    score: float
    created_at: datetime.datetime

    @classmethod
    def from_row(cls, row: Any) -> EnrolledFace:
        return cls(row.id, row.person_id, row.gallery_id, list(row.box), float(row.score),
                   row.created_at)


@dataclasses.dataclass(frozen=True)
class GalleryVectors:
    face_ids: list[str]
    person_ids: list[str]
    vectors: Vectors


def _to_bytes(vector: np.ndarray) -> bytes:  # type: ignore[type-arg]
    return np.asarray(vector, dtype="<f4").tobytes()


async def add(
    conn: AsyncConnection, gallery_id: str, person_id: str,
    found: Sequence[tuple[Face, np.ndarray]],  # type: ignore[type-arg]
) -> list[EnrolledFace]:
    stamp = now()
    made = [
        EnrolledFace(str(uuid.uuid4()), person_id, gallery_id,
                     [round(v, 2) for v in face.box], round(face.score, 4), stamp)
        for face, _ in found
    ]
    if made:
        await conn.execute(_f.insert(), [
            {"id": rec.id, "person_id": person_id, "gallery_id": gallery_id,
             "embedding": _to_bytes(vector), "box": rec.box, "score": rec.score,
             "created_at": stamp}
            for rec, (_, vector) in zip(made, found, strict=True)
        ])
    return made


async def list_for_person(conn: AsyncConnection, person_id: str) -> list[EnrolledFace]:
    rows = await conn.execute(
        sa.select(_f.c.id, _f.c.person_id, _f.c.gallery_id, _f.c.box, _f.c.score,
                  _f.c.created_at)
        .where(_f.c.person_id == person_id).order_by(_f.c.created_at, _f.c.id)
    )
    return [EnrolledFace.from_row(row) for row in rows]


async def delete(conn: AsyncConnection, person_id: str, face_id: str) -> None:
    done = await conn.execute(_f.delete().where(_f.c.id == face_id, _f.c.person_id == person_id))
    if done.rowcount != 1:
        raise NotFound(f"Face {face_id} could not be found.")


async def load_gallery(conn: AsyncConnection, gallery_id: str) -> GalleryVectors:
    """Every embedding of the gallery, in one matrix."""
    rows = (await conn.execute(
        sa.select(_f.c.id, _f.c.person_id, _f.c.embedding).where(_f.c.gallery_id == gallery_id)
    )).all()
    vectors = np.frombuffer(b"".join(row.embedding for row in rows), dtype="<f4")
    return GalleryVectors(
        [row.id for row in rows], [row.person_id for row in rows],
        vectors.reshape(len(rows), EMBEDDING_SIZE).astype(np.float32),
    )
