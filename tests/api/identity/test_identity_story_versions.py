"""Story: a client discovers the identity API before it has any token."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Keystone

MEDIA_TYPE = {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}


def _check_version(version: dict[str, object]) -> None:
    assert version["id"] == "v3.14"
    assert version["status"] == "stable"
    assert version["updated"] == "2020-04-07T00:00:00Z"
    assert version["links"] == [{"rel": "self", "href": "http://127.0.0.1:8080/identity/v3/"}]
    assert version["media-types"] == [MEDIA_TYPE]


async def test_root_answers_multiple_choices_without_a_token(ks: Keystone) -> None:
    response = await ks.get("", token="")
    assert response.status_code == 300
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "http://127.0.0.1:8080/identity/v3/"
    assert response.headers["x-openstack-request-id"].startswith("req-")
    values = response.json()["versions"]["values"]
    assert len(values) == 1
    _check_version(values[0])
    # The trailing-slash form is the same document.
    assert (await ks.get("/", token="")).json() == response.json()


async def test_v3_answers_its_version_with_or_without_slash(ks: Keystone) -> None:
    for path in ("/v3", "/v3/"):
        response = await ks.get(path, token="")
        assert response.status_code == 200
        _check_version(response.json()["version"])


async def test_an_invalid_token_does_not_block_discovery(ks: Keystone) -> None:
    response = await ks.get("/v3", token="not-a-token")
    assert response.status_code == 200
    response = await ks.get("", token="gAAAAABnot-really")
    assert response.status_code == 300


async def test_head_on_the_version_documents_has_no_body(ks: Keystone) -> None:
    response = await ks.head("/v3", token="")
    assert response.status_code == 200
    assert response.content == b""


async def test_discovery_is_read_only(ks: Keystone) -> None:
    response = await ks.post("/v3", token="", json={})
    error = ks.expect_error(response, 405)
    assert "POST" in error["message"]
    assert response.headers["Allow"] == "GET, HEAD"
