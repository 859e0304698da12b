"""The default embedder: SFace (128-d) from its int8 ONNX file, run by onnxruntime in batches.

The shipped file stores its weights block-quantised (``DequantizeLinear`` + ``Reshape``) and,
as an old exporter did, lists every weight as a graph input too. At load we drop those
inputs, compute the weight subgraph once and store its results as plain float initialisers,
and let the batch dimension vary: the network then runs as an ordinary float model (the
runtime would otherwise dequantise every weight on every call) and takes a batch at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from pocketstack.vision.pipeline.stages import Image, Vectors

__all__ = ["SFACE_THRESHOLD", "SFaceEmbedder", "fold_constant_weights"]

INPUT = "data"
# OpenCV Zoo's calibrated threshold for SFace: cosine similarity 0.363, i.e. an L2 distance
# of 1.128 between unit vectors (sqrt(2 - 2 * 0.363)).
SFACE_THRESHOLD = 1.128


def fold_constant_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model with its input-independent subgraph replaced by its computed values."""
    graph = model.graph
    used = {name for node in graph.node for name in node.input}
    initialised = {init.name for init in graph.initializer}
    for stale in [i for i in graph.input if i.name not in used or i.name in initialised]:
        graph.input.remove(stale)
    for value in (graph.input[0], graph.output[0]):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    dynamic = {INPUT}
    for node in graph.node:  # nodes are topologically sorted
        if dynamic.intersection(node.input):
            dynamic.update(node.output)
    constant = [node for node in graph.node if not dynamic.intersection(node.output)]
    needed = {i for node in graph.node if dynamic.intersection(node.output) for i in node.input}
    outputs = [o for node in constant for o in node.output if o in needed]
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    probe.graph.output.extend(helper.make_empty_tensor_value_info(name) for name in outputs)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        probe.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    values = session.run(outputs, {INPUT: np.zeros((1, 3, 112, 112), np.float32)})
    for node in constant:
        graph.node.remove(node)
    still_used = {name for node in graph.node for name in node.input}
    for init in [init for init in graph.initializer if init.name not in still_used]:
        graph.initializer.remove(init)
    graph.initializer.extend(
        numpy_helper.from_array(np.asarray(value), name)
        for name, value in zip(outputs, values, strict=True)
    )
    return model


class SFaceEmbedder:
    name = "sface-2021dec-int8bq"
    threshold = SFACE_THRESHOLD

    def __init__(
        self, model: Path, *, providers: Sequence[str], threads: int, batch: int
    ) -> None:
        folded = fold_constant_weights(onnx.load(str(model)))
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads > 0:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            folded.SerializeToString(), options, providers=list(providers)
        )
        self.providers = tuple(self._session.get_providers())
        self._batch = max(1, batch)

    def embed(self, faces: Sequence[Image]) -> Vectors:
        if not faces:
            return np.zeros((0, 128), np.float32)
        # BGR uint8 HWC -> RGB float NCHW, pixel values kept in 0..255 as SFace expects.
        blob = np.stack(faces)[:, :, :, ::-1].transpose(0, 3, 1, 2).astype(np.float32)
        parts = [
            self._session.run(None, {INPUT: blob[i : i + self._batch]})[0]
            for i in range(0, len(blob), self._batch)
        ]
        vectors = np.concatenate(parts).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit
