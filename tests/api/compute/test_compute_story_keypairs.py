"""Story: a user generates a key pair, imports another, lists them page by page, shows and
deletes them; an admin reaches another user's key pairs with ``user_id``."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from tests.api.compute.conftest import ComputeClient


def _public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH,
                            serialization.PublicFormat.OpenSSH).decode() + " me@host"


async def test_keypair_story(nova: ComputeClient) -> None:
    user = await nova.user("member")
    made = await nova.post("/os-keypairs", token=user.token, version="2.10",
                           json={"keypair": {"name": "k1"}})
    assert made.status_code == 201, made.text
    k1 = made.json()["keypair"]
    assert k1["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert k1["user_id"] == user.user_id and k1["type"] == "ssh"
    assert len(k1["fingerprint"].split(":")) == 16

    public = _public_key()
    imported = await nova.post("/os-keypairs", token=user.token,
                               json={"keypair": {"name": "k2", "public_key": public}})
    assert imported.status_code == 201, imported.text
    assert "private_key" not in imported.json()["keypair"]
    assert imported.json()["keypair"]["public_key"] == public
    nova.error(await nova.post("/os-keypairs", token=user.token, json={
        "keypair": {"name": "k2", "public_key": public}}), 409, "Key pair 'k2' already exists.")
    nova.error(await nova.post("/os-keypairs", token=user.token, json={
        "keypair": {"name": "k3", "public_key": "ssh-rsa bogus"}}), 400, "Keypair data is")
    nova.error(await nova.post("/os-keypairs", token=user.token, json={
        "keypair": {"name": "k4"}}), 400)  # 2.92: import only
    at_21 = await nova.post("/os-keypairs", token=user.token, version="2.1",
                            json={"keypair": {"name": "old", "public_key": public}})
    assert at_21.status_code == 200 and "type" not in at_21.json()["keypair"]

    first = await nova.get("/os-keypairs", token=user.token, params={"limit": 2})
    body = first.json()
    assert [p["keypair"]["name"] for p in body["keypairs"]] == ["k1", "k2"]
    assert body["keypairs_links"][0]["href"].endswith("os-keypairs?limit=2&marker=k2")
    rest = await nova.get("/os-keypairs", token=user.token, params={"marker": "k2"})
    assert [p["keypair"]["name"] for p in rest.json()["keypairs"]] == ["old"]

    shown = (await nova.get("/os-keypairs/k1", token=user.token)).json()["keypair"]
    assert shown["fingerprint"] == k1["fingerprint"] and shown["deleted"] is False
    assert (await nova.get("/os-keypairs")).json()["keypairs"] == []  # the admin has none
    theirs = await nova.get("/os-keypairs", params={"user_id": user.user_id})
    assert len(theirs.json()["keypairs"]) == 3
    other = await nova.user("member")
    nova.error(await nova.get("/os-keypairs", token=other.token,
                              params={"user_id": user.user_id}), 403)

    assert (await nova.delete("/os-keypairs/k1", token=user.token)).status_code == 204
    nova.error(await nova.get("/os-keypairs/k1", token=user.token), 404,
               f"Keypair k1 not found for user {user.user_id}")
    assert (await nova.delete("/os-keypairs/old", token=user.token,
                              version="2.1")).status_code == 202
