"""How detected faces and people are written in answers."""

from __future__ import annotations

from typing import Any

from pocketstack.vision.objects.persons import Person
from pocketstack.vision.pipeline import Face
from pocketstack.vision.pipeline.stages import Vectors

__all__ = ["face_view", "person_view", "vector_view"]

LANDMARKS = ("right_eye", "left_eye", "nose_tip", "right_mouth_corner", "left_mouth_corner")


def face_view(face: Face) -> dict[str, Any]:
    x, y, w, h = face.box
    return {
        "box": {"x": round(x, 1), "y": round(y, 1), "width": round(w, 1),
                "height": round(h, 1)},
        "landmarks": {name: [round(px, 1), round(py, 1)]
                      for name, (px, py) in zip(LANDMARKS, face.landmarks, strict=True)},
        "score": round(face.score, 4),
    }


def vector_view(vectors: Vectors, row: int) -> list[float]:
    return [round(float(v), 6) for v in vectors[row]]


def person_view(person: Person, faces: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": person.id,
        "gallery_id": person.gallery_id,
        "name": person.name,
        "metadata": person.metadata,
        "created_at": person.created_at.isoformat(),
        "updated_at": person.updated_at.isoformat(),
    }
    if faces is not None:
        body["faces"] = faces
    return body
