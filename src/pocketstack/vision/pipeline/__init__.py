"""The face pipeline: explicit stages (detector, aligner, embedder, matcher), each a Protocol.

:func:`.loader.load_pipeline` builds the default stages (YuNet + similarity alignment +
SFace) once per process and configuration (import it where the models are needed: it brings
the model runtimes); :mod:`.images` turns uploaded bytes into pixels.
"""

from __future__ import annotations

from pocketstack.vision.pipeline.images import BadImage, ImageTooLarge, decode_image
from pocketstack.vision.pipeline.pipeline import Pipeline, subject_of
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
    "subject_of",
]
