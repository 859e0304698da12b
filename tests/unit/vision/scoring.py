"""Scoring a pipeline on the face test set: images read as the service reads them, the
subjects of pairs.csv detected and aligned once, pairs labelled with their distances."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tests.vision_data import Pair, pairs

from pocketstack.vision.pipeline import Image, Pipeline, Vectors, decode_image, subject_of
from pocketstack.vision.pipeline.calibration import LabelledPair
from pocketstack.vision.pipeline.stages import distances

__all__ = ["aligned_subjects", "fixed_accuracy", "labelled_pairs", "read_image"]

LIMITS = {"max_bytes": 10 << 20, "max_pixels": 25_000_000}


def read_image(path: Path) -> Image:
    return decode_image(path.read_bytes(), **LIMITS)


def aligned_subjects(pipeline: Pipeline) -> dict[Path, Image]:
    """Each image of pairs.csv whose subject was found, aligned for ``pipeline``'s embedder."""
    crops = {}
    for path in sorted({p.a for p in pairs()} | {p.b for p in pairs()}):
        image = read_image(path)
        faces = pipeline.detect(image)
        if faces:
            subject = subject_of(faces, image.shape[1], image.shape[0])
            crops[path] = pipeline.aligner.align(image, subject)
    return crops


def labelled_pairs(crops: dict[Path, Image], vectors: Vectors) -> list[LabelledPair]:
    """Every pair of pairs.csv with its distance (``vectors`` row i is crop i's); a pair
    whose face was not found is wrong at any threshold."""
    found = dict(zip(crops, vectors, strict=True))

    def distance(pair: Pair) -> float:
        if pair.a in found and pair.b in found:
            return float(distances(found[pair.a][None], found[pair.b][None])[0, 0])
        return 9.0 if pair.same else -1.0

    return [LabelledPair(str(p.a), str(p.b), p.same, distance(p)) for p in pairs()]


def fixed_accuracy(labelled: list[LabelledPair], threshold: float) -> float:
    return float(np.mean([(p.distance < threshold) == p.same for p in labelled]))
