"""Story: galleries belong to one project. Another project's gallery is invisible (404 for
its members and admins alike) and never listed; a reader of the owning project reads and
identifies but cannot enroll, create or delete (403)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.vision_data import identities

if TYPE_CHECKING:
    from conftest import FaceApi


async def test_other_projects_and_readers(face: FaceApi) -> None:
    owner = await face.user("member")
    gallery = await face.gallery("mine", token=owner)
    gid = gallery["id"]
    person = await face.person(gid, "Owner", token=owner)
    portrait = next(iter(identities().values()))[0].read_bytes()
    enrolled = await face.enroll(gid, person["id"], [portrait], token=owner)
    assert enrolled.status_code == 201, enrolled.text

    stranger = await face.user("member")
    for token in (stranger, face.token):  # the admin's project is another project too
        for method, path in (("GET", f"/v1/galleries/{gid}"),
                             ("DELETE", f"/v1/galleries/{gid}"),
                             ("GET", f"/v1/galleries/{gid}/persons"),
                             ("POST", f"/v1/galleries/{gid}/persons")):
            face.error(await face.request(method, path, token=token, json={}), 404,
                       "vision.not_found")
        face.error(await face.image(f"/v1/galleries/{gid}/identify", portrait, token=token),
                   404)
        listed = (await face.get("/v1/galleries", token=token)).json()["galleries"]
        assert gid not in [g["id"] for g in listed]

    reader = await face.user("reader", project_id=await face.project_of(owner))
    assert (await face.get(f"/v1/galleries/{gid}", token=reader)).status_code == 200
    seen = await face.image(f"/v1/galleries/{gid}/identify", portrait, token=reader)
    assert seen.json()["faces"][0]["person"]["person_id"] == person["id"]
    face.error(await face.enroll(gid, person["id"], [portrait], token=reader), 403,
               "vision.forbidden")
    face.error(await face.post(f"/v1/galleries/{gid}/persons", token=reader,
                               json={"person": {"name": "x"}}), 403)
    face.error(await face.post("/v1/galleries", token=reader,
                               json={"gallery": {"name": "r"}}), 403)
    face.error(await face.delete(f"/v1/galleries/{gid}", token=reader), 403)
    faces = await face.get(f"/v1/galleries/{gid}/persons/{person['id']}/faces", token=owner)
    assert len(faces.json()["faces"]) == 1
