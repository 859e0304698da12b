"""The volume reconciler: makes a volume's storage match its recorded status.

Level-triggered on a volume id: each reconcile reads the volume and takes the one step its
status asks for, then moves the status with a compare-and-swap.

- ``creating`` / ``extending``: the backing file exists with the recorded size, then
  ``available``;
- ``deleting``: the file is removed, then the row;
- anything else is settled.

Every step is idempotent, so a process killed anywhere leaves a record that the next
runtime's start-up resync finds (``list_unsettled``) and finishes. Storage that refuses for
good (no space) is a permanent error: ``error``, ``error_extending`` or ``error_deleting``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pocketstack.common.reconcile import Done, Outcome, PermanentError, Requeue
from pocketstack.volume.drivers.base import BackendError
from pocketstack.volume.objects import volumes
from pocketstack.volume.objects.errors import NotFound
from pocketstack.volume.service import VolumeService

__all__ = ["ERROR_STATUS", "VolumeReconciler"]

# Where an unsettled status goes when its step fails for good (Cinder's error statuses).
ERROR_STATUS = {"creating": "error", "extending": "error_extending", "deleting": "error_deleting"}


class VolumeReconciler:
    name = "volumes"

    def __init__(self, svc: VolumeService) -> None:
        self.svc = svc

    async def reconcile(self, key: str) -> Outcome:
        async with self.svc.reading() as conn:
            try:
                volume = await volumes.get(conn, key, None)
            except NotFound:
                return Done()  # deleted: nothing left to converge
        try:
            if volume.status in ("creating", "extending"):
                await self.svc.backend.ensure(volume.id, volume.size)
                async with self.svc.writing() as conn:
                    moved = await volumes.move(conn, key, [volume.status], "available")
                return Done() if moved else Requeue(0.0)  # changed meanwhile: look again
            if volume.status == "deleting":
                await self.svc.backend.remove(volume.id)
                async with self.svc.writing() as conn:
                    removed = await volumes.remove(conn, key)
                return Done() if removed else Requeue(0.0)
        except BackendError as error:
            return PermanentError(str(error))
        return Done()

    async def list_unsettled(self) -> Sequence[str]:
        async with self.svc.reading() as conn:
            return await volumes.list_unsettled(conn)

    async def on_permanent_error(self, key: str, reason: str) -> None:
        async with self.svc.writing() as conn:
            try:
                volume = await volumes.get(conn, key, None)
            except NotFound:
                return
            if volume.status in ERROR_STATUS:
                await volumes.move(
                    conn,
                    key,
                    [volume.status],
                    ERROR_STATUS[volume.status],
                    status_reason=reason[:255],
                )
