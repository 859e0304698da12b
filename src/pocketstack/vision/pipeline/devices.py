"""Which device runs the models: the CPU by default, a CUDA device when configured and present.

Pure functions over what the runtime reports, so the choice is tested where no GPU is:
``[vision] device`` asks (``cpu``, ``cuda`` or ``auto``), the runtime says which execution
providers it has, and ``CUDA_VISIBLE_DEVICES`` says which device compute assigned this
worker (empty or ``-1``: none).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

__all__ = ["DEVICES", "DeviceChoice", "choose_device"]

DEVICES = ("cpu", "cuda", "auto")
CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"

log = logging.getLogger("pocketstack.vision")


@dataclasses.dataclass(frozen=True)
class DeviceChoice:
    device: str  # "cpu" or "cuda"
    providers: tuple[str, ...]  # onnxruntime execution providers, in order of preference
    reason: str


def _visible_gpu(env: Mapping[str, str]) -> bool:
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return True  # not restricted: the runtime sees every device
    return visible.strip() not in ("", "-1")


def choose_device(
    requested: str, available: Sequence[str], env: Mapping[str, str]
) -> DeviceChoice:
    """The providers for ``requested`` given the runtime's ``available`` providers."""
    if requested not in DEVICES:
        raise ValueError(f"[vision] device must be one of {', '.join(DEVICES)}: {requested!r}")
    if requested == "cpu":
        return DeviceChoice("cpu", (CPU_PROVIDER,), "configured")
    if CUDA_PROVIDER not in available:
        reason = "this onnxruntime has no CUDA execution provider"
    elif not _visible_gpu(env):
        reason = "no GPU is visible (CUDA_VISIBLE_DEVICES)"
    else:
        return DeviceChoice("cuda", (CUDA_PROVIDER, CPU_PROVIDER), "a CUDA device is visible")
    if requested == "cuda":
        log.warning("[vision] device = cuda, but %s: running on the CPU", reason)
    return DeviceChoice("cpu", (CPU_PROVIDER,), reason)
