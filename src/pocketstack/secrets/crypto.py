"""Payloads encrypted at rest: envelope encryption with AES-256-GCM.

One key-encryption key (KEK) lives in ``<data_dir>/secrets/kek`` (mode 0600, created on the
first start). Every payload gets a fresh random data key (DEK): the payload is sealed with
the DEK, the DEK with the KEK. Both seals bind the secret's id as associated data, so a
sealed payload copied onto another secret's row does not open. The database holds only
sealed bytes and the KEK's short fingerprint (to say which key is needed, never the key).

Nothing here logs, and nothing here raises with payload bytes in its message.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import logging
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["KEY_BYTES", "PayloadCipher", "Sealed", "UnreadablePayload", "kek_path"]

log = logging.getLogger("pocketstack.secrets")

KEY_BYTES = 32  # AES-256
_NONCE_BYTES = 12


class UnreadablePayload(Exception):
    """A sealed payload does not open: another KEK, or the stored bytes were altered."""


@dataclasses.dataclass(frozen=True, slots=True)
class Sealed:
    kek_id: str
    wrapped_key: bytes  # nonce + AES-GCM(KEK, DEK)
    ciphertext: bytes  # nonce + AES-GCM(DEK, payload)


def kek_path(data_dir: Path) -> Path:
    return data_dir / "secrets" / "kek"


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise UnreadablePayload("the stored payload cannot be decrypted") from None


class PayloadCipher:
    """Seals and opens payloads with one KEK."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != KEY_BYTES:
            raise ValueError(f"a key-encryption key has {KEY_BYTES} bytes")
        self._kek = kek
        self.kek_id = hashlib.sha256(b"pocketstack-kek:" + kek).hexdigest()[:16]

    @classmethod
    def load_or_create(cls, path: Path) -> PayloadCipher:
        """The KEK at ``path``, created (0600, in a 0700 directory) when there is none."""
        if path.exists():
            return cls(_read_key(path))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        kek = os.urandom(KEY_BYTES)
        # Written aside then linked into place: a racing start sees a whole key or none.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(kek).decode() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        except FileExistsError:
            return cls(_read_key(path))
        finally:
            tmp.unlink(missing_ok=True)
        log.info("created the key-encryption key for secrets at %s", path)
        return cls(kek)

    def seal(self, secret_id: str, payload: bytes) -> Sealed:
        dek = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        return Sealed(
            kek_id=self.kek_id,
            wrapped_key=_seal(self._kek, dek, _aad("dek", secret_id)),
            ciphertext=_seal(dek, payload, _aad("payload", secret_id)),
        )

    def open(self, secret_id: str, sealed: Sealed) -> bytes:
        if sealed.kek_id != self.kek_id:
            raise UnreadablePayload(
                f"the payload was sealed with key {sealed.kek_id}, not the current key"
            )
        dek = _open(self._kek, sealed.wrapped_key, _aad("dek", secret_id))
        return _open(dek, sealed.ciphertext, _aad("payload", secret_id))


def _aad(kind: str, secret_id: str) -> bytes:
    return f"pocketstack-secret-{kind}:{secret_id}".encode()


def _read_key(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s was readable by others (mode %o); setting mode 0600", path, mode)
        with contextlib.suppress(OSError):
            path.chmod(0o600)
    try:
        kek = base64.urlsafe_b64decode(path.read_text().strip().encode())
    except (binascii.Error, ValueError):
        raise ValueError(f"{path} does not hold a base64 key-encryption key") from None
    if len(kek) != KEY_BYTES:
        raise ValueError(f"{path} does not hold a {KEY_BYTES}-byte key-encryption key")
    return kek
