"""The identity service: its spec (routes, error shape) for the service stack."""

from __future__ import annotations

from pocketstack.common.errors import format_keystone
from pocketstack.common.service import ServiceSpec
from pocketstack.identity.routes import build_routes
from pocketstack.identity.service import Identity

__all__ = ["PATH", "build_spec"]

PATH = "/identity"


def build_spec(svc: Identity) -> ServiceSpec:
    uri = svc.settings.public_url + PATH
    return ServiceSpec(
        name="identity",
        routes=build_routes(svc),
        formatter=format_keystone,
        unauthorized_headers={"WWW-Authenticate": f'Keystone uri="{uri}"'},
    )
