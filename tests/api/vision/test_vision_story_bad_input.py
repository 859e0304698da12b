"""Story: bad input is a clear 4xx in the one error shape, and nothing is stored.

Not an image, a truncated JPEG, a 50-megapixel image, too many bytes, no face, a second
image with no face in a multi-image enroll, a bulk enroll with one broken image, the wrong
media type: each is refused and the gallery is unchanged afterwards.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest
from PIL import Image
from tests.vision_data import faces_dir, identities

if TYPE_CHECKING:
    from conftest import FaceApi, FaceFactory


@pytest.fixture(scope="module")
def huge_jpeg() -> bytes:
    """A 50-megapixel JPEG (plain grey: few bytes, many pixels)."""
    out = io.BytesIO()
    Image.new("L", (8000, 6250), 128).save(out, "JPEG", quality=10)
    return out.getvalue()


def _portrait() -> bytes:
    return next(iter(identities().values()))[0].read_bytes()


async def _nothing_stored(face: FaceApi, gid: str, pid: str) -> None:
    gallery = (await face.get(f"/v1/galleries/{gid}")).json()["gallery"]
    assert gallery["faces"] == 0
    faces = (await face.get(f"/v1/galleries/{gid}/persons/{pid}/faces")).json()["faces"]
    assert faces == []
    persons = (await face.get(f"/v1/galleries/{gid}/persons")).json()["persons"]
    assert [p["id"] for p in persons] == [pid]


async def test_bad_images_are_refused_and_nothing_is_stored(face: FaceApi,
                                                            huge_jpeg: bytes) -> None:
    gid = (await face.gallery())["id"]
    pid = (await face.person(gid, "Someone"))["id"]
    good = _portrait()
    dogs = (faces_dir() / "scenes" / "dlib_dogs.jpg").read_bytes()
    cases = [
        (b"this is not an image", 400, "vision.bad_image", "not an image"),
        (good[: len(good) // 2], 400, "vision.bad_image", "cannot be decoded"),
        (huge_jpeg, 400, "vision.bad_image", "pixels"),
        (dogs, 400, "vision.bad_request", "No face"),
    ]
    for data, status, code, says in cases:
        for answer in (await face.enroll(gid, pid, [data]),
                       await face.image("/v1/embed", data)):
            assert says in face.error(answer, status, code)["message"]
    assert (await face.image("/v1/detect", dogs)).json()["faces"] == []
    face.error(await face.enroll(gid, pid, [good, dogs]), 400, "vision.bad_request")
    too_big = good + b"\0" * (1 << 20)
    limited = await face.image("/v1/detect", too_big)  # raw bodies have their own limit
    assert limited.status_code == 200
    await _nothing_stored(face, gid, pid)


async def test_limits_and_media_types(open_face: FaceFactory) -> None:
    async with open_face(max_image_bytes=200_000) as face:
        gid = (await face.gallery())["id"]
        pid = (await face.person(gid, "Someone"))["id"]
        big = _portrait() + b"\0" * 300_000
        face.error(await face.image("/v1/detect", big), 413, "vision.too_large")
        face.error(await face.enroll(gid, pid, [big]), 413, "vision.too_large")
        text = await face.post("/v1/detect", content=b"x", headers={"Content-Type": "text/plain"})
        face.error(text, 415)
        bulk = {"items": [{"name": "A", "images": ["bm90IGFuIGltYWdl"]}]}
        refused = await face.post(f"/v1/galleries/{gid}/enroll-jobs", json=bulk)
        assert "items[0].images[0]" in face.error(refused, 400, "vision.bad_image")["message"]
        face.error(await face.post(f"/v1/galleries/{gid}/enroll-jobs",
                                   json={"items": [{"images": ["eA=="]}]}), 400)
        await _nothing_stored(face, gid, pid)
