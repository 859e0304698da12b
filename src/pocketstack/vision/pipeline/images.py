"""Uploaded bytes to pixels, with limits: a clear error for anything that is not a sound image.

Too many bytes is :class:`ImageTooLarge` (413); not an image, a truncated file or too many
pixels (checked from the header, before any decoding) is :class:`BadImage` (400). EXIF
orientation is applied, so a phone photo taken sideways is upright before detection.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from pocketstack.vision.pipeline.stages import Image

__all__ = ["BadImage", "ImageTooLarge", "decode_image"]


class BadImage(ValueError):
    """The bytes are not an image this service can read."""


class ImageTooLarge(ValueError):
    """The upload has more bytes than the service accepts."""


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int) -> Image:
    if not data:
        raise BadImage("The image is empty.")
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The image has {len(data)} bytes; the limit is {max_bytes}.")
    try:
        with PILImage.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise BadImage(
                    f"The image has {width}x{height} pixels; the limit is {max_pixels} pixels."
                )
            opened.load()  # a truncated file fails here
            upright = ImageOps.exif_transpose(opened)
            rgb = upright.convert("RGB")
    except UnidentifiedImageError:
        raise BadImage("The data is not an image (JPEG, PNG, WebP, BMP or GIF).") from None
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, BadImage):
            raise
        raise BadImage(f"The image cannot be decoded: {error}.") from None
    pixels = np.asarray(rgb, dtype=np.uint8)
    return np.ascontiguousarray(pixels[:, :, ::-1])  # RGB -> BGR
