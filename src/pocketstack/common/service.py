"""Assemble one service: its router wrapped in the middleware stack, in one written order.

Outermost first, what each layer does on the way in / on the way out:

1. RequestState   in: request id and public URL into scope state; out: x-openstack-request-id
2. RequestLog     out: one log line with status and duration
3. Error          out: ApiError and unexpected exceptions become the service's error body
4. BodyLimit      in: 413 for bodies over ``[api] max_request_body_size``
5. AuthToken      in: validate X-Auth-Token locally into scope state (the router answers 401)
6. Microversion   in: negotiate, 406 outside the range; out: OpenStack-API-Version + Vary
7. Router         the route table: 404, 405 + Allow, 401 for routes that need a token
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping

from pocketstack.common.asgi import ASGIApp
from pocketstack.common.auth import TokenValidator
from pocketstack.common.errors import ErrorFormatter
from pocketstack.common.microversion import VersionRange
from pocketstack.common.middleware.auth_token import AuthTokenMiddleware
from pocketstack.common.middleware.body_limit import BodyLimitMiddleware
from pocketstack.common.middleware.errors import ErrorMiddleware
from pocketstack.common.middleware.microversion import MicroversionMiddleware
from pocketstack.common.middleware.request_log import RequestLogMiddleware
from pocketstack.common.middleware.request_state import RequestStateMiddleware
from pocketstack.common.routing import Route, Router

__all__ = ["ServiceSpec", "build_service_app"]


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    name: str
    routes: list[Route]
    formatter: ErrorFormatter
    versions: VersionRange | None = None
    unauthorized_headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Requests whose bodies may exceed [api] max_request_body_size (streamed uploads):
    # a predicate over (method, path below the mount point).
    streaming: Callable[[str, str], bool] | None = None
    # More response headers carrying the request id (Nova's x-compute-request-id).
    request_id_headers: tuple[str, ...] = ()


def build_service_app(
    spec: ServiceSpec,
    *,
    validator: TokenValidator,
    public_url: str | None,
    body_limit: int,
    log_requests: bool = True,
) -> ASGIApp:
    logger = logging.getLogger(f"pocketstack.{spec.name}")
    app: ASGIApp = Router(spec.routes, unauthorized_headers=spec.unauthorized_headers)
    if spec.versions is not None:
        app = MicroversionMiddleware(app, versions=spec.versions)
    app = AuthTokenMiddleware(app, validator=validator)
    app = BodyLimitMiddleware(app, limit=body_limit, exempt=spec.streaming)
    app = ErrorMiddleware(app, formatter=spec.formatter, logger=logger)
    if log_requests:
        app = RequestLogMiddleware(app, logger=logging.getLogger("pocketstack.access"))
    return RequestStateMiddleware(app, public_url=public_url,
                                  id_headers=spec.request_id_headers)
