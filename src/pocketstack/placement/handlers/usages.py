"""Usages: GET /resource_providers/{uuid}/usages and GET /usages (1.9) by project/user."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.schema import validate
from pocketstack.placement.handlers.base import (
    authorize,
    placement_json,
    query_single,
    require,
    version,
)
from pocketstack.placement.objects import usages
from pocketstack.placement.objects.providers_common import provider_by_uuid
from pocketstack.placement.schemas.usages import usages_query
from pocketstack.placement.service import Placement

__all__ = ["get_total_usages", "list_provider_usages"]


async def list_provider_usages(svc: Placement, request: Request) -> Response:
    authorize(svc, request, "placement:resource_providers:usages")
    async with svc.reading() as conn:
        provider = await provider_by_uuid(conn, request.path_params["uuid"])
        found = await usages.for_provider(conn, provider.id)
    # last-modified (1.15) is now: a usage is a question about the present.
    return placement_json(
        request, {"usages": found, "resource_provider_generation": provider.generation}
    )


async def get_total_usages(svc: Placement, request: Request) -> Response:
    require(request, (1, 9))
    authorize(svc, request, "placement:usages")
    ver = version(request)
    query = {
        name: value
        for name in request.query_params
        if (value := query_single(request, name)) is not None
    }
    validate(usages_query(ver), query)
    project, user = query["project_id"], query.get("user_id")
    found: dict[str, Any]
    async with svc.reading() as conn:
        if ver >= (1, 38):
            found = await usages.by_consumer_type(conn, project, user, query.get("consumer_type"))
        else:
            found = dict(await usages.totals(conn, project, user))
    return placement_json(request, {"usages": found})
