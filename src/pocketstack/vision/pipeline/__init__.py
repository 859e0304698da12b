"""The face pipeline: explicit stages (detector, aligner, embedder, matcher), each a Protocol.

:func:`load_pipeline` builds the default stages (YuNet + similarity alignment + SFace) once
per process and configuration; :mod:`.images` turns uploaded bytes into pixels.
"""

from __future__ import annotations

from pocketstack.vision.pipeline.images import BadImage, ImageTooLarge, decode_image
from pocketstack.vision.pipeline.loader import Pipeline, load_pipeline
from pocketstack.vision.pipeline.stages import (
    EMBEDDING_SIZE,
    Aligner,
    Detector,
    Embedder,
    Face,
    Image,
    Matcher,
    Vectors,
)

__all__ = [
    "EMBEDDING_SIZE",
    "Aligner",
    "BadImage",
    "Detector",
    "Embedder",
    "Face",
    "Image",
    "ImageTooLarge",
    "Matcher",
    "Pipeline",
    "Vectors",
    "decode_image",
    "load_pipeline",
]
