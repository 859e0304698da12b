"""/lbaas/quotas: the projects with custom quotas, a project's effective quota, its change
(202) and reset (202), and the defaults (``/quotas/defaults``, ``/quotas/{project}/default``).

Octavia emits the load balancer and health monitor items twice, as ``loadbalancer`` and
``healthmonitor`` and as their older spellings ``load_balancer`` and ``health_monitor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.context import context_of
from pocketstack.loadbalancer.handlers.base import authorize, body_of, list_response
from pocketstack.loadbalancer.objects import quotas
from pocketstack.loadbalancer.objects.graph import Record
from pocketstack.loadbalancer.policies import rule
from pocketstack.loadbalancer.schemas import quotas as schemas
from pocketstack.loadbalancer.service import LoadBalancerService

__all__ = ["delete_quota", "get_default_quotas", "get_project_default_quotas", "get_quota",
           "list_quotas", "update_quota"]

# API item -> stored item; where both spellings are sent, the newer one wins (as Octavia).
_STORED = {"load_balancer": "load_balancer", "loadbalancer": "load_balancer",
           "health_monitor": "health_monitor", "healthmonitor": "health_monitor",
           "listener": "listener", "member": "member", "pool": "pool",
           "l7policy": "l7policy", "l7rule": "l7rule"}


def _view(values: Mapping[str, int | None], project_id: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {item: values[_STORED[item]] for item in schemas.API_ITEMS}
    if project_id is not None:
        out["project_id"] = project_id
    return out


async def list_quotas(svc: LoadBalancerService, request: Request) -> Response:
    ctx = context_of(request)
    asked = request.query_params.get("project_id")
    target = {"project_id": asked}
    if not svc.enforcer.check(rule("quota", "get_all-global"), target,
                              ctx.authenticated.credentials()):
        asked = asked or ctx.authenticated.project_id or ""
        authorize(svc, request, "quota", "get_all", asked)
    async with svc.reading() as conn:
        records: list[Record] = []
        for project in await quotas.list_custom(conn, asked):
            values = await quotas.effective(conn, svc.settings.loadbalancer, project)
            records.append({**_view(values, project), "id": project})
    return list_response(request, records, plural="quotas", filterable=schemas.API_ITEMS,
                         view=lambda r: {k: v for k, v in r.items() if k != "id"})


async def get_quota(svc: LoadBalancerService, request: Request) -> Response:
    project = request.path_params["project_id"]
    authorize(svc, request, "quota", "get_one", project)
    async with svc.reading() as conn:
        values = await quotas.effective(conn, svc.settings.loadbalancer, project)
    return json_response({"quota": _view(values, project)})


async def update_quota(svc: LoadBalancerService, request: Request) -> Response:
    project = request.path_params["project_id"]
    authorize(svc, request, "quota", "put", project)
    spec = await body_of(request, "quota", schemas.UPDATE)
    newest_last = sorted(spec.items(), key=lambda kv: kv[0] in ("loadbalancer", "healthmonitor"))
    changes = {_STORED[k]: v for k, v in newest_last}
    async with svc.writing() as conn:
        await quotas.set_(conn, project, changes)
        values = await quotas.effective(conn, svc.settings.loadbalancer, project)
    return json_response({"quota": _view(values, project)}, 202)


async def delete_quota(svc: LoadBalancerService, request: Request) -> Response:
    project = request.path_params["project_id"]
    authorize(svc, request, "quota", "delete", project)
    async with svc.writing() as conn:
        await quotas.delete(conn, project)
    return empty_response(202)


async def get_default_quotas(svc: LoadBalancerService, request: Request) -> Response:
    authorize(svc, request, "quota", "get_defaults", None)
    return json_response({"quota": _view(quotas.defaults(svc.settings.loadbalancer), None)})


async def get_project_default_quotas(svc: LoadBalancerService, request: Request) -> Response:
    project = request.path_params["project_id"]
    authorize(svc, request, "quota", "get_defaults", project)
    defaults = quotas.defaults(svc.settings.loadbalancer)
    return json_response({"quota": _view(defaults, project)})
