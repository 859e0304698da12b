"""The image store seam: put a stream (size and hashes computed on the way), read a byte range,
delete. Implementations never hold an image in memory; a failed put leaves nothing behind."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterable, AsyncIterator
from typing import Protocol

__all__ = [
    "HASH_ALGO",
    "DataNotFound",
    "ImageStore",
    "IncompleteData",
    "SizeLimitExceeded",
    "StorageFull",
    "StoreError",
    "StoredData",
]

HASH_ALGO = "sha512"  # Glance's default [DEFAULT] hashing_algorithm (os_hash_algo)
HEAD_BYTES = 512  # how much of the start of the data a put keeps, for format inspection


class StoreError(Exception):
    """A put or get that did not happen; the store holds nothing new."""


class SizeLimitExceeded(StoreError):
    """More bytes than ``limit`` arrived (Glance's ``image_size_cap``)."""


class IncompleteData(StoreError):
    """The stream ended before (or went past) the size the client announced, or broke off."""


class StorageFull(StoreError):
    """The backend ran out of space."""


class DataNotFound(StoreError):
    """No data at that location."""


@dataclasses.dataclass(frozen=True, slots=True)
class StoredData:
    location: str  # the store's key, kept on the image row
    size: int
    checksum: str  # md5, hex (Glance's legacy ``checksum``)
    os_hash_algo: str
    os_hash_value: str  # HASH_ALGO, hex
    head: bytes  # the first HEAD_BYTES bytes


class ImageStore(Protocol):
    async def put(
        self, image_id: str, chunks: AsyncIterable[bytes], *, expected_size: int | None, limit: int
    ) -> StoredData:
        """Store the stream under a new location, visible only once complete."""
        ...

    async def get(
        self, location: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes ``[offset, offset + length)``; :class:`DataNotFound` when missing."""
        ...

    async def discard_partials(self) -> int:
        """Remove what uploads cut short by a crash left behind; returns how many."""
        ...

    async def delete(self, location: str) -> None:
        """Remove the data at ``location``; nothing there is not an error."""
        ...
