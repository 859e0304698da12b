"""Pure rules of image data: which bytes a ``Range`` header asks for, what a guest sees of a
disk (virtual size), and the upload size cap read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.common.errors import ApiError
from pocketstack.common.settings import load_settings
from pocketstack.image.handlers.image_data import parse_range
from pocketstack.image.objects.uploads import virtual_size


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        (None, None),
        ("bytes=0-0", (0, 0)),
        ("bytes=3-10", (3, 10)),
        ("bytes=5-", (5, 25)),
        ("bytes=-5", (21, 25)),
        ("bytes=-100", (0, 25)),
        ("bytes=20-1000", (20, 25)),
        (" bytes = 1 - 2 ", (1, 2)),
    ],
)
def test_satisfiable_ranges(header: str | None, wanted: tuple[int, int] | None) -> None:
    assert parse_range(header, 26) == wanted


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("bytes=1-2,5-6", 400),
        ("bytes=26-", 416),
        ("bytes=5-4", 416),
        ("bytes=-0", 416),
        ("bytes=-", 416),
        ("pages=1-2", 416),
        ("bytes=a-b", 416),
    ],
)
def test_refused_ranges(header: str, status: int) -> None:
    with pytest.raises(ApiError) as refused:
        parse_range(header, 26)
    assert refused.value.status == status


def test_no_range_of_an_empty_image() -> None:
    with pytest.raises(ApiError):
        parse_range("bytes=0-", 0)


def test_virtual_size() -> None:
    qcow2 = b"QFI\xfb" + bytes(20) + (5 << 30).to_bytes(8, "big")
    assert virtual_size("qcow2", qcow2, 100) == 5 << 30
    assert virtual_size("qcow2", b"QFI\xfb", 100) is None
    assert virtual_size("qcow2", b"not a qcow2 header at all, really", 100) is None
    assert virtual_size("raw", b"", 100) == 100
    assert virtual_size("iso", qcow2, 100) is None


def test_size_cap_from_settings_and_environment(tmp_path: Path) -> None:
    assert load_settings(tmp_path, env={}).image.size_cap == 1 << 40
    env = {"POCKETSTACK_IMAGE__SIZE_CAP": "1048576"}
    assert load_settings(tmp_path, env=env).image.size_cap == 1 << 20
    with pytest.raises(ValueError):
        load_settings(tmp_path, env={"POCKETSTACK_IMAGE__SIZE_CAP": "1G"})
