"""The default detector: YuNet (libfacedetection's network) run by OpenCV's DNN module.

One row per face from OpenCV: box (x, y, w, h), five landmarks, score. Images larger than
``max_side`` are scaled down for detection only; boxes and landmarks are scaled back.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from pocketstack.vision.pipeline.stages import Face, Image

__all__ = ["YuNetDetector"]

NMS_THRESHOLD = 0.3
TOP_K = 5000


class YuNetDetector:
    def __init__(self, model: Path, *, score: float, max_side: int, cuda: bool) -> None:
        backend, target = cv2.dnn.DNN_BACKEND_OPENCV, cv2.dnn.DNN_TARGET_CPU
        if cuda:
            backend, target = cv2.dnn.DNN_BACKEND_CUDA, cv2.dnn.DNN_TARGET_CUDA
        self._net = cv2.FaceDetectorYN.create(
            str(model), "", (320, 320), score, NMS_THRESHOLD, TOP_K, backend, target
        )
        self._max_side = max_side
        self._lock = threading.Lock()  # the OpenCV object keeps its input size: one at a time

    def detect(self, image: Image) -> list[Face]:
        height, width = image.shape[:2]
        scale = min(1.0, self._max_side / max(height, width))
        seen = image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            seen = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
        with self._lock:
            self._net.setInputSize((seen.shape[1], seen.shape[0]))
            _, detected = self._net.detect(seen)
        rows: np.ndarray | None = detected  # type: ignore[type-arg]
        if rows is None:
            return []
        found = [_face(np.asarray(row, dtype=np.float64) / scale, float(row[14])) for row in rows]
        return sorted(found, key=lambda face: face.score, reverse=True)


def _face(row: np.ndarray, score: float) -> Face:  # type: ignore[type-arg]
    x, y, w, h = (float(v) for v in row[:4])
    points = tuple((float(row[i]), float(row[i + 1])) for i in range(4, 14, 2))
    return Face(box=(x, y, w, h), landmarks=points, score=score)
