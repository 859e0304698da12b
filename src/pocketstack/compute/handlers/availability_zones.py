"""/os-availability-zone: the zones of the enabled compute services (a host's zone from its
aggregates, "nova" by default); /detail (admins) adds the internal zone and each zone's
hosts and services."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pocketstack.common.asgi import json_response
from pocketstack.compute.handlers.base import authorize
from pocketstack.compute.objects import aggregates, services
from pocketstack.compute.service import Compute

__all__ = ["list_zones", "list_zones_detail", "zone_of"]

_RULE = "os_compute_api:os-availability-zone:"
INTERNAL = "internal"


def zone_of(service: dict[str, Any], zones: dict[str, str]) -> str:
    if service["binary"] != "nova-compute":
        return INTERNAL
    return zones.get(service["host"], aggregates.DEFAULT_ZONE)


async def _zoned(svc: Compute) -> tuple[list[dict[str, Any]], dict[str, str]]:
    found = await services.gather_services(svc.cells.all(), within=svc.settings.cells.timeout)
    async with svc.reading() as conn:
        zones = await aggregates.host_zones(conn)
    return found, zones


def _states(found: list[dict[str, Any]], zones: dict[str, str]) -> tuple[list[str], list[str]]:
    """(available zones, zones with only disabled services), by name."""
    available = {zone_of(s, zones) for s in found if not s["disabled"]}
    unavailable = {zone_of(s, zones) for s in found} - available
    return sorted(available), sorted(unavailable)


def _entry(zone: str, available: bool, hosts: Any = None) -> dict[str, Any]:
    return {"zoneName": zone, "zoneState": {"available": available}, "hosts": hosts}


async def list_zones(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "list")
    found, zones = await _zoned(svc)
    available, unavailable = _states(found, zones)
    info = [_entry(z, True) for z in available if z != INTERNAL]
    info += [_entry(z, False) for z in unavailable if z != INTERNAL]
    return json_response({"availabilityZoneInfo": info})


async def list_zones_detail(svc: Compute, request: Request) -> Response:
    authorize(svc, request, _RULE + "detail")
    found, zones = await _zoned(svc)
    available, unavailable = _states(found, zones)
    moment, down_time = services.now(), svc.settings.compute.service_down_time
    hosts: dict[str, dict[str, dict[str, Any]]] = {zone: {} for zone in available}
    for service in found:
        if service["disabled"]:
            continue
        seen = service["updated_at"] or service["last_seen_up"]
        hosts[zone_of(service, zones)].setdefault(service["host"], {})[service["binary"]] = {
            "available": services.is_up(service, moment, down_time), "active": True,
            "updated_at": seen.isoformat() if seen is not None else None}
    info = [_entry(z, True, hosts[z]) for z in available]
    info += [_entry(z, False) for z in unavailable]
    return json_response({"availabilityZoneInfo": info})
