"""Image data upload: ``queued`` → ``saving`` → ``active``, and what a failed upload leaves.

No database transaction is held while the bytes stream: the image turns ``saving`` in one
transaction (a compare-and-swap from ``queued``, so two uploads cannot both start), the data
goes to the store, and a second transaction records size, hashes and location, or settles a
failure. A stream that is cut short (the client goes away, or sends fewer bytes than its
``Content-Length``) leaves the image ``killed``; a size cap or a full disk puts it back to
``queued`` so the upload can be retried, as Glance restores it. The data is checked against
size and hashes already recorded on the image, as Glance checks them (a mismatch kills it).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, Callable
from contextlib import AbstractAsyncContextManager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.image.db import models as m
from pocketstack.image.drivers.store import (
    DataNotFound,
    ImageStore,
    IncompleteData,
    SizeLimitExceeded,
    StorageFull,
    StoredData,
)
from pocketstack.image.objects.errors import BadRequest, Conflict, Gone, TooLarge
from pocketstack.image.objects.images import Image, load, now

__all__ = [
    "TRUNCATED_STATUS",
    "DataMismatch",
    "begin",
    "receive",
    "recover_interrupted",
    "virtual_size",
]

TRUNCATED_STATUS = "killed"
_QCOW2_MAGIC = b"QFI\xfb"
_i = m.images

Writing = Callable[[], AbstractAsyncContextManager[AsyncConnection]]


class DataMismatch(BadRequest):
    """The uploaded data does not match a size or hash already recorded on the image."""


def virtual_size(disk_format: str | None, head: bytes, size: int) -> int | None:
    """What a guest sees: raw is its size; qcow2 says so in its header (bytes 24-31)."""
    if disk_format == "raw":
        return size
    if disk_format == "qcow2" and head[:4] == _QCOW2_MAGIC and len(head) >= 32:
        return int.from_bytes(head[24:32], "big")
    return None


async def begin(conn: AsyncConnection, image: Image) -> None:
    """``queued`` → ``saving``; 409 from any other status, 400 without both formats."""
    if image.status != "queued":
        raise Conflict(f"Image status transition from {image.status} to saving is not allowed")
    missing = [k for k in ("disk_format", "container_format") if getattr(image, k) is None]
    if missing:
        noun = "Property" if len(missing) == 1 else "Properties"
        raise BadRequest(f"{noun} {', '.join(missing)} must be set prior to saving data.")
    moved = await conn.execute(
        _i.update()
        .where(_i.c.id == image.id, _i.c.status == "queued", _i.c.deleted.is_(False))
        .values(status="saving", updated_at=now())
    )
    if moved.rowcount != 1:
        raise Conflict("Image status transition from queued to saving is not allowed")


async def receive(
    writing: Writing,
    store: ImageStore,
    image: Image,
    chunks: AsyncIterable[bytes],
    *,
    expected_size: int | None,
    limit: int,
) -> Image:
    """Stream the data of a ``saving`` image into the store and make the image ``active``."""
    try:
        stored = await store.put(image.id, chunks, expected_size=expected_size, limit=limit)
    except (SizeLimitExceeded, StorageFull) as error:
        await _settle(writing, image.id, "queued")
        raise TooLarge(str(error)) from None
    except IncompleteData as error:
        await _settle(writing, image.id, TRUNCATED_STATUS)
        raise BadRequest(str(error)) from None
    except BaseException:
        await _settle(writing, image.id, "queued")
        raise
    try:
        async with writing() as conn:
            return await _finish(conn, image.id, stored)
    except BaseException as error:
        await store.delete(stored.location)
        if isinstance(error, DataMismatch):
            await _settle(writing, image.id, "killed")
        raise


async def _finish(conn: AsyncConnection, image_id: str, stored: StoredData) -> Image:
    current = (
        await conn.execute(sa.select(_i.c.status).where(_i.c.id == image_id).with_for_update())
    ).scalar()
    if current != "saving":
        raise Gone(
            f"Image {image_id} could not be found after upload. The image may have "
            f"been deleted during the upload, cleaning up the chunks uploaded."
        )
    [image] = await load(conn, [image_id])
    for name in ("size", "os_hash_value", "checksum"):
        recorded = getattr(image, name)
        if recorded is not None and recorded != getattr(stored, name):
            raise DataMismatch(
                f"{name} of uploaded data is different from current value set on the image."
            )
    values = {
        "status": "active",
        "size": stored.size,
        "checksum": stored.checksum,
        "os_hash_algo": stored.os_hash_algo,
        "os_hash_value": stored.os_hash_value,
        "virtual_size": virtual_size(image.disk_format, stored.head, stored.size),
        "location": stored.location,
        "updated_at": now(),
    }
    await conn.execute(_i.update().where(_i.c.id == image_id).values(**values))
    [image] = await load(conn, [image_id])
    return image


async def recover_interrupted(conn: AsyncConnection, store: ImageStore) -> list[str]:
    """At start-up: uploads a crash cut short end as a truncated upload does (``killed``,
    no data kept, no partial file left); returns the images it settled."""
    rows = await conn.execute(sa.select(_i.c.id).where(_i.c.status == "saving"))
    settled = [str(r.id) for r in rows]
    for image_id in settled:
        with contextlib.suppress(DataNotFound):
            await store.delete(image_id)  # renamed into place, but never recorded active
    if settled:
        await conn.execute(_i.update().where(_i.c.id.in_(settled))
                           .values(status=TRUNCATED_STATUS, updated_at=now()))
    await store.discard_partials()
    return settled


async def _settle(writing: Writing, image_id: str, status: str) -> None:
    """A failed upload's image leaves ``saving`` (unless it was deleted meanwhile)."""
    async with writing() as conn:
        await conn.execute(
            _i.update()
            .where(_i.c.id == image_id, _i.c.status == "saving")
            .values(status=status, updated_at=now())
        )
