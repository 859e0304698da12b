"""Story: secrets and containers belong to one project.

Another project (its members and its admins alike) gets 404 for them, as if they did not
exist, and never sees them listed. In the owning project readers read metadata but not
payloads, and cannot write; members do everything. The ``service`` role reads across
projects: the load balancer's way to the TLS material its users reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import KeyManagerClient


async def _owned(km: KeyManagerClient) -> tuple[str, str, str]:
    """A member's token, their secret and their certificate container."""
    owner = await km.user("member")
    secret = await km.store(token=owner, payload="mine", payload_content_type="text/plain")
    made = await km.post(
        "/v1/containers",
        token=owner,
        json={
            "type": "certificate",
            "secret_refs": [{"name": "certificate", "secret_ref": secret}],
        },
    )
    assert made.status_code == 201, made.text
    return owner, secret, made.json()["container_ref"]


async def test_other_projects_see_nothing(km: KeyManagerClient) -> None:
    owner, secret, container = await _owned(km)
    stranger = await km.user("member")
    for token in (stranger, km.token):  # the cloud admin's project is another project too
        km.error(await km.get(km.path_of(secret), token=token), 404, "another castle")
        km.error(await km.payload(secret, "text/plain", token=token), 404)
        km.error(
            await km.put(
                km.path_of(secret),
                token=token,
                content=b"x",
                headers={"Content-Type": "text/plain"},
            ),
            404,
        )
        km.error(await km.delete(km.path_of(secret), token=token), 404)
        km.error(await km.get(km.path_of(container), token=token), 404, "another castle")
        km.error(await km.delete(km.path_of(container), token=token), 404)
        assert (await km.get("/v1/secrets", token=token)).json() == {"secrets": [], "total": 0}
        assert (await km.get("/v1/containers", token=token)).json() == {
            "containers": [],
            "total": 0,
        }
    assert (await km.payload(secret, "text/plain", token=owner)).content == b"mine"
    assert (await km.get(km.path_of(container), token=owner)).status_code == 200


async def test_readers_read_metadata_only(km: KeyManagerClient) -> None:
    owner, secret, container = await _owned(km)
    project_id = (
        await km.client.get(
            "/identity/v3/auth/tokens", headers={"X-Auth-Token": km.token, "X-Subject-Token": owner}
        )
    ).json()["token"]["project"]["id"]
    reader = await km.user("reader", project_id)
    assert (await km.get(km.path_of(secret), token=reader)).json()["secret_ref"] == secret
    assert (await km.get("/v1/secrets", token=reader)).json()["total"] == 1
    assert (await km.get(km.path_of(container), token=reader)).status_code == 200
    km.error(await km.payload(secret, "text/plain", token=reader), 403, "not allowed")
    km.error(await km.get(km.path_of(secret), token=reader, headers={"Accept": "text/plain"}), 403)
    km.error(
        await km.post("/v1/secrets", token=reader, json={"name": "x"}),
        403,
        "Secret creation attempt not allowed",
    )
    km.error(await km.post("/v1/containers", token=reader, json={"type": "generic"}), 403)
    km.error(await km.delete(km.path_of(secret), token=reader), 403)
    km.error(await km.delete(km.path_of(container), token=reader), 403)
    assert (await km.get("/v1/secrets", token=owner)).json()["total"] == 1


async def test_the_service_role_reads_across_projects(km: KeyManagerClient) -> None:
    _, secret, container = await _owned(km)
    service = await km.user("service")
    assert (await km.get(km.path_of(secret), token=service)).status_code == 200
    assert (await km.payload(secret, "text/plain", token=service)).content == b"mine"
    assert (await km.get(km.path_of(container), token=service)).status_code == 200
    km.error(await km.delete(km.path_of(secret), token=service), 403)
    # Listing is of one's own project, for its readers: the service role alone is not one.
    km.error(await km.get("/v1/secrets", token=service), 403)
