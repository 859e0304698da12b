"""GET /limits: the project's absolute limits (Cinder's default quotas; per-project quota
sets are not served yet) and what it uses; the rate limits are always empty."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.volume.handlers.base import authorize
from pocketstack.volume.objects import volumes
from pocketstack.volume.service import VolumeService

__all__ = ["show_limits"]

# Cinder's [DEFAULT] quota_volumes, quota_snapshots, quota_gigabytes, quota_backups,
# quota_backup_gigabytes.
_DEFAULTS = {"maxTotalVolumes": 10, "maxTotalSnapshots": 10, "maxTotalVolumeGigabytes": 1000,
             "maxTotalBackups": 10, "maxTotalBackupGigabytes": 1000}


async def show_limits(svc: VolumeService, request: Request) -> Response:
    ctx = authorize(svc, request, "limits_extension:used_limit",
                    request.path_params.get("project_id"))
    project_id = ctx.authenticated.project_id or ""
    async with svc.reading() as conn:
        count, gigabytes = await volumes.usage(conn, project_id)
    return json_response({"limits": {"rate": [], "absolute": {
        **_DEFAULTS, "totalVolumesUsed": count, "totalGigabytesUsed": gigabytes,
        "totalSnapshotsUsed": 0, "totalBackupsUsed": 0, "totalBackupGigabytesUsed": 0}}})
