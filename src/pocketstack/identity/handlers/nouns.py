"""The plain CRUD nouns: domains, projects, roles, regions, services and endpoints."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from pocketstack.common.context import context_of
from pocketstack.identity import schemas
from pocketstack.identity.handlers.crud import Crud
from pocketstack.identity.objects import catalog, domains, projects, roles

__all__ = ["DOMAINS", "ENDPOINTS", "PROJECTS", "REGIONS", "ROLES", "SERVICES"]


def _default_domain(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """A project created without a domain lands in the token's domain, else ``default``."""
    if not values.get("domain_id"):
        auth = context_of(request).auth
        values["domain_id"] = (auth.domain_id if auth and auth.domain_id else "default")
    return values


def _region_id(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    if not values.get("id"):
        values.pop("id", None)
    return values


DOMAINS = Crud("domain", "domains", domains.get, domains.list_, domains.create, domains.update,
               domains.delete, schemas.DOMAIN_CREATE, schemas.DOMAIN_UPDATE, ("name", "enabled"))
PROJECTS = Crud("project", "projects", projects.get, projects.list_, projects.create,
                projects.update, projects.delete, schemas.PROJECT_CREATE, schemas.PROJECT_UPDATE,
                ("name", "domain_id", "enabled", "parent_id", "is_domain"),
                prepare_create=_default_domain)
ROLES = Crud("role", "roles", roles.get, roles.list_, roles.create, roles.update, roles.delete,
             schemas.ROLE_CREATE, schemas.ROLE_UPDATE, ("name", "domain_id"))
REGIONS = Crud("region", "regions", catalog.get_region, catalog.list_regions,
               catalog.create_region, catalog.update_region, catalog.delete_region,
               schemas.REGION_CREATE, schemas.REGION_UPDATE, ("parent_region_id",),
               prepare_create=_region_id)
SERVICES = Crud("service", "services", catalog.get_service, catalog.list_services,
                catalog.create_service, catalog.update_service, catalog.delete_service,
                schemas.SERVICE_CREATE, schemas.SERVICE_UPDATE, ("type", "name"))
ENDPOINTS = Crud("endpoint", "endpoints", catalog.get_endpoint, catalog.list_endpoints,
                 catalog.create_endpoint, catalog.update_endpoint, catalog.delete_endpoint,
                 schemas.ENDPOINT_CREATE, schemas.ENDPOINT_UPDATE,
                 ("service_id", "interface", "region_id", "region"))
