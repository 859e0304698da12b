"""/limits: the caller's (or, for admins, ``tenant_id``'s) absolute limits and usage; the
rate limits are always empty."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.compute.handlers.base import authorize, version
from pocketstack.compute.objects import quotas, server_groups
from pocketstack.compute.service import Compute

__all__ = ["show_limits", "view_limits"]

_RULE = "os_compute_api:limits"


def view_limits(caps: dict[str, int], usage: quotas.Usage, groups_used: int,
                ver: tuple[int, int]) -> dict[str, Any]:
    """Nova's ``absolute`` dict at microversion ``ver``."""
    body = {
        "maxServerMeta": caps["metadata_items"], "maxTotalInstances": caps["instances"],
        "maxTotalCores": caps["cores"], "maxTotalRAMSize": caps["ram"],
        "maxTotalKeypairs": caps["key_pairs"], "maxServerGroups": caps["server_groups"],
        "maxServerGroupMembers": caps["server_group_members"],
        "totalInstancesUsed": usage.instances, "totalCoresUsed": usage.cores,
        "totalRAMUsed": usage.ram, "totalServerGroupsUsed": groups_used}
    if ver < (2, 36):
        body.update(maxSecurityGroups=caps["security_groups"],
                    maxSecurityGroupRules=caps["security_group_rules"],
                    maxTotalFloatingIps=caps["floating_ips"], totalFloatingIpsUsed=0,
                    totalSecurityGroupsUsed=0)
    if ver < (2, 39):
        body["maxImageMeta"] = caps["metadata_items"]
    if ver < (2, 57):
        body.update(maxPersonality=caps["injected_files"],
                    maxPersonalitySize=caps["injected_file_content_bytes"])
    return body


async def show_limits(svc: Compute, request: Request) -> Response:
    ctx = authorize(svc, request, _RULE)
    auth = ctx.authenticated
    project_id = auth.project_id or ""
    asked = request.query_params.get("tenant_id")
    if asked and svc.enforcer.check(_RULE + ":other_project", {"project_id": asked},
                                    auth.credentials()):
        project_id = asked
    async with svc.reading() as conn:
        caps = await quotas.project_limits(conn, svc.settings.quota, project_id)
        groups_used = await server_groups.count_groups(conn, project_id)
    usage = await quotas.count(svc.settings.quota, svc, svc.cells.all(), svc.clients.placement,
                               project_id, within=svc.settings.cells.timeout)
    return json_response({"limits": {"rate": [], "absolute": view_limits(
        caps, usage, groups_used, version(request))}})
