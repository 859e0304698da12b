"""Story: a project's galleries and the people in them, over the API.

Create (default threshold: the model's calibrated one), list with marker/limit paging,
show, rename, change the threshold, delete; a duplicate name is a 409; persons with their
metadata, paged, updated, deleted. Version documents need no token. A gallery made by another
embedder (the service's was changed since) refuses new faces and identification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.vision_data import identities

from pocketstack.vision.objects import galleries
from pocketstack.vision.pipeline.sface import SFACE_THRESHOLD
from pocketstack.vision.service import Vision

if TYPE_CHECKING:
    from conftest import FaceApi


async def test_versions_need_no_token(face: FaceApi) -> None:
    for path in ("/", "/v1"):
        assert (await face.get(path, token="")).status_code == 200
    face.error(await face.get("/v1/galleries", token=""), 401)


async def test_gallery_lifecycle_and_paging(face: FaceApi) -> None:
    first = await face.gallery("staff", description="the office")
    assert first["threshold"] == SFACE_THRESHOLD
    assert first["faces"] == 0 and first["model"].startswith("sface")
    tuned = await face.gallery("visitors", threshold=0.9)
    assert tuned["threshold"] == 0.9
    face.error(await face.post("/v1/galleries", json={"gallery": {"name": "staff"}}), 409,
               "vision.conflict")
    face.error(await face.post("/v1/galleries", json={"gallery": {"threshold": 3}}), 400)
    for n in range(3):
        await face.gallery(f"extra-{n}")
    page = (await face.get("/v1/galleries", params={"limit": 2})).json()
    assert [g["name"] for g in page["galleries"]] == ["staff", "visitors"]
    next_href = page["galleries_links"][0]["href"]
    assert "marker=" + tuned["id"] in next_href
    rest = (await face.get("/v1/galleries", params={"limit": 10, "marker": tuned["id"]})).json()
    assert [g["name"] for g in rest["galleries"]] == ["extra-0", "extra-1", "extra-2"]
    assert "galleries_links" not in rest
    face.error(await face.get("/v1/galleries", params={"marker": "nope"}), 400)

    gid = first["id"]
    changed = await face.put(f"/v1/galleries/{gid}", json={"gallery": {"threshold": 1.0}})
    assert changed.json()["gallery"]["threshold"] == 1.0
    assert (await face.get(f"/v1/galleries/{gid}")).json()["gallery"]["name"] == "staff"
    assert (await face.delete(f"/v1/galleries/{gid}")).status_code == 204
    face.error(await face.get(f"/v1/galleries/{gid}"), 404, "vision.not_found")
    face.error(await face.request("PATCH", f"/v1/galleries/{tuned['id']}"), 405)


async def test_persons_with_metadata(face: FaceApi) -> None:
    gid = (await face.gallery())["id"]
    ada = await face.person(gid, "Ada", badge="A-1", floor=3)
    assert ada["metadata"] == {"badge": "A-1", "floor": 3} and ada["faces"] == 0
    for name in ("Bob", "Cy"):
        await face.person(gid, name)
    page = (await face.get(f"/v1/galleries/{gid}/persons", params={"limit": 2})).json()
    assert [p["name"] for p in page["persons"]] == ["Ada", "Bob"]
    marker = page["persons"][-1]["id"]
    rest = await face.get(f"/v1/galleries/{gid}/persons", params={"marker": marker})
    assert [p["name"] for p in rest.json()["persons"]] == ["Cy"]
    path = f"/v1/galleries/{gid}/persons/{ada['id']}"
    renamed = await face.put(path, json={"person": {"name": "Ada L.", "metadata": {}}})
    assert renamed.json()["person"]["name"] == "Ada L."
    assert (await face.get(path)).json()["person"]["metadata"] == {}
    face.error(await face.post(f"/v1/galleries/{gid}/persons",
                               json={"person": {"name": "x", "metadata": {"n": [1]}}}), 400)
    assert (await face.delete(path)).status_code == 204
    face.error(await face.get(path), 404)


async def test_a_gallery_of_another_model_is_refused_not_mixed(face: FaceApi) -> None:
    service = face.cloud.services["/face"]
    assert isinstance(service, Vision)
    photo = identities()["Barack_Obama"][0].read_bytes()
    for model, refused in (("dlib-resnet-v1", True), ("sface-2021dec-int8bq", False)):
        gid = (await face.gallery())["id"]
        pid = (await face.person(gid, "Barack"))["id"]
        async with service.writing() as conn:  # as if the service's embedder had changed
            await galleries.update(conn, gid, {"model": model})
        enrolled = await face.enroll(gid, pid, [photo])
        identified = await face.image(f"/v1/galleries/{gid}/identify", photo)
        if refused:
            face.error(enrolled, 409, "vision.conflict")
            face.error(identified, 409, "vision.conflict")
            assert "dlib-resnet-v1" in enrolled.json()["error"]["message"]
            listed = await face.get(f"/v1/galleries/{gid}/persons/{pid}/faces")
            assert listed.json()["faces"] == []
        else:  # plain SFace vectors and mirrored sums compare
            assert enrolled.status_code == 201, enrolled.text
            assert identified.json()["faces"][0]["person"]["person_id"] == pid
