"""Volume bodies as Cinder v3 writes them, per microversion and per caller.

Admin-only fields follow Cinder's default policies (tenant, host and migration attributes,
provider_id, cluster_name). Nothing here is encrypted, multiattach, grouped or replicated,
so those fields carry Cinder's values for such a volume.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pocketstack.common.context import RequestContext
from pocketstack.volume.handlers.base import iso, want
from pocketstack.volume.objects.rows import Volume
from pocketstack.volume.service import VolumeService

__all__ = ["HOST", "detail", "links", "summary"]

HOST = "pocketstack@sparse-files#sparse-files"  # os-vol-host-attr:host (host@backend#pool)


def links(ctx: RequestContext, project_id: str, collection: str, item: str) -> list[dict[str, str]]:
    return [
        {"rel": "self", "href": f"{ctx.base_url}/v3/{project_id}/{collection}/{item}"},
        {"rel": "bookmark", "href": f"{ctx.base_url}/{project_id}/{collection}/{item}"},
    ]


def summary(ctx: RequestContext, volume: Volume) -> dict[str, Any]:
    return {
        "id": volume.id,
        "name": volume.name,
        "links": links(ctx, volume.project_id, "volumes", volume.id),
    }


def _attachments(volume: Volume) -> list[dict[str, Any]]:
    """The attached attachments (Cinder lists only those), one entry each."""
    return [
        {
            "id": volume.id,
            "attachment_id": a.id,
            "volume_id": volume.id,
            "server_id": a.instance_uuid,
            "host_name": a.attached_host,
            "device": a.mountpoint,
            "attached_at": iso(a.attach_time),
        }
        for a in volume.attachments
        if a.attach_status == "attached"
    ]


def _allowed(svc: VolumeService, ctx: RequestContext, rule: str, volume: Volume) -> bool:
    creds = ctx.authenticated.credentials()
    return svc.enforcer.check(rule, {"project_id": volume.project_id}, creds)


def detail(
    svc: VolumeService, request: Request, ctx: RequestContext, volume: Volume
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": volume.id,
        "status": volume.status,
        "size": volume.size,
        "availability_zone": volume.availability_zone,
        "created_at": iso(volume.created_at),
        "updated_at": iso(volume.updated_at),
        "attachments": _attachments(volume),
        "name": volume.name,
        "description": volume.description,
        "volume_type": volume.volume_type.name,
        "snapshot_id": None,
        "source_volid": None,
        "metadata": dict(volume.metadata),
        "links": links(ctx, volume.project_id, "volumes", volume.id),
        "user_id": volume.user_id,
        "bootable": "true" if volume.bootable else "false",
        "encrypted": False,
        "replication_status": None,
        "consistencygroup_id": None,
        "multiattach": False,
    }
    admin = ctx.authenticated.is_admin
    if _allowed(svc, ctx, "volume_extension:volume_tenant_attribute", volume):
        body["os-vol-tenant-attr:tenant_id"] = volume.project_id
    if _allowed(svc, ctx, "volume_extension:volume_host_attribute", volume):
        body["os-vol-host-attr:host"] = HOST if volume.status != "creating" else None
    if _allowed(svc, ctx, "volume_extension:volume_mig_status_attribute", volume):
        body["os-vol-mig-status-attr:migstat"] = None
        body["os-vol-mig-status-attr:name_id"] = None
        body["migration_status"] = None
    if want(request, (3, 13)):
        body["group_id"] = None
    if want(request, (3, 21)) and admin:
        body["provider_id"] = None
    if want(request, (3, 48)):
        body["service_uuid"] = None
        body["shared_targets"] = False  # a local file: no locks needed around connections
    if want(request, (3, 61)) and admin:
        body["cluster_name"] = None
    if want(request, (3, 63)):
        body["volume_type_id"] = volume.volume_type.id
    if want(request, (3, 65)):
        body["consumes_quota"] = True
    return body
