"""Story: certificate containers the load balancer reads (certificate, key, chain), generic
and RSA containers, Barbican's rules for their reference names, and what deletes do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import KeyManagerClient, TlsMaterial


async def _tls_secrets(km: KeyManagerClient, tls: TlsMaterial) -> dict[str, str]:
    pem = "application/x-pem-file"
    return {
        "certificate": await km.store(
            payload=tls.cert_pem.decode(), payload_content_type=pem, secret_type="certificate"
        ),
        "private_key": await km.store(
            payload=tls.key_pem.decode(), payload_content_type=pem, secret_type="private"
        ),
        "intermediates": await km.store(
            payload=tls.chain_pem.decode(), payload_content_type=pem, secret_type="certificate"
        ),
    }


def _refs(named: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "secret_ref": ref} for name, ref in named.items()]


async def _create(km: KeyManagerClient, **body: Any) -> str:
    response = await km.post("/v1/containers", json=body)
    assert response.status_code == 201, response.text
    ref: str = response.json()["container_ref"]
    assert ref.startswith(f"{km.base}/v1/containers/")
    assert response.headers["location"] == ref
    return ref


async def test_certificate_container_as_the_load_balancer_reads_it(
    km: KeyManagerClient, tls: TlsMaterial
) -> None:
    named = await _tls_secrets(km, tls)
    ref = await _create(km, name="www", type="certificate", secret_refs=_refs(named))
    shown = (await km.get(km.path_of(ref))).json()
    assert set(shown) == {
        "container_ref",
        "name",
        "type",
        "status",
        "secret_refs",
        "consumers",
        "created",
        "updated",
        "creator_id",
    }
    assert (shown["container_ref"], shown["name"], shown["type"]) == (ref, "www", "certificate")
    assert shown["status"] == "ACTIVE" and shown["consumers"] == []
    assert shown["secret_refs"] == _refs(named)  # in the order given
    by_name = {item["name"]: item["secret_ref"] for item in shown["secret_refs"]}
    cert = await km.payload(by_name["certificate"], "application/x-pem-file")
    key = await km.payload(by_name["private_key"], "application/x-pem-file")
    assert cert.content == tls.cert_pem.strip() and key.content == tls.key_pem.strip()


async def test_listing_and_filters(km: KeyManagerClient, tls: TlsMaterial) -> None:
    named = await _tls_secrets(km, tls)
    cert = await _create(
        km, name="a", type="certificate", secret_refs=_refs({"certificate": named["certificate"]})
    )
    generic = await _create(km, name="b", type="generic", secret_refs=_refs(named))
    empty = await _create(km, type="generic")
    listed = (await km.get("/v1/containers")).json()
    assert [c["container_ref"] for c in listed["containers"]] == [cert, generic, empty]
    assert listed["total"] == 3 and listed["containers"][2]["name"] is None
    assert listed["containers"][1]["secret_refs"] == _refs(named)
    page = (await km.get("/v1/containers", params={"limit": 1, "offset": 1})).json()
    assert [c["container_ref"] for c in page["containers"]] == [generic]
    assert "next" in page and "previous" in page
    by_type = (await km.get("/v1/containers", params={"type": "certificate"})).json()
    assert [c["container_ref"] for c in by_type["containers"]] == [cert]
    by_name = (await km.get("/v1/containers", params={"name": "b"})).json()
    assert [c["container_ref"] for c in by_name["containers"]] == [generic]


async def test_name_rules_per_type(km: KeyManagerClient, tls: TlsMaterial) -> None:
    named = await _tls_secrets(km, tls)
    cert, key = named["certificate"], named["private_key"]

    async def refused(container_type: str, refs: list[dict[str, Any]], words: str) -> None:
        response = await km.post(
            "/v1/containers", json={"type": container_type, "secret_refs": refs}
        )
        km.error(response, 400, words)

    await refused("certificate", _refs({"private_key": key}), "minimum required")
    await refused("certificate", [], "minimum required")
    await refused("certificate", _refs({"certificate": cert, "public_key": key}), "only")
    await refused("rsa", _refs({"public_key": cert}), "minimum required")
    await refused(
        "rsa",
        _refs({"public_key": cert, "private_key": key, "extra": named["intermediates"]}),
        "only",
    )
    await refused(
        "generic",
        [{"name": "x", "secret_ref": cert}, {"name": "x", "secret_ref": key}],
        "Duplicate reference names",
    )
    await refused(
        "generic",
        [{"name": "x", "secret_ref": cert}, {"name": "y", "secret_ref": cert}],
        "Duplicate secret ids",
    )
    await refused(
        "generic",
        [{"name": "x", "secret_ref": "https://elsewhere/v1/secrets/" + cert.rsplit("/", 1)[1]}],
        "does not match the configured hostname",
    )
    rsa = await _create(km, type="rsa", secret_refs=_refs({"public_key": cert, "private_key": key}))
    assert (await km.get(km.path_of(rsa))).json()["type"] == "rsa"
    assert (await km.get("/v1/containers")).json()["total"] == 1


async def test_referenced_secrets_must_exist_in_the_project(
    km: KeyManagerClient, tls: TlsMaterial
) -> None:
    named = await _tls_secrets(km, tls)
    gone = await km.store_text("deleted soon")
    await km.delete(km.path_of(gone))
    other = await km.user("member")
    theirs = await km.store(token=other, payload="theirs", payload_content_type="text/plain")
    for missing in (gone, theirs, f"{km.base}/v1/secrets/not-a-uuid"):
        response = await km.post(
            "/v1/containers",
            json={
                "type": "certificate",
                "secret_refs": [
                    {"name": "certificate", "secret_ref": missing},
                    {"name": "private_key", "secret_ref": named["private_key"]},
                ],
            },
        )
        km.error(response, 404, "Secret provided for 'certificate' doesn't exist.")
    assert (await km.get("/v1/containers")).json()["total"] == 0


async def test_deletes(km: KeyManagerClient, tls: TlsMaterial) -> None:
    named = await _tls_secrets(km, tls)
    ref = await _create(km, type="certificate", secret_refs=_refs(named))
    # Deleting a secret takes it out of the containers that named it (as Barbican).
    assert (await km.delete(km.path_of(named["intermediates"]))).status_code == 204
    shown = (await km.get(km.path_of(ref))).json()
    assert [item["name"] for item in shown["secret_refs"]] == ["certificate", "private_key"]
    # Deleting a container leaves its secrets.
    assert (await km.delete(km.path_of(ref))).status_code == 204
    km.error(await km.get(km.path_of(ref)), 404, "container is in another castle")
    km.error(await km.delete(km.path_of(ref)), 404)
    assert (await km.get(km.path_of(named["certificate"]))).status_code == 200
