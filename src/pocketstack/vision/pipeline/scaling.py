"""Large images are scaled down for detection only; what a detector finds is scaled back."""

from __future__ import annotations

import cv2
import numpy as np

from pocketstack.vision.pipeline.stages import Image

__all__ = ["scaled_down"]


def scaled_down(image: Image, max_side: int) -> tuple[Image, float]:
    """The image with its longer side at most ``max_side``, and the factor applied (<= 1)."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return image, scale
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA)), scale
