"""Volumes as sparse files: ``<data_dir>/volumes/<id>.img``, truncated to the size in GiB.

A sparse file takes no disk space until written, so a 1 GiB volume costs nothing until a
guest writes to it. Hosts connect to it as a local path (os-brick's ``local`` connector:
``driver_volume_type: local`` with ``data.device_path``).
"""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path
from typing import Any

from pocketstack.volume.drivers.base import BackendError

__all__ = ["GIB", "SparseFileBackend"]

GIB = 1024**3
# Errors that retrying will not heal.
_PERMANENT = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG}


class SparseFileBackend:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, volume_id: str) -> Path:
        return self.root / f"{volume_id}.img"

    async def ensure(self, volume_id: str, size_gib: int) -> None:
        await asyncio.to_thread(self._ensure, self.path_for(volume_id), size_gib * GIB)

    @staticmethod
    def _ensure(path: Path, size: int) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < size:  # never shrink
                    os.ftruncate(fd, size)
            finally:
                os.close(fd)
        except OSError as error:
            if error.errno in _PERMANENT:
                raise BackendError(f"{path}: {error.strerror}") from error
            raise

    async def remove(self, volume_id: str) -> None:
        await asyncio.to_thread(self.path_for(volume_id).unlink, missing_ok=True)

    def connection_info(self, volume_id: str, attachment_id: str, mode: str) -> dict[str, Any]:
        return {
            "driver_volume_type": "local",
            "data": {
                "device_path": str(self.path_for(volume_id)),
                "volume_id": volume_id,
                "attachment_id": attachment_id,
                "access_mode": mode,
                "encrypted": False,
                "discard": True,
                "qos_specs": None,
            },
        }
