"""Story: detect, embed and verify; enroll one person from several images; a bulk enroll
whose items each succeed or fail whole; deletions leave the index; a restart rebuilds the
index from the database and answers the same. The gallery there is searched by IVF
(``ann_min_size`` 4), so the approximate index, its removals and its rebuild are exercised."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from tests.vision_data import faces_dir, identities

from pocketstack.vision.service import Vision

if TYPE_CHECKING:
    from conftest import FaceApi, FaceFactory


def _vision(face: FaceApi) -> Vision:
    service = face.cloud.services["/face"]
    assert isinstance(service, Vision)
    return service


async def test_detect_embed_verify(face: FaceApi) -> None:
    scenes = faces_dir() / "scenes"
    two = await face.image("/v1/detect", (scenes / "fr_two_people.jpg").read_bytes())
    body = two.json()
    assert len(body["faces"]) == 2 and body["image"]["width"] > 0
    assert set(body["faces"][0]["landmarks"]) == {
        "right_eye", "left_eye", "nose_tip", "right_mouth_corner", "left_mouth_corner"}
    people = identities()
    ada, bob = people["Barack_Obama"], people["Zinedine_Zidane"]
    embedded = (await face.image("/v1/embed", ada[0].read_bytes())).json()
    vector = embedded["faces"][0]["embedding"]
    assert len(vector) == 128 and abs(sum(v * v for v in vector) - 1) < 1e-3

    async def verify(a: bytes, b: bytes) -> dict[str, object]:
        answer = await face.post("/v1/verify", files=[("image_a", ("a.jpg", a, "image/jpeg")),
                                                      ("image_b", ("b.jpg", b, "image/jpeg"))])
        assert answer.status_code == 200, answer.text
        verdict: dict[str, object] = answer.json()
        return verdict

    same = await verify(ada[0].read_bytes(), ada[1].read_bytes())
    other = await verify(ada[0].read_bytes(), bob[0].read_bytes())
    assert same["same_person"] is True and other["same_person"] is False
    assert same["threshold"] == other["threshold"]
    one = await face.post("/v1/verify", files=[("image_a", ("a.jpg", b"x", "image/jpeg"))])
    face.error(one, 400)


async def test_enroll_bulk_delete_and_restart(open_face: FaceFactory) -> None:
    people = identities()
    biden, kit = people["Joseph_Biden"], people["Kit_Harington"]
    async with open_face(ann_min_size=4) as face:
        gid = (await face.gallery("people"))["id"]
        pid = (await face.person(gid, "Joe"))["id"]
        made = await face.enroll(gid, pid, [p.read_bytes() for p in biden[:3]])
        assert made.status_code == 201, made.text
        face_ids = [f["id"] for f in made.json()["faces"]]
        assert len(face_ids) == 3
        dogs = (faces_dir() / "scenes" / "dlib_dogs.jpg").read_bytes()
        bulk = {"items": [
            {"name": "Kit", "metadata": {"role": "actor"},
             "images": [base64.b64encode(p.read_bytes()).decode() for p in kit[:2]]},
            {"name": "Nobody", "images": [base64.b64encode(dogs).decode()]},
            {"person_id": pid, "images": [base64.b64encode(biden[3].read_bytes()).decode()]},
            {"person_id": "no-such-person",
             "images": [base64.b64encode(biden[3].read_bytes()).decode()]},
        ]}
        started = await face.post(f"/v1/galleries/{gid}/enroll-jobs", json=bulk)
        assert started.status_code == 202, started.text
        assert started.headers["location"].endswith(started.json()["enroll_job"]["id"])
        job = await face.wait_job(gid, started.json()["enroll_job"]["id"])
        assert [i["status"] for i in job["items"]] == ["enrolled", "failed", "enrolled",
                                                       "failed"]
        assert "no face" in job["items"][1]["error"]
        assert "could not be found" in job["items"][3]["error"]
        assert job["items"][3]["faces"] == 0
        assert job["items"][2]["person_id"] == pid and job["items"][0]["faces"] == 2
        names = [p["name"] for p in (await face.get(f"/v1/galleries/{gid}/persons"))
                 .json()["persons"]]
        assert names == ["Joe", "Kit"]  # the failed item made no person
        assert (await face.get(f"/v1/galleries/{gid}")).json()["gallery"]["faces"] == 6
        assert _vision(face).indexes.kind(gid) == "ivf"

        probe = biden[4].read_bytes() if len(biden) > 4 else biden[-1].read_bytes()
        before = (await face.image(f"/v1/galleries/{gid}/identify", probe)).json()
        assert before["faces"][0]["person"]["name"] == "Joe"
        # As if other processes had written: this one's index is behind the database.
        _vision(face).indexes.create(gid)
        again = (await face.image(f"/v1/galleries/{gid}/identify", probe)).json()
        assert again == before  # reloaded first: the gallery's generation had moved on
        removed = await face.delete(f"/v1/galleries/{gid}/persons/{pid}/faces/{face_ids[0]}")
        assert removed.status_code == 204
        assert (await face.get(f"/v1/galleries/{gid}")).json()["gallery"]["faces"] == 5
        before = (await face.image(f"/v1/galleries/{gid}/identify", probe)).json()

    async with open_face(ann_min_size=4) as face:  # a new process: rebuilt from the database
        assert (await face.get(f"/v1/galleries/{gid}")).json()["gallery"]["faces"] == 5
        assert _vision(face).indexes.kind(gid) == "ivf"
        after = (await face.image(f"/v1/galleries/{gid}/identify", probe)).json()
        assert after == before
        assert (await face.delete(f"/v1/galleries/{gid}/persons/{pid}")).status_code == 204
        again = (await face.image(f"/v1/galleries/{gid}/identify", probe)).json()
        assert again["faces"][0]["person"] is None or again["faces"][0]["person"]["name"] != "Joe"
        assert (await face.get(f"/v1/galleries/{gid}")).json()["gallery"]["faces"] == 2
