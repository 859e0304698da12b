"""The default pipeline and dlib's stages, each loaded once for the session (as one worker
loads its models once)."""

from __future__ import annotations

import pytest

from pocketstack.common.settings import VisionSettings
from pocketstack.vision.pipeline import Pipeline
from pocketstack.vision.pipeline.loader import load_pipeline


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return load_pipeline(VisionSettings())


@pytest.fixture(scope="session")
def dlib_pipeline() -> Pipeline:
    return load_pipeline(VisionSettings(detector="dlib-hog", embedder="dlib-resnet"))
