"""Fernet key repository (create, rotate, prune, notice rotation) and the token codec."""

from __future__ import annotations

import stat
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken as FernetInvalid

from pocketstack.common.auth import InvalidToken
from pocketstack.identity.tokens.keys import KeyRepository
from pocketstack.identity.tokens.payload import Payload, TokenCodec, new_audit_id


def key_files(directory: Path) -> list[int]:
    return sorted(int(p.name) for p in directory.iterdir() if p.name.isdigit())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "fernet-keys"


@pytest.fixture
def repo(keys_dir: Path) -> KeyRepository:
    keys = KeyRepository(keys_dir, max_active_keys=3, recheck=0)
    keys.ensure()
    return keys


# --- the key repository -------------------------------------------------------------------


def test_ensure_creates_a_staged_and_a_primary_key(repo: KeyRepository, keys_dir: Path) -> None:
    assert key_files(keys_dir) == [0, 1]
    assert mode(keys_dir) == 0o700
    for index in (0, 1):
        assert mode(keys_dir / str(index)) == 0o600
    assert [p.name for p in keys_dir.iterdir() if not p.name.isdigit()] == []


def test_ensure_keeps_existing_keys(repo: KeyRepository, keys_dir: Path) -> None:
    before = {i: (keys_dir / str(i)).read_bytes() for i in key_files(keys_dir)}
    KeyRepository(keys_dir).ensure()
    after = {i: (keys_dir / str(i)).read_bytes() for i in key_files(keys_dir)}
    assert after == before


def test_ensure_tightens_an_existing_directory(keys_dir: Path) -> None:
    keys_dir.mkdir(mode=0o755)
    keys_dir.chmod(0o755)
    KeyRepository(keys_dir).ensure()
    assert mode(keys_dir) == 0o700


def test_rotate_promotes_the_staged_key_and_stages_a_new_one(
    repo: KeyRepository, keys_dir: Path
) -> None:
    staged = (keys_dir / "0").read_bytes()
    primary = (keys_dir / "1").read_bytes()
    assert repo.rotate() == [0, 1, 2]
    assert (keys_dir / "2").read_bytes() == staged
    assert (keys_dir / "1").read_bytes() == primary
    assert (keys_dir / "0").read_bytes() not in {staged, primary}
    for index in (0, 1, 2):
        assert mode(keys_dir / str(index)) == 0o600


def test_rotate_prunes_the_oldest_keys(repo: KeyRepository, keys_dir: Path) -> None:
    repo.rotate()
    assert repo.rotate() == [0, 2, 3]
    assert repo.rotate() == [0, 3, 4]
    assert key_files(keys_dir) == [0, 3, 4]


def test_max_active_keys_below_two_is_refused(keys_dir: Path) -> None:
    with pytest.raises(ValueError):
        KeyRepository(keys_dir, max_active_keys=1)


def test_the_highest_key_encrypts_and_the_staged_key_decrypts(
    repo: KeyRepository, keys_dir: Path
) -> None:
    token = repo.fernet().encrypt(b"hello")
    assert Fernet((keys_dir / "1").read_bytes()).decrypt(token) == b"hello"
    with pytest.raises(FernetInvalid):
        Fernet((keys_dir / "0").read_bytes()).decrypt(token)
    from_staged = Fernet((keys_dir / "0").read_bytes()).encrypt(b"early")
    assert repo.fernet().decrypt(from_staged) == b"early"


def test_a_token_survives_one_rotation_but_not_pruning(repo: KeyRepository) -> None:
    token = repo.fernet().encrypt(b"payload")
    repo.rotate()
    assert repo.fernet().decrypt(token) == b"payload"
    repo.rotate()  # the key that encrypted it (1) is pruned now
    with pytest.raises(FernetInvalid):
        repo.fernet().decrypt(token)


def test_another_instance_notices_rotation(repo: KeyRepository, keys_dir: Path) -> None:
    other = KeyRepository(keys_dir, max_active_keys=3, recheck=0)
    old = other.fernet().encrypt(b"old")
    repo.rotate()
    repo.rotate()
    with pytest.raises(FernetInvalid):
        other.fernet().decrypt(old)
    new = repo.fernet().encrypt(b"new")
    assert other.fernet().decrypt(new) == b"new"


def test_rotation_takes_effect_at_once_in_the_rotating_instance(keys_dir: Path) -> None:
    repo = KeyRepository(keys_dir, max_active_keys=3, recheck=60)
    repo.ensure()
    repo.fernet()  # cached for up to 60 s
    repo.rotate()
    repo.rotate()  # key 1, the primary the cache holds, is pruned from disk
    token = repo.fernet().encrypt(b"issued after rotation")
    elsewhere = KeyRepository(keys_dir, recheck=0)
    assert elsewhere.fernet().decrypt(token) == b"issued after rotation"


def test_without_keys_the_repository_refuses_to_work(keys_dir: Path) -> None:
    keys_dir.mkdir()
    with pytest.raises(RuntimeError, match="bootstrap"):
        KeyRepository(keys_dir).fernet()


# --- the token codec ----------------------------------------------------------------------

NOW = time.time()
USER = uuid.uuid4().hex
PROJECT = uuid.uuid4().hex
DOMAIN = "default"  # not a UUID: stored as text

PAYLOADS = {
    "unscoped": Payload(USER, ("password",), NOW, NOW + 3600, (new_audit_id(),)),
    "project": Payload(
        USER,
        ("password", "token"),
        NOW,
        NOW + 3600,
        (new_audit_id(), new_audit_id()),
        project_id=PROJECT,
    ),
    "domain": Payload(USER, ("password",), NOW, NOW + 3600, (new_audit_id(),), domain_id=DOMAIN),
    "system": Payload(USER, ("token",), NOW, NOW + 3600, (new_audit_id(),), system=True),
    "app-cred": Payload(
        USER,
        ("application_credential",),
        NOW,
        NOW + 3600,
        (new_audit_id(),),
        project_id=PROJECT,
        app_cred_id=uuid.uuid4().hex,
    ),
    "text-ids": Payload(
        "ldap-user@example",
        ("password",),
        NOW,
        NOW + 60,
        (new_audit_id(),),
        project_id="project-with-a-name",
    ),
}


@pytest.fixture
def codec(repo: KeyRepository) -> TokenCodec:
    return TokenCodec(repo)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payloads_round_trip(codec: TokenCodec, payload: Payload) -> None:
    token = codec.encode(payload)
    assert codec.decode(token) == payload


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_tokens_are_short_and_unpadded(codec: TokenCodec, payload: Payload) -> None:
    token = codec.encode(payload)
    assert len(token) < 255
    assert "=" not in token
    token.encode("ascii")


def test_ids_that_merely_look_like_uuids_round_trip_unchanged(codec: TokenCodec) -> None:
    upper = uuid.uuid4().hex.upper()
    payload = Payload(upper, ("password",), NOW, NOW + 60, (new_audit_id(),), project_id=upper)
    decoded = codec.decode(codec.encode(payload))
    assert decoded.user_id == upper
    assert decoded.project_id == upper


def test_issued_at_keeps_sub_second_precision(codec: TokenCodec) -> None:
    payload = Payload(USER, ("password",), 1700000000.123456, 1700003600.5, (new_audit_id(),))
    decoded = codec.decode(codec.encode(payload))
    assert decoded.issued_at == 1700000000.123456
    assert decoded.expires_at == 1700003600.5


def test_a_token_survives_one_rotation(codec: TokenCodec, repo: KeyRepository) -> None:
    token = codec.encode(PAYLOADS["project"])
    repo.rotate()
    assert codec.decode(token) == PAYLOADS["project"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-4] + ("AAAA" if t[-4:] != "AAAA" else "BBBB"),
        lambda t: t[:20] + ("x" if t[20] != "x" else "y") + t[21:],
        lambda t: t[:-10],
        lambda t: "",
        lambda t: "not a token at all",
        lambda t: t + "é",
    ],
    ids=["tail", "middle", "truncated", "empty", "garbage", "non-ascii"],
)
def test_a_tampered_token_is_invalid(codec: TokenCodec, mangle: Callable[[str], str]) -> None:
    token = codec.encode(PAYLOADS["project"])
    with pytest.raises(InvalidToken):
        codec.decode(mangle(token))


def test_a_token_from_another_deployment_is_invalid(codec: TokenCodec, tmp_path: Path) -> None:
    elsewhere = KeyRepository(tmp_path / "other-keys")
    elsewhere.ensure()
    token = TokenCodec(elsewhere).encode(PAYLOADS["unscoped"])
    with pytest.raises(InvalidToken):
        codec.decode(token)
