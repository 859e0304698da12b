"""Device selection: CPU unless a CUDA provider exists and compute left a GPU visible."""

from __future__ import annotations

import pytest

from pocketstack.vision.pipeline.devices import CPU_PROVIDER, CUDA_PROVIDER, choose_device

WITH_CUDA = [CUDA_PROVIDER, CPU_PROVIDER]


def test_cpu_is_the_default_and_ignores_gpus() -> None:
    choice = choose_device("cpu", WITH_CUDA, {"CUDA_VISIBLE_DEVICES": "0"})
    assert (choice.device, choice.providers) == ("cpu", (CPU_PROVIDER,))


@pytest.mark.parametrize("requested", ["cuda", "auto"])
def test_cuda_when_the_runtime_has_it_and_a_device_is_visible(requested: str) -> None:
    for env in ({}, {"CUDA_VISIBLE_DEVICES": "1"}):
        choice = choose_device(requested, WITH_CUDA, env)
        assert choice.device == "cuda"
        assert choice.providers == (CUDA_PROVIDER, CPU_PROVIDER)  # CPU stays as fallback


@pytest.mark.parametrize("visible", ["", "-1"])
def test_no_visible_device_falls_back_to_the_cpu(visible: str) -> None:
    choice = choose_device("auto", WITH_CUDA, {"CUDA_VISIBLE_DEVICES": visible})
    assert choice.providers == (CPU_PROVIDER,)
    assert "CUDA_VISIBLE_DEVICES" in choice.reason


def test_a_cpu_only_runtime_falls_back_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    choice = choose_device("cuda", [CPU_PROVIDER], {"CUDA_VISIBLE_DEVICES": "0"})
    assert choice.device == "cpu"
    assert "no CUDA execution provider" in caplog.text


def test_an_unknown_device_is_refused() -> None:
    with pytest.raises(ValueError, match="device must be one of"):
        choose_device("tpu", WITH_CUDA, {})
