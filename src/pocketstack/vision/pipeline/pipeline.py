"""The pipeline: the stages composed, and which face of a photo is its subject.

Light to import (no model runtime): the models are loaded by :mod:`.loader`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pocketstack.vision.pipeline.devices import DeviceChoice
from pocketstack.vision.pipeline.stages import Aligner, Detector, Embedder, Face, Image, Vectors

__all__ = ["Pipeline", "subject_of"]


@dataclasses.dataclass(frozen=True)
class Pipeline:
    detector: Detector
    aligner: Aligner
    embedder: Embedder
    device: DeviceChoice

    @property
    def threshold(self) -> float:
        return self.embedder.threshold

    def detect(self, image: Image) -> list[Face]:
        return self.detector.detect(image)

    def embed_faces(self, image: Image, faces: Sequence[Face]) -> Vectors:
        return self.embedder.embed([self.aligner.align(image, face) for face in faces])

    def analyze(self, image: Image) -> tuple[list[Face], Vectors]:
        """Every face in the image and its embedding (row i belongs to face i)."""
        faces = self.detect(image)
        return faces, self.embed_faces(image, faces)

    def subject(self, image: Image) -> tuple[Face, Vectors] | None:
        """The photo's subject and its embedding, or None when there is no face."""
        faces = self.detect(image)
        if not faces:
            return None
        height, width = image.shape[:2]
        face = subject_of(faces, width, height)
        return face, self.embed_faces(image, [face])


def subject_of(faces: Sequence[Face], width: int, height: int) -> Face:
    """Of the faces at least half as large as the largest, the one nearest the centre:
    a portrait's subject, not a bystander near the edge, nor a small face in the
    background (photos are framed on their subject)."""
    largest = max(face.box[2] * face.box[3] for face in faces)

    def off_centre(face: Face) -> float:
        x, y, w, h = face.box
        return (x + w / 2 - width / 2) ** 2 + (y + h / 2 - height / 2) ** 2

    return min((f for f in faces if f.box[2] * f.box[3] >= largest / 2), key=off_centre)
