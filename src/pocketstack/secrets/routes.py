"""The key manager's one route table: path -> {METHOD: handler}."""

from __future__ import annotations

from collections.abc import Mapping

from pocketstack.common.routing import Handler, Route
from pocketstack.secrets.handlers import containers, payloads, root, secrets
from pocketstack.secrets.handlers.base import SecretsHandler, bind
from pocketstack.secrets.service import KeyManager

__all__ = ["build_routes"]


def build_routes(svc: KeyManager) -> list[Route]:
    def b(table: Mapping[str, SecretsHandler]) -> dict[str, Handler]:
        return {method: bind(svc, handler) for method, handler in table.items()}

    return [
        Route("/", b({"GET": root.versions}), public=True),
        Route("/v1", b({"GET": root.version_v1}), public=True),
        Route("/v1/secrets", b({"GET": secrets.list_secrets, "POST": secrets.create_secret})),
        Route(
            "/v1/secrets/{secret_id}",
            b(
                {
                    "GET": secrets.get_secret,
                    "PUT": secrets.put_secret,
                    "DELETE": secrets.delete_secret,
                }
            ),
        ),
        Route("/v1/secrets/{secret_id}/payload", b({"GET": payloads.get_payload})),
        Route(
            "/v1/containers",
            b({"GET": containers.list_containers, "POST": containers.create_container}),
        ),
        Route(
            "/v1/containers/{container_id}",
            b({"GET": containers.get_container, "DELETE": containers.delete_container}),
        ),
    ]
