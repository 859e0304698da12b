"""POST /reshaper (1.30): move inventory and its allocations between providers atomically."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response
from pocketstack.common.schema import read_json
from pocketstack.placement.handlers.allocations import claim_from_body
from pocketstack.placement.handlers.base import authorize, require, version
from pocketstack.placement.objects import inventories, reshaper
from pocketstack.placement.schemas.reshaper import reshape_schema
from pocketstack.placement.service import Placement

__all__ = ["reshape"]


async def reshape(svc: Placement, request: Request) -> Response:
    require(request, (1, 30))
    authorize(svc, request, "placement:reshaper:reshape")
    ver = version(request)
    body = await read_json(request, reshape_schema(ver))
    wanted: dict[str, reshaper.NewInventory] = {}
    for uuid, data in body["inventories"].items():
        records = {name: inventories.complete(raw) for name, raw in data["inventories"].items()}
        inventories.check_capacity(uuid, records, reserved_may_equal_total=True)
        wanted[uuid] = (data["resource_provider_generation"], records)
    claims = [
        claim_from_body(consumer, data, ver) for consumer, data in body["allocations"].items()
    ]
    await svc.write(lambda conn: reshaper.reshape(conn, wanted, claims))
    return empty_response(204)
