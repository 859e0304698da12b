"""The Fernet key repository: staged (``0``), secondary and primary (highest) keys.

Files ``0, 1, 2, ...`` in one directory, mode 0600. ``0`` decrypts but never encrypts; the
highest number encrypts. Rotation promotes the staged key to primary, writes a new staged
key and prunes the oldest keys down to ``max_active_keys``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

__all__ = ["KeyRepository"]


def _write_key(path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
    os.replace(tmp, path)


class KeyRepository:
    """Reads keys from ``directory``; notices rotation done by another process."""

    def __init__(self, directory: Path, *, max_active_keys: int = 3, recheck: float = 1.0):
        if max_active_keys < 2:
            raise ValueError("max_active_keys must be at least 2")
        self.directory = directory
        self.max_active_keys = max_active_keys
        self._recheck = recheck
        self._checked = 0.0
        self._mtime = -1.0
        self._fernet: MultiFernet | None = None

    def ensure(self) -> None:
        """Create the directory with a staged and a primary key when it has none."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        if not self._indexes():
            _write_key(self.directory / "0")
            self.rotate()

    def _indexes(self) -> list[int]:
        if not self.directory.is_dir():
            return []
        return sorted(int(p.name) for p in self.directory.iterdir() if p.name.isdigit())

    def rotate(self) -> list[int]:
        """Promote the staged key, stage a fresh one, prune; returns the key indexes left."""
        indexes = self._indexes()
        if 0 not in indexes:
            _write_key(self.directory / "0")
            indexes = self._indexes()
        new_primary = max(indexes) + 1
        os.replace(self.directory / "0", self.directory / str(new_primary))
        _write_key(self.directory / "0")
        remaining = self._indexes()
        removable = [i for i in remaining if i != 0]
        while len(removable) + 1 > self.max_active_keys:
            oldest = removable.pop(0)
            (self.directory / str(oldest)).unlink()
        self._mtime = -1.0
        self._fernet = None  # the rotating process encrypts with the new primary at once
        return self._indexes()

    def fernet(self) -> MultiFernet:
        """Primary first, then secondaries newest first, then staged."""
        now = time.monotonic()
        if self._fernet is not None and now - self._checked < self._recheck:
            return self._fernet
        self._checked = now
        mtime = self.directory.stat().st_mtime
        if self._fernet is None or mtime != self._mtime:
            indexes = self._indexes()
            if len(indexes) < 2:
                raise RuntimeError(f"no Fernet keys in {self.directory}; run the bootstrap")
            order = [*sorted((i for i in indexes if i != 0), reverse=True), 0]
            keys = [Fernet((self.directory / str(i)).read_bytes().strip()) for i in order]
            self._fernet = MultiFernet(keys)
            self._mtime = mtime
        return self._fernet
