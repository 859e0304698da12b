"""The default detector: YuNet (libfacedetection's network) run by onnxruntime.

The network sees the image as it is (BGR, 0..255), padded at the right and bottom to a
multiple of 32, and answers, for each of its three strides (8, 16, 32) and each cell of that
grid, a class and an objectness score, a box (centre offset and log size in strides) and
five landmarks (offsets in strides). A face's score is the geometric mean of the two scores;
overlapping boxes are suppressed (NMS). This is what OpenCV's ``FaceDetectorYN`` does; run
here by onnxruntime (weights folded once) it gives the same faces in a quarter of the time,
and on the same device as the embedder.

Images larger than ``max_side`` are scaled down for detection only; boxes and landmarks are
scaled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import onnx

from pocketstack.vision.pipeline.onnx_models import fold_constant_weights, session
from pocketstack.vision.pipeline.scaling import scaled_down
from pocketstack.vision.pipeline.stages import Face, Image

__all__ = ["YuNetDetector"]

INPUT = "input"
STRIDES = (8, 16, 32)
NMS_THRESHOLD = 0.3
TOP_K = 5000

Rows = npt.NDArray[np.float32]  # N x 15: box (4), landmarks (10), score


class YuNetDetector:
    def __init__(
        self, model: Path, *, score: float, max_side: int, providers: Sequence[str], threads: int
    ) -> None:
        folded = fold_constant_weights(onnx.load(str(model)), INPUT)
        dims = folded.graph.input[0].type.tensor_type.shape.dim
        dims[2].dim_param, dims[3].dim_param = "height", "width"
        self._session = session(folded, providers=providers, threads=threads)
        self._outputs = [output.name for output in self._session.get_outputs()]
        self._score = score
        self._max_side = max_side

    def detect(self, image: Image) -> list[Face]:
        seen, scale = scaled_down(image, self._max_side)
        rows = self._rows(seen)
        found = [_face(row[:14].astype(np.float64) / scale, float(row[14])) for row in rows]
        return sorted(found, key=lambda face: face.score, reverse=True)

    def _rows(self, image: Image) -> Rows:
        height, width = image.shape[:2]
        padded_h, padded_w = -(-height // 32) * 32, -(-width // 32) * 32
        blob = np.zeros((1, 3, padded_h, padded_w), np.float32)
        blob[0, :, :height, :width] = image.transpose(2, 0, 1)
        answers = dict(zip(self._outputs, self._session.run(self._outputs, {INPUT: blob}),
                           strict=True))
        found = [_decode(answers, stride, padded_w // stride, self._score) for stride in STRIDES]
        rows = np.concatenate(found)
        if not len(rows):
            return rows
        boxes = [[float(v) for v in row[:4]] for row in rows]
        scores = [float(row[14]) for row in rows]
        kept = cv2.dnn.NMSBoxes(boxes, scores, self._score, NMS_THRESHOLD, top_k=TOP_K)
        return rows[np.asarray(kept, dtype=np.int64).reshape(-1)]


def _decode(answers: dict[str, Rows], stride: int, columns: int, threshold: float) -> Rows:
    """The rows of one stride's grid whose score reaches ``threshold``, in image pixels."""
    classes = np.clip(answers[f"cls_{stride}"][0, :, 0], 0.0, 1.0)
    objects = np.clip(answers[f"obj_{stride}"][0, :, 0], 0.0, 1.0)
    scores = np.sqrt(classes * objects)
    cells = np.flatnonzero(scores >= threshold)
    origin = np.stack([cells % columns, cells // columns], axis=1).astype(np.float32)
    box = answers[f"bbox_{stride}"][0, cells]
    centre = (origin + box[:, :2]) * stride
    size = np.exp(box[:, 2:4]) * stride
    points = (answers[f"kps_{stride}"][0, cells].reshape(-1, 5, 2) + origin[:, None]) * stride
    rows: Rows = np.concatenate(
        [centre - size / 2, size, points.reshape(-1, 10), scores[cells, None]], axis=1
    ).astype(np.float32)
    return rows


def _face(row: npt.NDArray[np.float64], score: float) -> Face:
    x, y, w, h = (float(v) for v in row[:4])
    points = tuple((float(row[i]), float(row[i + 1])) for i in range(4, 14, 2))
    return Face(box=(x, y, w, h), landmarks=points, score=score)
