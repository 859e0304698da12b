"""Volume backends: where a volume's bytes live. A Protocol and its implementations."""

from __future__ import annotations

from pocketstack.volume.drivers.base import VolumeBackend
from pocketstack.volume.drivers.sparse_files import SparseFileBackend

__all__ = ["SparseFileBackend", "VolumeBackend"]
