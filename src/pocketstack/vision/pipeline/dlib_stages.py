"""The alternative stages: dlib's HOG detector, its 5-point face chips and its ResNet descriptor.

Chosen with ``[vision] detector = "dlib-hog"`` and ``embedder = "dlib-resnet"`` (each works
with the other default stage too); the weights are the ``.dat`` files of the
``face-recognition-models`` package (the ``dlib`` extra), found by :mod:`.loader`. Importing
this module imports dlib: the loader does so only when a dlib stage is configured.

dlib's Python objects are not documented as thread-safe (the ResNet keeps its activations
between calls) and the service calls stages from worker threads: each stage holds a lock
around its dlib calls. dlib-bin is built without CUDA: these stages always run on the CPU.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path

import dlib
import numpy as np

from pocketstack.vision.pipeline.scaling import scaled_down
from pocketstack.vision.pipeline.stages import Face, Image, Vectors

__all__ = [
    "DLIB_THRESHOLD",
    "DlibChipAligner",
    "DlibHogDetector",
    "DlibResNetEmbedder",
    "hog_score",
]

# dlib's published threshold is a Euclidean distance of 0.6 between its raw descriptors, which
# are not unit vectors: their norms run from 1.27 to 1.66 (median 1.44 over the 43 faces of
# the test set's scenes/, images that pairs.csv does not score). Between unit vectors the
# same boundary lies at 0.6 / 1.44 = 0.415.
DLIB_RAW_THRESHOLD = 0.6
DLIB_DESCRIPTOR_NORM = 1.445
DLIB_THRESHOLD = round(DLIB_RAW_THRESHOLD / DLIB_DESCRIPTOR_NORM, 3)

CHIP_SIZE = 150  # the ResNet's input; get_face_chip's default padding (0.25) is its training's
CHIP_PADDING = 0.25

# Points of the 68-point (iBUG 300-W) layout, 0-based; "right" is the subject's right.
RIGHT_EYE = range(36, 42)
LEFT_EYE = range(42, 48)
NOSE_TIP = 30
RIGHT_MOUTH = 48
LEFT_MOUTH = 54


def hog_score(margin: float) -> float:
    """The HOG detector's SVM margin as a score in 0..1: the logistic function, so dlib's
    own cut-off (margin 0) is 0.5 and a clear face (margin 2) about 0.88. Not a calibrated
    probability, only monotonic."""
    return 1.0 / (1.0 + math.exp(-margin))


def _rgb(image: Image) -> Image:
    return np.ascontiguousarray(image[:, :, ::-1])


class DlibHogDetector:
    """dlib's frontal-face HOG + linear SVM detector, landmarks from the 68-point predictor.

    The detector's window is 80 x 80 pixels: images whose longer side is under
    ``upsample_below`` are searched at twice their size, which finds faces down to about 40
    pixels at four times the cost (640 x 480: 76 instead of 20 ms). Smaller than VGA by
    default: 250 x 250 portraits need it (one face in 208 is missed without); no scene of the
    test set up to 800 pixels shows a face more with it. Images larger than ``max_side`` are
    scaled down for detection only; boxes and landmarks are scaled back.
    """

    def __init__(
        self,
        landmarks_68: Path,
        *,
        max_side: int,
        min_score: float = 0.5,
        upsample_below: int = 640,
    ) -> None:
        if not 0.0 < min_score < 1.0:
            raise ValueError(f"min_score must lie strictly between 0 and 1: {min_score}")
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(landmarks_68))
        self._max_side = max_side
        self._min_margin = math.log(min_score / (1.0 - min_score))  # hog_score's inverse
        self._upsample_below = upsample_below
        self._lock = threading.Lock()

    def detect(self, image: Image) -> list[Face]:
        seen, scale = scaled_down(image, self._max_side)
        rgb = _rgb(seen)
        upsample = 1 if max(rgb.shape[:2]) < self._upsample_below else 0
        with self._lock:
            boxes, margins, _ = self._detector.run(rgb, upsample, self._min_margin)
            shapes = [self._predictor(rgb, box) for box in boxes]
        found = [
            _face(box, shape, hog_score(float(margin)), scale)
            for box, shape, margin in zip(boxes, shapes, margins, strict=True)
        ]
        return sorted(found, key=lambda face: face.score, reverse=True)


def _face(box: dlib.rectangle, shape: dlib.full_object_detection, score: float,
          scale: float) -> Face:
    points = [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(68)]

    def mean(indices: range) -> tuple[float, float]:
        xs, ys = zip(*(points[i] for i in indices), strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)

    five = (mean(RIGHT_EYE), mean(LEFT_EYE), points[NOSE_TIP], points[RIGHT_MOUTH],
            points[LEFT_MOUTH])
    return Face(
        box=(box.left() / scale, box.top() / scale, box.width() / scale, box.height() / scale),
        landmarks=tuple((x / scale, y / scale) for x, y in five),
        score=score,
    )


class DlibChipAligner:
    """dlib's 5-point shape predictor on the face's box, then ``get_face_chip``: the crop the
    ResNet was trained on. It reads only the box, so any detector's faces work with it."""

    size = (CHIP_SIZE, CHIP_SIZE)

    def __init__(self, landmarks_5: Path) -> None:
        self._predictor = dlib.shape_predictor(str(landmarks_5))
        self._lock = threading.Lock()

    def align(self, image: Image, face: Face) -> Image:
        x, y, w, h = face.box
        box = dlib.rectangle(round(x), round(y), round(x + w) - 1, round(y + h) - 1)
        rgb = _rgb(image)
        with self._lock:
            shape = self._predictor(rgb, box)
            chip = dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        return np.ascontiguousarray(np.asarray(chip, dtype=np.uint8)[:, :, ::-1])


class DlibResNetEmbedder:
    """dlib's ResNet (``dlib_face_recognition_resnet_model_v1``) over 150 x 150 chips, the
    descriptors scaled to unit length (see :data:`DLIB_THRESHOLD`)."""

    name = "dlib-resnet-v1"
    threshold = DLIB_THRESHOLD

    def __init__(self, model: Path) -> None:
        self._net = dlib.face_recognition_model_v1(str(model))
        self._lock = threading.Lock()

    def embed(self, faces: Sequence[Image]) -> Vectors:
        if not faces:
            return np.zeros((0, 128), np.float32)
        chips = [_rgb(face) for face in faces]
        with self._lock:  # one call: dlib runs the chips through the network in batches
            descriptors = self._net.compute_face_descriptor(chips)
        vectors = np.array([np.asarray(d) for d in descriptors], dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
