"""First start (and every start): keys, the default domain, admin, roles, region, catalog.

Idempotent, like ``keystone-manage bootstrap``: what exists is kept; catalog URLs are
brought in line with the current public URL, so a restart on another port still works.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from pocketstack.common.catalog import CatalogEntry
from pocketstack.identity.db import models as m
from pocketstack.identity.objects import assignments, roles, rows, users
from pocketstack.identity.objects.assignments import Grant
from pocketstack.identity.service import Identity

__all__ = ["CatalogEntry", "bootstrap"]

log = logging.getLogger("pocketstack.identity.bootstrap")

ROLE_CHAIN = ("admin", "manager", "member", "reader")  # each implies the next


async def _ensure(conn: AsyncConnection, table: sa.Table, where: sa.ColumnElement[bool],
                  values: dict[str, object]) -> str:
    row = (await conn.execute(sa.select(table.c.id).where(where))).first()
    if row is not None:
        return str(row.id)
    await conn.execute(table.insert().values(**values))
    return str(values["id"])


async def _roles(conn: AsyncConnection) -> dict[str, str]:
    ids = {}
    for name in (*ROLE_CHAIN, "service"):
        ids[name] = await _ensure(
            conn, m.roles, (m.roles.c.name == name) & (m.roles.c.domain_id == m.GLOBAL),
            {"id": rows.new_id(), "name": name, "domain_id": m.GLOBAL, "extra": {}})
    existing = set(await roles.list_implied(conn))
    for prior, implied in itertools.pairwise(ROLE_CHAIN):
        if (ids[prior], ids[implied]) not in existing:
            await roles.add_implied(conn, ids[prior], ids[implied])
    return ids


async def _catalog(conn: AsyncConnection, region: str, entries: Sequence[CatalogEntry]) -> None:
    await _ensure(conn, m.regions, m.regions.c.id == region,
                  {"id": region, "description": "", "extra": {}})
    for entry in entries:
        service_id = await _ensure(conn, m.services, m.services.c.type == entry.type,
                                   {"id": rows.new_id(), "type": entry.type, "enabled": True,
                                    "extra": {"name": entry.name, "description": ""}})
        for interface in ("public", "internal", "admin"):
            e = m.endpoints.c
            where = ((e.service_id == service_id) & (e.interface == interface)
                     & (e.region_id == region))
            ident = await _ensure(conn, m.endpoints, where, {
                "id": rows.new_id(), "service_id": service_id, "interface": interface,
                "region_id": region, "url": entry.url, "enabled": True, "extra": {}})
            await conn.execute(m.endpoints.update().where(e.id == ident).values(url=entry.url))


async def bootstrap(svc: Identity, admin_password: str, entries: Sequence[CatalogEntry]) -> None:
    svc.keys.ensure()
    settings = svc.settings.identity
    async with svc.writing() as conn:
        await _ensure(conn, m.domains, m.domains.c.id == "default",
                      {"id": "default", "name": "Default", "description": "The default domain",
                       "enabled": True, "tags": [], "extra": {}})
        ids = await _roles(conn)
        project_id = await _ensure(
            conn, m.projects,
            (m.projects.c.name == settings.admin_project) & (m.projects.c.domain_id == "default"),
            {"id": rows.new_id(), "name": settings.admin_project, "domain_id": "default",
             "description": "Bootstrap project for initializing the cloud.", "enabled": True,
             "tags": [], "extra": {}})
        found = await rows.list_rows(conn, m.users, {"name": settings.admin_username,
                                                      "domain_id": "default"})
        if found:
            user_id = str(found[0].id)
        else:
            user = await users.create(conn, svc.hasher, {
                "name": settings.admin_username, "domain_id": "default",
                "password": admin_password, "default_project_id": project_id})
            user_id = user["id"]
            log.info("created the admin user %s", settings.admin_username)
        await assignments.grant(conn, Grant("UserProject", user_id, project_id, ids["admin"]))
        await assignments.grant(conn, Grant("UserSystem", user_id, "all", ids["admin"]))
        await _catalog(conn, svc.settings.api.region, entries)
