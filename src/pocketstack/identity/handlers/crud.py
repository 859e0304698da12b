"""Handlers for the plain CRUD nouns (domains, projects, roles, regions, services, endpoints).

Each noun module declares a :class:`Crud` with its objects and schemas; special behaviour
stays in the noun's own module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import empty_response, json_response
from pocketstack.common.schema import Schema, read_json
from pocketstack.identity.handlers.base import authorize, collection, entity, filters
from pocketstack.identity.service import Identity

__all__ = ["Crud"]

Getter = Callable[[AsyncConnection, str], Awaitable[dict[str, Any]]]
Lister = Callable[[AsyncConnection, Mapping[str, str | None]], Awaitable[list[dict[str, Any]]]]
Creator = Callable[[AsyncConnection, Mapping[str, Any]], Awaitable[dict[str, Any]]]
Updater = Callable[[AsyncConnection, str, Mapping[str, Any]], Awaitable[dict[str, Any]]]
Deleter = Callable[[AsyncConnection, str], Awaitable[None]]
Prepare = Callable[[Request, dict[str, Any]], dict[str, Any]]


def _as_is(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    return values


@dataclasses.dataclass(frozen=True)
class Crud:
    key: str  # "project"
    coll: str  # "projects"
    get: Getter
    list_: Lister
    create: Creator
    update: Updater
    delete: Deleter
    create_schema: Schema
    update_schema: Schema
    list_filters: tuple[str, ...]
    prepare_create: Prepare = _as_is
    create_status: int = 201

    def _target(self, ident: str) -> dict[str, Any]:
        return {"target": {self.key: {"id": ident}}}

    async def show(self, svc: Identity, request: Request) -> Response:
        ident = request.path_params["ident"]
        ctx = authorize(svc, request, f"identity:get_{self.key}", self._target(ident))
        async with svc.reading() as conn:
            data = await self.get(conn, ident)
        return json_response({self.key: entity(ctx, self.coll, data)})

    async def index(self, svc: Identity, request: Request) -> Response:
        ctx = authorize(svc, request, f"identity:list_{self.coll}")
        async with svc.reading() as conn:
            items = await self.list_(conn, filters(request, *self.list_filters))
        return json_response(collection(ctx, request, self.coll, self.coll, items))

    async def post(self, svc: Identity, request: Request) -> Response:
        ctx = authorize(svc, request, f"identity:create_{self.key}")
        body = await read_json(request, self.create_schema)
        values = self.prepare_create(request, dict(body[self.key]))
        async with svc.writing() as conn:
            data = await self.create(conn, values)
        return json_response({self.key: entity(ctx, self.coll, data)}, self.create_status)

    async def patch(self, svc: Identity, request: Request) -> Response:
        ident = request.path_params["ident"]
        ctx = authorize(svc, request, f"identity:update_{self.key}", self._target(ident))
        body = await read_json(request, self.update_schema)
        async with svc.writing() as conn:
            data = await self.update(conn, ident, body[self.key])
        return json_response({self.key: entity(ctx, self.coll, data)})

    async def remove(self, svc: Identity, request: Request) -> Response:
        ident = request.path_params["ident"]
        authorize(svc, request, f"identity:delete_{self.key}", self._target(ident))
        async with svc.writing() as conn:
            await self.delete(conn, ident)
        return empty_response(204)
