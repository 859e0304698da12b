"""Uploaded bytes: limits, broken files and EXIF orientation."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pocketstack.vision.pipeline.images import BadImage, ImageTooLarge, decode_image

LIMITS = {"max_bytes": 1 << 20, "max_pixels": 4_000_000}


def _jpeg(width: int, height: int, **save: object) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 10, 10))
    image.paste((10, 200, 10), (0, 0, width // 2, height // 2))  # green top-left quarter
    image.save(out, "JPEG", **save)
    return out.getvalue()


def test_a_sound_jpeg_is_bgr_pixels() -> None:
    pixels = decode_image(_jpeg(64, 48), **LIMITS)
    assert pixels.shape == (48, 64, 3)
    assert pixels[40, 60].tolist()[2] > 150  # red, in BGR order


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    pixels = decode_image(_jpeg(64, 48, exif=exif), **LIMITS)
    assert pixels.shape == (64, 48, 3)
    assert pixels[2, 45].tolist()[1] > 150  # the green quarter is now top-right


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.4 not an image at all", "not an image"),
        (_jpeg(64, 48)[:300], "cannot be decoded"),
    ],
)
def test_broken_input_is_a_bad_image(data: bytes, message: str) -> None:
    with pytest.raises(BadImage, match=message):
        decode_image(data, **LIMITS)


def test_too_many_bytes_and_too_many_pixels() -> None:
    with pytest.raises(ImageTooLarge, match="limit"):
        decode_image(b"x" * (LIMITS["max_bytes"] + 1), **LIMITS)
    with pytest.raises(BadImage, match="pixels"):
        decode_image(_jpeg(2100, 2000), **LIMITS)
