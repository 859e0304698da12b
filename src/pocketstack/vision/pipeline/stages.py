"""The vocabulary of the pipeline and the Protocol of each stage.

An image is a BGR ``uint8`` array (OpenCV's layout). A :class:`Face` is what a detector
finds: a box, five landmarks (right eye, left eye, nose tip, right and left mouth corner, as
seen by the viewer: the subject's right eye is on the image's left) and a score. The aligner
warps a face to the embedder's input; the embedder turns a batch of aligned faces into
L2-normalised vectors; a matcher compares vectors by Euclidean distance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = [
    "EMBEDDING_SIZE",
    "Aligner",
    "Detector",
    "Embedder",
    "Face",
    "Image",
    "Match",
    "Matcher",
    "Vectors",
]

EMBEDDING_SIZE = 128

Image = npt.NDArray[np.uint8]  # H x W x 3, BGR
Vectors = npt.NDArray[np.float32]  # N x EMBEDDING_SIZE, each of unit length


@dataclasses.dataclass(frozen=True, slots=True)
class Face:
    box: tuple[float, float, float, float]  # x, y, width, height in image pixels
    landmarks: tuple[tuple[float, float], ...]  # five (x, y) points
    score: float


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    key: str  # what the matcher indexed (a face id)
    distance: float  # Euclidean, between unit vectors: 0 (same) .. 2 (opposite)


class Detector(Protocol):
    def detect(self, image: Image) -> list[Face]: ...


class Aligner(Protocol):
    size: tuple[int, int]  # width, height of an aligned face

    def align(self, image: Image, face: Face) -> Image: ...


class Embedder(Protocol):
    name: str  # the model, recorded with each stored embedding
    threshold: float  # the model's calibrated distance threshold: below it, same person

    def embed(self, faces: Sequence[Image]) -> Vectors: ...


class Matcher(Protocol):
    """A nearest-neighbour index over one gallery's embeddings."""

    def __len__(self) -> int: ...

    def add(self, keys: Sequence[str], vectors: Vectors) -> None: ...

    def remove(self, keys: Sequence[str]) -> None: ...

    def search(self, queries: Vectors, k: int) -> list[list[Match]]: ...


def distances(a: Vectors, b: Vectors) -> npt.NDArray[np.float32]:
    """Pairwise Euclidean distances between rows of unit vectors (via their dot products)."""
    dots = np.clip(a @ b.T, -1.0, 1.0)
    found: npt.NDArray[np.float32] = np.sqrt(np.maximum(2.0 - 2.0 * dots, 0.0)).astype(
        np.float32
    )
    return found
