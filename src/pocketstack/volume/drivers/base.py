"""The backend seam: what the reconciler and the attach flow ask of a volume's storage."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["BackendError", "VolumeBackend"]


class BackendError(Exception):
    """The storage refused for good (no space, no permission): the volume goes to error."""


class VolumeBackend(Protocol):
    async def ensure(self, volume_id: str, size_gib: int) -> None:
        """Make the volume's storage exist with at least ``size_gib`` GiB (idempotent:
        create and extend both end here)."""
        ...

    async def remove(self, volume_id: str) -> None:
        """Remove the volume's storage; already gone is fine."""
        ...

    def connection_info(self, volume_id: str, attachment_id: str, mode: str) -> dict[str, Any]:
        """What a host needs to connect the volume (Cinder's ``connection_info``)."""
        ...
