"""The placement service: its spec (routes, error shape, microversions) for the stack."""

from __future__ import annotations

from pocketstack.common.errors import format_placement
from pocketstack.common.service import ServiceSpec
from pocketstack.placement.microversion import VERSION_RANGE
from pocketstack.placement.routes import build_routes
from pocketstack.placement.service import Placement

__all__ = ["PATH", "build_spec"]

PATH = "/placement"


def build_spec(svc: Placement) -> ServiceSpec:
    return ServiceSpec(name="placement", routes=build_routes(svc),
                       formatter=format_placement, versions=VERSION_RANGE)
