"""Image data as files in one directory (Glance's ``filesystem`` store).

A put writes ``.<id>.<random>.partial`` and renames it to ``<id>`` only once every byte has
arrived, been hashed and reached the disk (fsync), so a broken upload never leaves a file
under an image's name. Chunks are gathered into batches of :data:`BATCH` bytes; while one
batch is hashed (MD5 and SHA-512 side by side) and written in worker threads, the next is
being received, so memory stays flat (two batches) whatever the size of the image.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable
from pathlib import Path
from typing import BinaryIO

from pocketstack.image.drivers.store import (
    HASH_ALGO,
    HEAD_BYTES,
    DataNotFound,
    IncompleteData,
    SizeLimitExceeded,
    StorageFull,
    StoredData,
)

__all__ = ["BATCH", "READ_CHUNK", "FilesystemStore"]

BATCH = 4 << 20  # bytes handed to the worker threads at a time
READ_CHUNK = 1 << 20  # bytes read per chunk when streaming data back
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_FULL = (errno.ENOSPC, errno.EDQUOT)


class _Sink:
    """One partial file and the running hashes of what went into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: BinaryIO = path.open("xb")
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.multihash = hashlib.new(HASH_ALGO)

    def steps(self, batch: bytearray) -> list[Awaitable[object]]:
        """The work for one batch, each part in its own thread (hashlib releases the GIL)."""
        return [
            asyncio.to_thread(self.md5.update, batch),
            asyncio.to_thread(self.multihash.update, batch),
            asyncio.to_thread(self.file.write, batch),
        ]

    def seal(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)


class FilesystemStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, location: str) -> Path:
        if not _KEY.match(location):
            raise DataNotFound(f"not a location of this store: {location!r}")
        return self.root / location

    async def discard_partials(self) -> int:
        def discard() -> int:
            if not self.root.is_dir():
                return 0
            found = list(self.root.glob(".*.partial"))
            for path in found:
                path.unlink(missing_ok=True)
            return len(found)

        return await asyncio.to_thread(discard)

    async def put(
        self, image_id: str, chunks: AsyncIterable[bytes], *, expected_size: int | None, limit: int
    ) -> StoredData:
        final = self._path(image_id)
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        sink = await asyncio.to_thread(_Sink, self.root / f".{image_id}.{uuid.uuid4().hex}.partial")
        try:
            size, head = await self._fill(sink, chunks, expected_size, limit)
            await asyncio.to_thread(sink.seal)
            await asyncio.to_thread(os.replace, sink.path, final)
        except OSError as error:
            await asyncio.to_thread(sink.discard)
            if error.errno in _FULL:
                raise StorageFull(f"Image storage media is full: {error}") from None
            raise
        except BaseException:
            await asyncio.to_thread(sink.discard)
            raise
        return StoredData(
            location=image_id,
            size=size,
            checksum=sink.md5.hexdigest(),
            os_hash_algo=HASH_ALGO,
            os_hash_value=sink.multihash.hexdigest(),
            head=head,
        )

    @staticmethod
    async def _fill(
        sink: _Sink, chunks: AsyncIterable[bytes], expected_size: int | None, limit: int
    ) -> tuple[int, bytes]:
        received, head = 0, b""
        batch = bytearray()
        in_flight: asyncio.Future[list[object]] | None = None
        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > limit:
                    raise SizeLimitExceeded(
                        f"The incoming image is too large: more than {limit} bytes."
                    )
                if expected_size is not None and received > expected_size:
                    raise IncompleteData(f"Received more than the announced {expected_size} bytes.")
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                batch += chunk
                if len(batch) >= BATCH:
                    if in_flight is not None:
                        await in_flight
                    in_flight = asyncio.gather(*sink.steps(batch))
                    batch = bytearray()
            if expected_size is not None and received != expected_size:
                raise IncompleteData(f"Received {received} of the announced {expected_size} bytes.")
            if in_flight is not None:
                await in_flight
                in_flight = None
            if batch:
                await asyncio.gather(*sink.steps(batch))
        finally:
            if in_flight is not None:  # let the threads finish before the file goes away
                await asyncio.gather(in_flight, return_exceptions=True)
        return received, head

    async def get(
        self, location: str, *, offset: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self._path(location)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise DataNotFound(f"No image data at {location}") from None
        await asyncio.to_thread(handle.seek, offset)
        return _read(handle, length)

    async def delete(self, location: str) -> None:
        try:
            path = self._path(location)
        except DataNotFound:
            return
        await asyncio.to_thread(path.unlink, missing_ok=True)


async def _read(handle: BinaryIO, length: int | None) -> AsyncIterator[bytes]:
    try:
        left = length
        while left is None or left > 0:
            size = READ_CHUNK if left is None else min(READ_CHUNK, left)
            chunk = await asyncio.to_thread(handle.read, size)
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk
    finally:
        handle.close()
