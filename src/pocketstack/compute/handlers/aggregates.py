"""/os-aggregates: host aggregates (admins): CRUD and the add_host, remove_host and
set_metadata actions; the ``availability_zone`` metadata makes an aggregate a zone."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.errors import ApiError
from pocketstack.common.schema import read_json
from pocketstack.compute.handlers.base import authorize, want
from pocketstack.compute.objects import aggregates
from pocketstack.compute.schemas import aggregates as schemas
from pocketstack.compute.service import Compute

__all__ = [
    "aggregate_action",
    "create_aggregate",
    "delete_aggregate",
    "list_aggregates",
    "show_aggregate",
    "update_aggregate",
]

_RULE = "os_compute_api:os-aggregates:"
_STATUS = {aggregates.AggregateNotFound: 404, aggregates.AggregateConflict: 409,
           aggregates.AggregateInvalid: 400}


def _stamp(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _view(request: Request, agg: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "availability_zone": agg["availability_zone"], "created_at": _stamp(agg["created_at"]),
        "deleted": False, "deleted_at": None, "id": agg["id"], "name": agg["name"],
        "updated_at": _stamp(agg["updated_at"])}
    if full:
        body.update(hosts=agg["hosts"], metadata=agg["metadata"])
    if want(request, (2, 41)):
        body["uuid"] = agg["uuid"]
    return body


def _fault(error: Exception) -> ApiError:
    return ApiError(_STATUS.get(type(error), 400), str(error))


_ERRORS = (aggregates.AggregateNotFound, aggregates.AggregateConflict,
           aggregates.AggregateInvalid)


async def list_aggregates(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "index")
    async with svc.reading() as conn:
        found = await aggregates.list_aggregates(conn)
    return json_response({"aggregates": [_view(request, agg) for agg in found]})


async def show_aggregate(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "show")
    async with svc.reading() as conn:
        try:
            agg = await aggregates.get_aggregate(conn, request.path_params["aggregate_id"])
        except _ERRORS as error:
            raise _fault(error) from None
    return json_response({"aggregate": _view(request, agg)})


async def create_aggregate(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "create")
    given = (await read_json(request, schemas.CREATE))["aggregate"]
    async with svc.writing() as conn:
        try:
            made = await aggregates.create_aggregate(
                conn, given["name"], given.get("availability_zone"))
        except _ERRORS as error:
            raise _fault(error) from None
    return json_response({"aggregate": _view(request, made, full=False)})


async def update_aggregate(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "update")
    given = (await read_json(request, schemas.UPDATE))["aggregate"]
    async with svc.writing() as conn:
        try:
            updated = await aggregates.update_aggregate(
                conn, request.path_params["aggregate_id"], given.get("name"),
                given.get("availability_zone"), zone_given="availability_zone" in given)
        except _ERRORS as error:
            raise _fault(error) from None
    return json_response({"aggregate": _view(request, updated)})


async def delete_aggregate(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "delete")
    async with svc.writing() as conn:
        try:
            await aggregates.delete_aggregate(conn, request.path_params["aggregate_id"])
        except _ERRORS as error:
            raise _fault(error) from None
    return empty_response(200)


async def aggregate_action(svc: Compute, request: Request) -> Response:
    body = await read_json(request, schemas.ACTION)
    (action, args), = body.items()
    authorize(svc, request, _RULE + action)
    aggregate_id = request.path_params["aggregate_id"]
    async with svc.writing() as conn:
        try:
            if action == "set_metadata":
                agg = await aggregates.set_metadata(conn, aggregate_id, args["metadata"])
            elif action == "add_host":
                agg = await aggregates.add_host(conn, aggregate_id, args["host"])
            else:
                agg = await aggregates.remove_host(conn, aggregate_id, args["host"])
        except _ERRORS as error:
            raise _fault(error) from None
    return json_response({"aggregate": _view(request, agg)})
