"""Story: image data goes up (whole, chunked, cut short, too big, deleted mid-way) and comes
back down (whole, by range). Size, MD5 ``checksum`` and SHA-512 ``os_hash_value`` are
computed on the way in; a failed upload never leaves a file in the store."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pocketstack.image.db import models as m

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _stored(gl: Any) -> list[str]:
    root: Path = gl.service.settings.data_dir / "images"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


async def _chunks(*parts: bytes, wait: asyncio.Event | None = None) -> AsyncIterator[bytes]:
    for index, part in enumerate(parts):
        if wait is not None and index == 1:
            await wait.wait()
        yield part


async def test_upload_then_download_whole_and_by_range(gl: Any) -> None:
    image = await gl.create(name="letters")
    empty = await gl.get(f"/v2/images/{image['id']}/file")
    assert empty.status_code == 204 and empty.content == b""
    uploaded = await gl.upload(image["id"], ALPHABET)
    assert uploaded.status_code == 204 and uploaded.content == b""
    shown = await gl.show(image["id"])
    assert shown["status"] == "active" and shown["size"] == 26 and shown["virtual_size"] == 26
    assert shown["checksum"] == hashlib.md5(ALPHABET).hexdigest()
    assert shown["os_hash_algo"] == "sha512"
    assert shown["os_hash_value"] == hashlib.sha512(ALPHABET).hexdigest()
    assert _stored(gl) == [image["id"]]

    whole = await gl.get(f"/v2/images/{image['id']}/file")
    assert whole.status_code == 200 and whole.content == ALPHABET
    assert whole.headers["content-type"] == "application/octet-stream"
    assert whole.headers["content-md5"] == shown["checksum"]
    assert whole.headers["content-length"] == "26"
    for wanted, body, content_range in (
        ("bytes=3-10", b"DEFGHIJK", "bytes 3-10/26"),
        ("bytes=20-", b"UVWXYZ", "bytes 20-25/26"),
        ("bytes=-4", b"WXYZ", "bytes 22-25/26"),
        ("bytes=0-100", ALPHABET, "bytes 0-25/26"),
        ("bytes=25-25", b"Z", "bytes 25-25/26"),
    ):
        part = await gl.get(f"/v2/images/{image['id']}/file", headers={"Range": wanted})
        assert part.status_code == 206, (wanted, part.text)
        assert part.content == body and part.headers["content-range"] == content_range
        assert part.headers["content-length"] == str(len(body))
    for wanted in ("bytes=10-5", "bytes=26-", "items=0-1", "bytes=-0", "bytes=x-y"):
        refused = await gl.get(f"/v2/images/{image['id']}/file", headers={"Range": wanted})
        gl.error(refused, 416)
        assert refused.headers["content-range"] == "bytes */26"
    gl.error(
        await gl.get(f"/v2/images/{image['id']}/file", headers={"Range": "bytes=0-1,4-5"}),
        400,
        "multiple ranges",
    )
    head = await gl.request("HEAD", f"/v2/images/{image['id']}/file")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == "26"

    gl.error(await gl.upload(image["id"], b"again"), 409, "from active to saving")
    assert (await gl.show(image["id"]))["checksum"] == shown["checksum"]
    await gl.delete(f"/v2/images/{image['id']}")
    assert _stored(gl) == []


async def test_chunked_upload_and_qcow2_virtual_size(gl: Any) -> None:
    header = b"QFI\xfb" + bytes(20) + (10 << 30).to_bytes(8, "big")
    data = [header + bytes(512 - len(header)), b"x" * 70_000, b"y" * 5]
    image = await gl.create(name="disk", disk_format="qcow2")
    assert (await gl.upload(image["id"], _chunks(*data))).status_code == 204
    shown = await gl.show(image["id"])
    joined = b"".join(data)
    assert shown["size"] == len(joined) and shown["virtual_size"] == 10 << 30
    assert shown["os_hash_value"] == hashlib.sha512(joined).hexdigest()
    assert (await gl.get(f"/v2/images/{image['id']}/file")).content == joined


async def test_upload_needs_octet_stream_formats_and_a_queued_image(gl: Any) -> None:
    image = await gl.create(name="x")
    for media_type in ("application/json", "text/plain"):
        gl.error(
            await gl.put(
                f"/v2/images/{image['id']}/file", content=b"x", headers={"Content-Type": media_type}
            ),
            415,
        )
    gl.error(await gl.put(f"/v2/images/{image['id']}/file", content=b"x"), 415)
    bare = (await gl.post("/v2/images", json={"name": "no formats"})).json()
    gl.error(
        await gl.upload(bare["id"], b"x"),
        400,
        "Properties disk_format, container_format must be set prior to saving data.",
    )
    half = await gl.create(name="half", container_format=None)
    gl.error(await gl.upload(half["id"], b"x"), 400, "Property container_format must be set")
    assert [i["status"] for i in (await gl.get("/v2/images")).json()["images"]] == ["queued"] * 3
    assert _stored(gl) == []


async def test_a_short_body_kills_the_image_and_leaves_no_file(gl: Any) -> None:
    image = await gl.create(name="short")
    short = await gl.upload(image["id"], b"x" * 10, headers={"Content-Length": "100"})
    gl.error(short, 400, "Received 10 of the announced 100 bytes.")
    shown = await gl.show(image["id"])
    assert shown["status"] == "killed" and shown["size"] is None
    assert shown["checksum"] is None
    assert _stored(gl) == []
    assert (await gl.get(f"/v2/images/{image['id']}/file")).status_code == 204
    gl.error(await gl.upload(image["id"], b"x"), 409, "from killed to saving")
    assert (await gl.delete(f"/v2/images/{image['id']}")).status_code == 204


async def test_a_client_that_goes_away_kills_the_upload(gl: Any) -> None:
    image = await gl.create(name="gone")
    messages = [
        {"type": "http.request", "body": b"x" * 5000, "more_body": True},
        {"type": "http.disconnect"},
    ]
    started: list[int] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message["status"])

    await gl.cloud.dispatch(
        {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "PUT",
            "scheme": "http",
            "path": f"/image/v2/images/{image['id']}/file",
            "root_path": "",
            "query_string": b"",
            "server": ("127.0.0.1", 8080),
            "client": ("127.0.0.1", 5),
            "headers": [
                (b"x-auth-token", gl.token.encode()),
                (b"content-length", b"100000"),
                (b"content-type", b"application/octet-stream"),
            ],
        },
        receive,
        send,
    )
    assert started == [400]
    assert (await gl.show(image["id"]))["status"] == "killed"
    assert _stored(gl) == []


async def test_too_big_is_413_and_the_image_can_be_uploaded_again(gl: Any) -> None:
    gl.service.size_cap = 100
    image = await gl.create(name="big")
    gl.error(await gl.upload(image["id"], b"x" * 101), 413, "too large")
    gl.error(await gl.upload(image["id"], _chunks(b"x" * 60, b"x" * 60)), 413, "too large")
    assert (await gl.show(image["id"]))["status"] == "queued"
    assert _stored(gl) == []
    gl.service.size_cap = 1 << 40
    huge = await gl.upload(image["id"], b"x", headers={"Content-Length": str((1 << 40) + 1)})
    gl.error(huge, 413)
    assert (await gl.upload(image["id"], b"x" * 101)).status_code == 204
    assert (await gl.show(image["id"]))["size"] == 101


async def test_one_upload_at_a_time_and_delete_wins_over_upload(gl: Any) -> None:
    image = await gl.create(name="raced")
    release = asyncio.Event()
    first = asyncio.create_task(gl.upload(image["id"], _chunks(b"a" * 10, b"b", wait=release)))
    for _ in range(100):
        if (await gl.show(image["id"]))["status"] == "saving":
            break
        await asyncio.sleep(0.01)
    assert (await gl.show(image["id"]))["status"] == "saving"
    gl.error(await gl.upload(image["id"], b"second"), 409, "from saving to saving")
    assert (await gl.delete(f"/v2/images/{image['id']}")).status_code == 204
    release.set()
    gl.error(await first, 410, "could not be found after upload")
    assert _stored(gl) == []


async def test_data_that_contradicts_a_recorded_checksum_kills_the_image(gl: Any) -> None:
    image = await gl.create(name="checked")
    async with gl.service.writing() as conn:
        await conn.execute(
            sa.update(m.images)
            .where(m.images.c.id == image["id"])
            .values(checksum=hashlib.md5(b"expected").hexdigest())
        )
    gl.error(
        await gl.upload(image["id"], b"something else"),
        400,
        "checksum of uploaded data is different",
    )
    shown = await gl.show(image["id"])
    assert shown["status"] == "killed" and shown["size"] is None
    assert _stored(gl) == []
    other = await gl.create(name="matches")
    async with gl.service.writing() as conn:
        await conn.execute(
            sa.update(m.images)
            .where(m.images.c.id == other["id"])
            .values(checksum=hashlib.md5(b"expected").hexdigest())
        )
    assert (await gl.upload(other["id"], b"expected")).status_code == 204
