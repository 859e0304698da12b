"""The default embedder: SFace (128-d) from its int8 ONNX file, run by onnxruntime in batches.

The weights are folded to floats at load (:mod:`.onnx_models`) and the batch dimension is
left free, so one call embeds a batch of faces.

With ``flip`` (the default), each face is also embedded mirrored and the two vectors are
added before normalising: the usual test-time augmentation of face verification (as LFW
evaluations of ArcFace-style models do), for twice the embedding time. The published
threshold is kept: carried onto the sum's distances without labels (a linear fit of its
distances to the plain ones over the faces of the set's scenes, people not in pairs.csv) it
moves to 1.116-1.122, within the threshold's own precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx

from pocketstack.vision.pipeline.onnx_models import fold_constant_weights, session
from pocketstack.vision.pipeline.stages import Image, Vectors

__all__ = ["SFACE_THRESHOLD", "SFaceEmbedder"]

INPUT = "data"
# OpenCV Zoo's calibrated threshold for SFace: cosine similarity 0.363, i.e. an L2 distance
# of 1.128 between unit vectors (sqrt(2 - 2 * 0.363)).
SFACE_THRESHOLD = 1.128


class SFaceEmbedder:
    def __init__(
        self, model: Path, *, providers: Sequence[str], threads: int, batch: int, flip: bool
    ) -> None:
        self.name = "sface-2021dec-int8bq" + ("+flip" if flip else "")
        self.threshold = SFACE_THRESHOLD
        self._flip = flip
        folded = fold_constant_weights(onnx.load(str(model)), INPUT)
        for value in (folded.graph.input[0], folded.graph.output[0]):
            value.type.tensor_type.shape.dim[0].dim_param = "batch"
        self._session = session(folded, providers=providers, threads=threads)
        self.providers = tuple(self._session.get_providers())
        self._batch = max(1, batch)

    def embed(self, faces: Sequence[Image]) -> Vectors:
        if not faces:
            return np.zeros((0, 128), np.float32)
        # BGR uint8 HWC -> RGB float NCHW, pixel values kept in 0..255 as SFace expects.
        blob = np.stack(faces)[:, :, :, ::-1].transpose(0, 3, 1, 2).astype(np.float32)
        if self._flip:  # each face then its mirror image, in one batch
            blob = np.stack([blob, blob[:, :, :, ::-1]], axis=1).reshape(-1, *blob.shape[1:])
        step = self._batch * (2 if self._flip else 1)
        parts = [
            self._session.run(None, {INPUT: np.ascontiguousarray(blob[i : i + step])})[0]
            for i in range(0, len(blob), step)
        ]
        vectors = np.concatenate(parts).astype(np.float32)
        if self._flip:
            vectors = vectors[0::2] + vectors[1::2]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
