"""The filesystem image store on a real directory: a put spanning several batches lands
whole under the image's id with the right hashes; any failed put leaves the directory as
it was; reads honour offset and length."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.image.drivers.filesystem import BATCH, FilesystemStore
from pocketstack.image.drivers.store import DataNotFound, IncompleteData, SizeLimitExceeded


async def _chunks(*parts: bytes, fail: BaseException | None = None) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    if fail is not None:
        raise fail


def _entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


async def _read(store: FilesystemStore, location: str, **kw: int) -> bytes:
    return b"".join([chunk async for chunk in await store.get(location, **kw)])


async def test_put_get_delete(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path / "images")
    parts = [bytes([n]) * (BATCH // 3 + n) for n in range(7)]  # crosses batch boundaries
    data = b"".join(parts)
    stored = await store.put("img-1", _chunks(*parts), expected_size=len(data), limit=1 << 40)
    assert stored.location == "img-1" and stored.size == len(data)
    assert stored.checksum == hashlib.md5(data).hexdigest()
    assert stored.os_hash_algo == "sha512"
    assert stored.os_hash_value == hashlib.sha512(data).hexdigest()
    assert stored.head == data[:512]
    assert _entries(tmp_path / "images") == ["img-1"]
    assert await _read(store, "img-1") == data
    assert await _read(store, "img-1", offset=BATCH, length=10) == data[BATCH : BATCH + 10]
    assert await _read(store, "img-1", offset=len(data) - 3) == data[-3:]
    await store.delete("img-1")
    await store.delete("img-1")
    with pytest.raises(DataNotFound):
        await store.get("img-1")
    with pytest.raises(DataNotFound):
        await store.get("../etc/passwd")


@pytest.mark.parametrize(
    ("chunks", "expected", "limit", "error"),
    [
        ((b"x" * 10,), 11, 100, IncompleteData),
        ((b"x" * 10,), 9, 100, IncompleteData),
        ((b"x" * 60, b"x" * 60), None, 100, SizeLimitExceeded),
        ((b"x" * BATCH, b"x" * BATCH), None, BATCH + 1, SizeLimitExceeded),
    ],
)
async def test_a_failed_put_leaves_nothing(
    tmp_path: Path,
    chunks: tuple[bytes, ...],
    expected: int | None,
    limit: int,
    error: type[Exception],
) -> None:
    store = FilesystemStore(tmp_path)
    with pytest.raises(error):
        await store.put("img", _chunks(*chunks), expected_size=expected, limit=limit)
    assert _entries(tmp_path) == []


async def test_a_broken_stream_leaves_nothing(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    with pytest.raises(IncompleteData):
        await store.put(
            "img",
            _chunks(b"x" * (BATCH + 5), fail=IncompleteData("gone")),
            expected_size=None,
            limit=1 << 40,
        )
    assert _entries(tmp_path) == []
