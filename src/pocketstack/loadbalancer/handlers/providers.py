"""/lbaas/providers: the enabled provider drivers (anyone) and the flavor and availability
zone metadata each understands (admins). No links key: the lists are short and whole."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.loadbalancer.handlers.base import authorize
from pocketstack.loadbalancer.objects import providers
from pocketstack.loadbalancer.objects.providers import PROVIDERS
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["list_availability_zone_capabilities", "list_flavor_capabilities",
           "list_providers"]


def _shaped(request: Request, items: list[dict[str, Any]], *,
            filters: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """``items`` with the ``filters`` (equality) and ``fields`` of the query applied."""
    query = request.query_params
    items = [i for i in items if all(query[f] == i[f] for f in filters if f in query)]
    fields = {f for v in query.getlist("fields") for f in v.split(",") if f}
    return [{k: v for k, v in i.items() if k in fields} for i in items] if fields else items


def _capabilities(request: Request, described: dict[str, str]) -> list[dict[str, Any]]:
    items = [{"name": name, "description": text} for name, text in described.items()]
    return _shaped(request, items, filters=("name", "description"))


async def list_providers(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "provider", "get_all", None)
    items = [{"name": name, "description": text} for name, (text, _) in PROVIDERS.items()]
    return json_response({"providers": _shaped(request, items)})


async def list_flavor_capabilities(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "provider-flavor", "get_all", None)
    described = providers.flavor_capabilities(request.path_params["provider"])
    return json_response({"flavor_capabilities": _capabilities(request, described)})


async def list_availability_zone_capabilities(svc: LoadBalancerService,
                                              request: Request) -> Response:
    authorize(svc, request, "provider-availability-zone", "get_all", None)
    described = providers.az_capabilities(request.path_params["provider"])
    return json_response({"availability_zone_capabilities": _capabilities(request, described)})
